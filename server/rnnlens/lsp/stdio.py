"""Serve LSP over stdio with stdin read on the event loop itself.

pygls reads stdin through a thread pool: every header line and every body is one round trip
to a worker thread and back through the loop's wake-up pipe (four per message). On a busy
small machine those hops cost more than a cached hover. When stdin is a pipe (how editors
start language servers) we read it with an asyncio pipe transport instead and hand pygls'
message loop an object with the same two methods. Anything else (a file, a terminal on some
platforms) falls back to pygls' own reader.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
import threading
from typing import BinaryIO

from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async
from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)
READ_LIMIT = 1 << 26  # bytes one line may hold before the stream refuses it (headers are short)


class PipeReader:
    """`readline`/`readexactly` over an asyncio stream; end of input reads as b"" (what pygls expects)."""

    def __init__(self, stream: asyncio.StreamReader):
        self.stream = stream

    async def readline(self) -> bytes:
        # Yield once before reading on: a request handled just before has been scheduled as a task,
        # and must take its document snapshot now, before the edits that follow it in the buffer
        # are applied (pygls' threaded reader yielded here by its nature).
        await asyncio.sleep(0)
        try:
            return await self.stream.readline()
        except ValueError:  # a "line" longer than READ_LIMIT: not LSP, stop reading
            log.error("stdin sent a header line over %d bytes; stopping", READ_LIMIT)
            return b""

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.stream.readexactly(n)
        except asyncio.IncompleteReadError as exc:
            return exc.partial


def is_pipe(stream: BinaryIO) -> bool:
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


async def _serve(server: LanguageServer, stdin: BinaryIO, stop: threading.Event) -> None:
    loop = asyncio.get_running_loop()
    reader: PipeReader | StdinAsyncReader
    if is_pipe(stdin):
        stream = asyncio.StreamReader(limit=READ_LIMIT)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), stdin)
        reader = PipeReader(stream)
    else:
        reader = StdinAsyncReader(stdin, server.thread_pool)
    await run_async(stop_event=stop, reader=reader, protocol=server.protocol, logger=log,
                    error_handler=server.report_server_error)


def serve_stdio(server: LanguageServer) -> int:
    """What `LanguageServer.start_io` does, with the faster reader (same shutdown and error paths).

    Returns the exit code LSP asks for: 0 after `shutdown` then `exit`, 1 for an `exit` without
    `shutdown` (pygls raises SystemExit with it); 0 when the client closed stdin."""
    stop = server._stop_event = threading.Event()  # pygls' shutdown sets it
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    code = 0
    try:
        asyncio.run(_serve(server, sys.stdin.buffer, stop))
    except BrokenPipeError:
        log.warning("the client closed its end of the pipe; stopping")
    except KeyboardInterrupt:
        pass
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    finally:
        server.shutdown()
    return code
