"""`python -m rnnlens` is the same as the `rnnlens` console script."""

import os
import sys

# `python -m` puts the working directory first on sys.path. The language server starts in the
# user's workspace, where a file such as `tqdm.py` would then replace a library we import later;
# RNN Lens imports user code only from entry points declared explicitly, so drop that entry.
if sys.path and sys.path[0] in ("", os.getcwd()) and not sys.flags.safe_path:
    sys.path.pop(0)

from rnnlens.cli.main import main  # noqa: E402 - after the path fix, on purpose

raise SystemExit(main())
