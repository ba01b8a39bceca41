"""`python -m rnnlens` is the same as the `rnnlens` console script."""

from rnnlens.cli.main import main

raise SystemExit(main())
