"""Who may talk to the panel stream: a per-session random token, browser origins, the Host header,
and what the panel page itself may load (its Content-Security-Policy).

The stream listens on 127.0.0.1, which every local program and every web page the user opens can
reach. The token keeps out other programs; the Origin check keeps out web pages (a browser always
sends Origin on a websocket and cannot forge it); the Host check defeats DNS rebinding of the page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

WEBVIEW_SCHEME = "vscode-webview://"
NONE = "'none'"  # the CSP source list that allows nothing


def new_token() -> str:
    """A fresh unguessable token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so timing does not leak the token."""
    if not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def own_origins(port: int) -> frozenset[str]:
    """The origins of the standalone panel page this server serves itself."""
    return frozenset({f"http://127.0.0.1:{port}", f"http://localhost:{port}"})


def origin_allowed(origin: str | None, port: int) -> bool:
    """A VS Code webview, the standalone page, or a non-browser client (no Origin header)."""
    if origin is None:
        return True
    return origin.startswith(WEBVIEW_SCHEME) or origin in own_origins(port)


def host_allowed(host: str | None, port: int) -> bool:
    """The Host header names this loopback server (a rebound foreign name is refused)."""
    return host in {f"127.0.0.1:{port}", f"localhost:{port}"}


def single_host(values: Sequence[str]) -> str | None:
    """The request's one Host header, or None when it has none or several (RFC 9110: answer 400)."""
    return values[0] if len(values) == 1 else None


def new_nonce() -> str:
    """A fresh CSP nonce for one page (128 bits, base64)."""
    return base64.b64encode(secrets.token_bytes(16)).decode("ascii")


def sha256_source(text: str) -> str:
    """The CSP hash source of an inline element whose text is exactly `text`."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def page_policy(script: str, style: str, connect: str | None) -> str:
    """The panel page's Content-Security-Policy as a <meta> element may carry it.

    Nothing loads but the page's own script and styles (`script`, `style`: nonce or hash
    sources); images only from data:/blob: (the PNG export draws the SVG through one);
    connections only to `connect` (the stream's own websocket address), none when None.
    """
    return "; ".join([
        "default-src 'none'",
        f"script-src {script}",
        f"style-src {style}",
        "img-src data: blob:",
        f"connect-src {connect or NONE}",
        "base-uri 'none'",
        "form-action 'none'",
    ])


def header_policy(meta_policy: str) -> str:
    """The same policy as an HTTP header, plus what browsers ignore (and warn about) in a <meta>."""
    return f"{meta_policy}; frame-ancestors 'none'"
