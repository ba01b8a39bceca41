"""The stream inside the language server: started once the client is initialised, announced with
rnnlens/panelEndpoint; editor cursors (rnnlens/cursor) go to the panels, panel reveal requests go to
the editor as rnnlens/revealRange."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any, cast

from rnnlens.log_redaction import register_secret
from rnnlens.protocol import PROTOCOL_VERSION, ProtocolError, check_notification
from rnnlens.protocol.messages import (
    CURSOR_NOTIFICATION,
    PANEL_ENDPOINT_NOTIFICATION,
    REVEAL_RANGE_NOTIFICATION,
    CursorState,
)
from rnnlens.stream.server import start_stream

if TYPE_CHECKING:
    from rnnlens.lsp.server import RnnLensServer

log = logging.getLogger(__name__)


def _plain(value: Any) -> Any:
    """pygls hands custom params over as namedtuples; the protocol checks plain dicts."""
    if hasattr(value, "_asdict"):
        return {key: _plain(item) for key, item in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _settings(ls: RnnLensServer) -> dict[str, Any]:
    settings = ls.session.settings
    return dataclasses.asdict(settings) if dataclasses.is_dataclass(settings) else {}


async def start_panel_stream(ls: RnnLensServer) -> None:
    """ON_STARTED hook: start the stream (kept as `ls.panel_stream`) and tell the client where it is."""

    def reveal(uri: str, start: int, end: int) -> None:
        ls.protocol.notify(REVEAL_RANGE_NOTIFICATION, {"uri": uri, "start": start, "end": end})

    stream = await start_stream(lambda: ls.session.service, lambda: _settings(ls), on_reveal=reveal)
    register_secret(stream.token)  # pygls logs the endpoint notification (with the token) at INFO
    ls.panel_stream = stream  # type: ignore[attr-defined]

    @ls.feature(CURSOR_NOTIFICATION)
    def cursor_moved(ls: RnnLensServer, params: Any) -> None:
        try:
            cursor = check_notification(CURSOR_NOTIFICATION, _plain(params))
        except ProtocolError as exc:
            log.warning("ignored a malformed %s: %s", CURSOR_NOTIFICATION, exc)
            return
        stream.broadcast_cursor(cast(CursorState, {key: cursor[key] for key in CursorState.__annotations__}))

    ls.protocol.notify(PANEL_ENDPOINT_NOTIFICATION, {"url": stream.url, "token": stream.token, "port": stream.port,
                                                     "protocol": PROTOCOL_VERSION})
    log.info("panel stream at 127.0.0.1:%d", stream.port)
