"""The standalone panel page: files of the built webview bundle, never anything outside its folder,
and its HTML with the page's Content-Security-Policy and nonces written in."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from rnnlens.paths import REPO_ROOT

PANEL_DIR = REPO_ROOT / "extension" / "dist" / "panel"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".map": "application/json",
}

PLACEHOLDER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RNN Lens panel</title></head>
<body>
<h1>RNN Lens: the panel is not built yet</h1>
<p>The stream is running, but the panel page (<code>extension/dist/panel/index.html</code>) is missing.
Build it, then reload this page:</p>
<pre>cd extension
npm install
npm run build</pre>
</body></html>
"""


def resolve_panel_file(panel_dir: Path, url_path: str) -> Path | None:
    """The file a request path names inside `panel_dir`, or None (missing, hidden, or outside)."""
    path = unquote(urlsplit(url_path).path)
    if "\x00" in path or "\\" in path:
        return None
    relative = path.lstrip("/") or "index.html"
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    root = panel_dir.resolve()
    candidate = (root / relative).resolve()
    # resolve() follows symlinks, so a link that leads outside the folder is refused here too.
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


_CHARSET = re.compile(r"<meta\s+charset=[^>]*>", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_NONCED = re.compile(r"<(script|link)\b", re.IGNORECASE)


def with_policy(page: str, policy: str, nonce: str) -> str:
    """`page` with the policy in a <meta> right after the charset (the header says the same; the
    meta keeps it on a page saved to disk), and `nonce` on every <script> and <link>: the page
    is ours and has no inline code, so these are the bundle's own files."""
    nonced = _NONCED.sub(lambda m: f'<{m.group(1)} nonce="{nonce}"', page)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy)}">'
    anchor = _CHARSET.search(nonced) or _HEAD.search(nonced)
    if anchor is None:
        return meta + nonced
    return nonced[:anchor.end()] + meta + nonced[anchor.end():]
