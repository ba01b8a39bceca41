"""The panel stream: a websocket server on 127.0.0.1 (and, standalone, the panel page over HTTP).

Runs inside the language server's event loop (start_stream from an async handler) or on its own
(`rnnlens serve`). Endpoints on one port: ws://127.0.0.1:PORT/ws?token=TOKEN for the stream and,
when serving the page, http://127.0.0.1:PORT/ for the built panel bundle.
"""

from __future__ import annotations

import asyncio
import http
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from rnnlens.protocol import encode_message
from rnnlens.protocol.messages import CursorState
from rnnlens.service import AnalysisService
from rnnlens.stream import handlers
from rnnlens.stream.connection import PanelConnection
from rnnlens.stream.panel_files import (
    PANEL_DIR,
    PLACEHOLDER_HTML,
    content_type,
    resolve_panel_file,
    with_policy,
)
from rnnlens.stream.security import (
    header_policy,
    host_allowed,
    new_nonce,
    new_token,
    origin_allowed,
    page_policy,
    single_host,
    token_matches,
)

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
STREAM_PATH = "/ws"
PAGE_METHODS = ("GET", "HEAD")
SettingsProvider = Callable[[], dict[str, Any]]
RevealHandler = Callable[[str, int, int], None]  # uri, start, end (code points)
ServiceSource = AnalysisService | Callable[[], AnalysisService]


@dataclass(frozen=True)
class StreamLimits:
    max_request_bytes: int = 256 * 1024  # larger requests get a too_large error; the connection stays
    max_frame_bytes: int = 4 * 1024 * 1024  # larger frames close the connection (1009) unread
    max_running_requests: int = 32  # per connection
    max_queued_answers: int = 64  # per connection; beyond it the panel's requests are not read
    max_connections: int = 32


