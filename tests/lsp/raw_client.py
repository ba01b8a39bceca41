"""A bare JSON-RPC client over a real `rnnlens lsp` process: sends any bytes a client could send
(pytest-lsp's client builds typed params and cannot send a negative position), reads every
message the server writes, and never waits without a deadline."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.lsp.conftest import SERVER_COMMAND, SERVER_ENV

STDERR_KEPT = 8192


class RawServer:
    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process
        self.received: list[dict[str, Any]] = []  # every message, in order
        self.stderr = bytearray()  # the end of what the server wrote to stderr (for failure messages)
        self._ids = itertools.count(1)
        self._reader = asyncio.ensure_future(self._read())
        self._stderr_reader = asyncio.ensure_future(self._read_stderr())

    @classmethod
    async def start(cls, extra_args: Sequence[str] = (), env: dict[str, str] | None = None) -> RawServer:
        process = await asyncio.create_subprocess_exec(
            *SERVER_COMMAND, *extra_args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env or SERVER_ENV)
        return cls(process)

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            length = None
            while True:
                line = await stdout.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif line in (b"\r\n", b"\n") and length is not None:
                    break
            self.received.append(json.loads(await stdout.readexactly(length)))

    async def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        while chunk := await self.process.stderr.read(65536):
            self.stderr += chunk
            del self.stderr[:-STDERR_KEPT]

    def send(self, message: dict[str, Any]) -> None:
        self.send_body(json.dumps({"jsonrpc": "2.0", **message}).encode())

    def send_body(self, body: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    async def request(self, method: str, params: Any, timeout: float = 60, params_json: str | None = None,
                      ) -> dict[str, Any]:
        """The server's response message (with `result` or `error`); fails if none comes in `timeout`.

        `params_json` sends the params as this exact JSON text (e.g. `1e400`, which Python cannot write)."""
        request_id = next(self._ids)
        if params_json is None:
            self.send({"id": request_id, "method": method, "params": params})
        else:
            self.send_body(b'{"jsonrpc": "2.0", "id": %d, "method": %s, "params": %s}'
                           % (request_id, json.dumps(method).encode(), params_json.encode()))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in self.received:
                if message.get("id") == request_id and "method" not in message:
                    return message
            if loop.time() > deadline:
                raise AssertionError(f"no response to {method} {params!r} within {timeout}s")
            if self._reader.done():
                failure = self._reader.exception() if not self._reader.cancelled() else None
                raise AssertionError(f"the server closed its output before answering {method} {params!r}"
                                     f" (reader: {failure!r}, exit code {self.process.returncode}); its stderr "
                                     f"ends: {self.stderr.decode(errors='replace')[-2000:]}")
            await asyncio.sleep(0.02)

    async def initialize(self, options: dict[str, Any], root: Path | None = None,
                         capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = await self.request("initialize", {
            "processId": None, "rootUri": root.as_uri() if root else None,
            "workspaceFolders": [{"uri": root.as_uri(), "name": "ws"}] if root else None,
            "capabilities": capabilities or {}, "initializationOptions": options})
        self.notify("initialized", {})
        return answer

    def notifications(self, method: str) -> list[Any]:
        return [message.get("params") for message in self.received if message.get("method") == method
                and "id" not in message]

    async def stop(self) -> int:
        """Shut the server down the way a client does (killed if it does not go); its exit code."""
        try:
            if self.process.returncode is None:
                await self.request("shutdown", None, timeout=30)
                self.notify("exit", None)
                await asyncio.wait_for(self.process.wait(), 30)
        except (AssertionError, asyncio.TimeoutError, ConnectionError):
            self.process.kill()
            await self.process.wait()
        finally:
            self._reader.cancel()
            self._stderr_reader.cancel()
        return self.process.returncode if self.process.returncode is not None else -1
