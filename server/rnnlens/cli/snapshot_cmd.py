"""`rnnlens snapshot --model NAME [-o FILE]`: one standalone HTML file of the side panel.

The built panel bundle (extension/dist/panel: panel.js, panel.css) is inlined, and the server
messages the panel would receive (hello, the co-clustering view, the glyphs of a sentence) are
embedded as base64 msgpack frames, built by the stream's own handlers and codec. The file opens
in any browser with no server: clicking words and tokens works; other controls need `rnnlens serve`.
"""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path
from typing import Any

from rnnlens.cli.analysis_common import (
    ProgressBar,
    add_corpus,
    add_layer_state,
    add_model,
    add_model_path,
    make_service,
    whole_number,
)
from rnnlens.errors import RnnLensError

DEFAULT_TEXT = "I love the food, though the staff is not helpful."


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("snapshot", help="write the side panel for a model as one standalone HTML file")
    add_model(parser)
    add_corpus(parser)
    add_layer_state(parser)
    parser.add_argument("--words", type=whole_number(2), default=300, help="the N most frequent words to cluster (default 300)")
    text = parser.add_mutually_exclusive_group()
    text.add_argument("--text", help=f"sentence whose glyphs the snapshot shows (default: {DEFAULT_TEXT!r})")
    text.add_argument("--text-file", type=Path, help="take the sentence from this file (first 2,000 characters)")
    parser.add_argument("--output", "-o", type=Path, default=Path("rnnlens-snapshot.html"),
                        help="where to write the HTML (default rnnlens-snapshot.html)")
    parser.add_argument("--panel-dir", type=Path, default=None, help="built panel bundle (default extension/dist/panel)")
    add_model_path(parser)
    parser.set_defaults(func=run)


def snapshot_html(css: str, script: str, frames: list[bytes], title: str) -> str:
    """The page: styles and script inlined, frames one base64 line each in a non-executed element.

    Its Content-Security-Policy allows exactly the inlined script and styles (by their hashes)
    and no connection at all: a snapshot file cannot be made to run or fetch anything else.
    """
    from html import escape

    from rnnlens.stream.security import page_policy, sha256_source

    lines = "\n".join(base64.b64encode(frame).decode("ascii") for frame in frames)
    safe_script = script.replace("</script", "<\\/script")
    safe_css = css.replace("</style", "<\\/style")
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;")
    policy = escape(page_policy(sha256_source(safe_script), sha256_source(safe_css), None))
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{safe_title}</title><style>{safe_css}</style></head>\n<body>"
            f'<main id="rnnlens-panel" aria-label="RNN Lens hidden memory panel"></main>\n'
            f'<script type="text/plain" id="rnnlens-snapshot">\n{lines}\n</script>\n'
            f"<script>{safe_script}</script>\n</body></html>\n")


def read_panel_bundle(panel_dir: Path) -> tuple[str, str]:
    try:
        return (panel_dir / "panel.css").read_text(encoding="utf-8"), (panel_dir / "panel.js").read_text(encoding="utf-8")
    except OSError:
        raise RnnLensError(f"the panel bundle is not built ({panel_dir / 'panel.js'} is missing): "
                           "run `npm ci && npm run build` at the repository root first") from None


def build_frames(service: Any, model: str, layer: int | None, state: str | None, k: int, n_words: int, text: str,
                 progress: Any = None) -> list[bytes]:
    """The messages a panel receives for this view, encoded by the protocol's codec."""
    from rnnlens.protocol.codec import encode_message
    from rnnlens.stream import handlers

    context = handlers.RequestContext(progress=progress or (lambda fraction, message: None),
                                      cancelled=lambda: False, cursor=None)
    hello = handlers.hello(service, {"model": model, "clusters": k}, None)
    view = handlers.cocluster(service, {"id": 1, "model": model, "layer": layer, "state": state, "k": k,
                                        "n_words": n_words}, context)
    glyphs = handlers.glyphs(service, {"id": 2, "model": model, "text": text, "layer": layer, "state": state, "k": k},
                             context)
    return [encode_message(message) for message in (hello, view, glyphs)]


def run(args: argparse.Namespace) -> int:
    from rnnlens.stream.panel_files import PANEL_DIR

    if not 2 <= args.clusters <= 64:
        raise RnnLensError(f"--clusters must be 2..64, got {args.clusters}")
    css, script = read_panel_bundle(args.panel_dir or PANEL_DIR)
    if args.text_file is not None:
        try:
            text = args.text_file.read_text(encoding="utf-8")[:2000].strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise RnnLensError(f"cannot read --text-file {args.text_file}: {exc}") from None
    else:
        text = args.text or DEFAULT_TEXT
    if not text.strip():
        raise RnnLensError("the snapshot's sentence is empty: pass --text or a non-empty --text-file")
    service = make_service(args)
    frames = build_frames(service, args.model, args.layer, args.state, args.clusters, args.words, text, ProgressBar())
    page = snapshot_html(css, script, frames, f"RNN Lens: {args.model}")
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise RnnLensError(f"cannot write {args.output}: {exc}") from None
    provenance = service.statistics(args.model, states=()).provenance  # already loaded for the frames
    print(f"snapshot: {args.output} ({len(page) / 1e6:.1f} MB, model {args.model}, {args.clusters} clusters, "
          f"statistics {provenance.statistics_line()})", file=sys.stderr)
    return 0
