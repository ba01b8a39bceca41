"""One panel's websocket: read requests, run them on worker threads, send answers through an Outbox.

The event loop only decodes, validates and queues; analysis runs on the server's thread pool and
hands its encoded answer back with asyncio.run_coroutine_threadsafe, so neither a slow analysis nor
a slow panel ever holds up the loop the language server shares.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from rnnlens.errors import Cancelled, RnnLensError
from rnnlens.protocol import ProtocolError, decode_message, encode_message
from rnnlens.stream.handlers import HANDLERS, RequestContext
from rnnlens.stream.outbox import Outbox

if TYPE_CHECKING:
    from rnnlens.stream.server import StreamServer

log = logging.getLogger(__name__)


def error_frame(request_id: int | None, code: str, message: str) -> bytes:
    return encode_message({"type": "error", "id": request_id, "code": code, "message": message})


class PanelConnection:
    def __init__(self, server: StreamServer, websocket: ServerConnection):
        self.server = server
        self.websocket = websocket
        self.loop = asyncio.get_running_loop()
        self.outbox = Outbox(max_answers=server.limits.max_queued_answers)
        self._jobs: dict[int, threading.Event] = {}  # request id -> cancel flag, while running

    async def run(self) -> None:
        sender = asyncio.create_task(self._send_loop())
        try:
            hello = await self.loop.run_in_executor(self.server.executor, self.server.hello_frame)
            self.outbox.put(hello)
            await self._read_loop()
        except ConnectionClosed:
            pass
        finally:
            for flag in self._jobs.values():
                flag.set()  # nobody will read the answers: stop the work
            self.outbox.close()
            await sender

    async def _read_loop(self) -> None:
        async for frame in self.websocket:
            await self.outbox.wait_for_room()
            self._handle_frame(frame)

    async def _send_loop(self) -> None:
        while (frame := await self.outbox.next_frame()) is not None:
            try:
                await self.websocket.send(frame)
            except ConnectionClosed:
                self.outbox.close()
                return

    # ----- incoming
    def _handle_frame(self, frame: str | bytes) -> None:
        if isinstance(frame, str):
            self.outbox.put(error_frame(None, "malformed", "send binary frames holding msgpack, not text"))
            return
        if len(frame) > self.server.limits.max_request_bytes:
            self.outbox.put(error_frame(None, "too_large", f"a request may hold at most "
                                        f"{self.server.limits.max_request_bytes} bytes; got {len(frame)}"))
            return
        try:
            message = decode_message(frame, direction="panel")
        except ProtocolError as exc:
            self.outbox.put(error_frame(exc.request_id, exc.code, str(exc)))
            return
        self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind, request_id = message["type"], message["id"]
        if request_id in self._jobs:
            self.outbox.put(error_frame(request_id, "invalid", f"request id {request_id} is still running"))
        elif kind == "ping":
            self.outbox.put(encode_message({"type": "pong", "id": request_id, "payload": message["payload"]}))
        elif kind == "cancel":
            flag = self._jobs.get(message["target"])
            if flag is not None:
                flag.set()
            self.outbox.put(encode_message({"type": "ack", "id": request_id}))
        elif kind == "reveal":
            self._reveal(message)
        elif len(self._jobs) >= self.server.limits.max_running_requests:
            self.outbox.put(error_frame(request_id, "busy", f"{len(self._jobs)} requests are already running "
                                        f"on this connection; wait for an answer or cancel one"))
        else:
            flag = threading.Event()
            self._jobs[request_id] = flag
            self.server.executor.submit(self._work, message, flag)

    def _reveal(self, message: dict[str, Any]) -> None:
        handler = self.server.on_reveal
        if handler is None:
            self.outbox.put(error_frame(message["id"], "no_editor", "no editor is attached to this panel"))
            return
        try:
            handler(message["uri"], message["start"], message["end"])
        except RnnLensError as exc:
            self.outbox.put(error_frame(message["id"], "failed", str(exc)))
            return
        self.outbox.put(encode_message({"type": "ack", "id": message["id"]}))

    # ----- worker thread
    def _work(self, message: dict[str, Any], flag: threading.Event) -> None:
        request_id = message["id"]
        context = RequestContext(progress=self._progress_reporter(request_id), cancelled=flag.is_set,
                                 cursor=self.server.cursor)
        try:
            if flag.is_set():
                raise Cancelled("the request was cancelled")
            answer = HANDLERS[message["type"]](self.server.service, message, context)
            frame = encode_message(answer, direction="server")
        except Cancelled:
            frame = error_frame(request_id, "cancelled", "the request was cancelled")
        except RnnLensError as exc:
            frame = error_frame(request_id, "failed", str(exc))
        except Exception as exc:  # a bug must not kill the connection; the log keeps the traceback
            log.exception("panel request %s failed", message["type"])
            frame = error_frame(request_id, "failed", f"internal error while answering {message['type']}: {exc}")
        self._post(self._finish(request_id, frame))

    def _progress_reporter(self, request_id: int) -> Callable[[float, str], None]:
        def report(fraction: float, text: str) -> None:
            frame = encode_message({"type": "progress", "id": request_id,
                                    "fraction": min(max(float(fraction), 0.0), 1.0), "message": str(text)})
            self._post(self._progress(request_id, frame))

        return report

    def _post(self, coroutine: Any) -> None:
        try:
            asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        except RuntimeError:  # the loop is closed: the server stopped while this request ran
            coroutine.close()

    async def _finish(self, request_id: int, frame: bytes) -> None:
        self._jobs.pop(request_id, None)
        self.outbox.drop(f"progress:{request_id}")
        self.outbox.put(frame)

    async def _progress(self, request_id: int, frame: bytes) -> None:
        if request_id in self._jobs:
            self.outbox.put_latest(f"progress:{request_id}", frame)

    # ----- pushes from the server
    def push_latest(self, slot: str, frame: bytes) -> None:
        self.outbox.put_latest(slot, frame)
