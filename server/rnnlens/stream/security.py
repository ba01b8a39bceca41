"""Who may talk to the panel stream: a per-session random token, browser origins, the Host header.

The stream listens on 127.0.0.1, which every local program and every web page the user opens can
reach. The token keeps out other programs; the Origin check keeps out web pages (a browser always
sends Origin on a websocket and cannot forge it); the Host check defeats DNS rebinding of the page.
"""

from __future__ import annotations

import hmac
import secrets

WEBVIEW_SCHEME = "vscode-webview://"


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