class StreamServer:
    """A running stream. `url` and `token` go to the extension; `broadcast_cursor` may be called
    from any thread; `close()` stops it."""

    def __init__(self, service: ServiceSource, settings_provider: SettingsProvider,
                 on_reveal: RevealHandler | None, panel_dir: Path | None, limits: StreamLimits, workers: int):
        self._service = service
        self.settings_provider = settings_provider
        self.on_reveal = on_reveal
        self.panel_dir = panel_dir
        self.limits = limits
        self.token = new_token()
        self.port = 0
        self.cursor: CursorState | None = None
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rnnlens-stream")
        self.connections: set[PanelConnection] = set()
        self._server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def service(self) -> AnalysisService:
        """The service now (the language server replaces its service when model paths change)."""
        return self._service if isinstance(self._service, AnalysisService) else self._service()

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.port}{STREAM_PATH}?token={self.token}"

    @property
    def page_url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    async def _start(self, port: int) -> None:
        self._loop = asyncio.get_running_loop()
        self._server = await serve(self._handle, HOST, port, process_request=self._process_request,
                                   max_size=self.limits.max_frame_bytes, compression=None,
                                   server_header="rnnlens")
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self.executor.shutdown(wait=False, cancel_futures=True)

    # ----- pushes (any thread)
    def broadcast_cursor(self, cursor: CursorState) -> None:
        """Send the editor's cursor to every panel; a slow panel gets only the newest."""
        self.cursor = cursor
        frame = encode_message({"type": "cursor", "cursor": cursor})
        if self._loop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._push_latest, "cursor", frame)
            except RuntimeError:  # the loop closed meanwhile: nobody is listening any more
                pass

    def _push_latest(self, slot: str, frame: bytes) -> None:
        for connection in list(self.connections):
            connection.push_latest(slot, frame)

    def hello_frame(self) -> bytes:
        """Runs on a worker thread: listing models may load them."""
        try:
            settings = dict(self.settings_provider())
        except Exception:  # settings are informative; a faulty provider must not refuse panels
            log.exception("settings provider failed")
            settings = {}
        return encode_message(handlers.hello(self.service, settings, self.cursor))

    # ----- HTTP side and handshake checks
    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        # Several Host headers (a smuggling trick) or several Origins are refused, never a 500.
        host = single_host(request.headers.get_all("Host"))
        if host is None:
            return _text_response(http.HTTPStatus.BAD_REQUEST, "exactly one Host header is required\n")
        if not host_allowed(host, self.port):
            return _text_response(http.HTTPStatus.FORBIDDEN, "wrong Host header\n")
        if request.method not in PAGE_METHODS:
            response = _text_response(http.HTTPStatus.METHOD_NOT_ALLOWED, f"{request.method} is not allowed\n")
            response.headers["Allow"] = ", ".join(PAGE_METHODS)
            return response
        path = urlsplit(request.path).path
        if any(value.strip().lower() == "websocket" for value in request.headers.get_all("Upgrade")):
            if path != STREAM_PATH:
                return _text_response(http.HTTPStatus.NOT_FOUND, f"the stream is at {STREAM_PATH}\n")
            origins = request.headers.get_all("Origin")
            if len(origins) > 1 or not origin_allowed(origins[0] if origins else None, self.port):
                return _text_response(http.HTTPStatus.FORBIDDEN, "origin not allowed\n")
            return None
        if self.panel_dir is None:
            return _text_response(http.HTTPStatus.NOT_FOUND, "this server has no panel page\n")
        response = self._panel_file(request.path, host)
        if request.method == "HEAD":  # the GET's headers (Content-Length included), no body
            response = Response(response.status_code, response.reason_phrase, response.headers, b"")
        return response

    def _panel_file(self, url_path: str, host: str) -> Response:
        assert self.panel_dir is not None
        nonce = new_nonce()
        # The page may open only the stream on the address it was loaded from (127.0.0.1 or localhost).
        policy = page_policy(f"'nonce-{nonce}'", f"'nonce-{nonce}'", f"ws://{host}{STREAM_PATH}")
        file = resolve_panel_file(self.panel_dir, url_path)
        if file is None:
            if urlsplit(url_path).path in ("", "/", "/index.html"):
                return _page_response(with_policy(PLACEHOLDER_HTML, policy, nonce), policy)
            return _text_response(http.HTTPStatus.NOT_FOUND, "not found\n")
        if file.suffix.lower() == ".html":
            return _page_response(with_policy(file.read_text(encoding="utf-8"), policy, nonce), policy)
        return _response(http.HTTPStatus.OK, file.read_bytes(), content_type(file))

    # ----- websocket side
    async def _handle(self, websocket: ServerConnection) -> None:
        request = websocket.request
        assert request is not None
        given = parse_qs(urlsplit(request.path).query).get("token", [None])[0]
        if not token_matches(given, self.token):
            await websocket.close(1008, "missing or wrong token")
            return
        if len(self.connections) >= self.limits.max_connections:
            await websocket.close(1013, "too many panels connected")
            return
        connection = PanelConnection(self, websocket)
        self.connections.add(connection)
        try:
            await connection.run()
        finally:
            self.connections.discard(connection)


def _response(status: http.HTTPStatus, body: bytes, kind: str, policy: str | None = None) -> Response:
    headers = Headers([("Content-Type", kind), ("Content-Length", str(len(body))), ("Connection", "close"),
                       ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
                       # Every answer is a document a browser may show: none may run or load anything.
                       ("Content-Security-Policy", header_policy(policy or page_policy("'none'", "'none'", None))),
                       ("Referrer-Policy", "no-referrer")])
    return Response(status.value, status.phrase, headers, body)


def _page_response(page: str, policy: str) -> Response:
    return _response(http.HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8", policy)


def _text_response(status: http.HTTPStatus, text: str) -> Response:
    return _response(status, text.encode(), "text/plain; charset=utf-8")


async def start_stream(service: ServiceSource, settings_provider: SettingsProvider, *, port: int = 0,
                       on_reveal: RevealHandler | None = None, serve_page: bool = False,
                       panel_dir: Path | None = None, limits: StreamLimits | None = None,
                       workers: int = 4) -> StreamServer:
    """Start the stream on 127.0.0.1 (port 0 = a free port) in the running event loop.

    service: the analysis service, or a callable giving the current one.
    on_reveal(uri, start, end) is called on the event-loop thread when a panel asks the editor to
    reveal a token (the LSP side forwards it as rnnlens/revealRange). serve_page also serves the
    panel bundle (panel_dir, default extension/dist/panel) over HTTP on the same port.
    """
    server = StreamServer(service, settings_provider, on_reveal,
                          (panel_dir or PANEL_DIR) if serve_page else None, limits or StreamLimits(), workers)
    await server._start(port)
    return server
