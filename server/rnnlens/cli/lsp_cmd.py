"""`rnnlens lsp`: run the language server over stdio (started by an editor, not by hand)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import logging
import os
import signal
import sys
from typing import TYPE_CHECKING

from rnnlens.errors import RnnLensError

if TYPE_CHECKING:
    from rnnlens.lsp.server import RnnLensServer


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("lsp", help="run the language server over stdio (for editors)")
    parser.add_argument("--log-file", metavar="PATH", help="write the server's log to this file")
    parser.add_argument("--verbose", action="store_true", help="log debug messages")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # The client stops the server (shutdown/exit, or closing stdin). Ignoring SIGINT also makes
    # `_thread.interrupt_main()`, from a declared entry point's thread, do nothing (Python only
    # trips a signal it handles), where it would raise KeyboardInterrupt in the server's loop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if args.log_file:
        from rnnlens.log_redaction import log_to_private_file

        try:
            log_to_private_file(args.log_file, logging.DEBUG if args.verbose else logging.INFO)
        except OSError as exc:
            raise RnnLensError(f"cannot write the log file {args.log_file}: {exc.strerror or exc}") from None
    # The server holds many small long-lived objects (tokens of open documents); frequent full
    # garbage collections over them showed up as latency spikes in hovers.
    gc.set_threshold(50_000, 20, 100)
    # Neither imports torch: the server answers `initialize` first, then loads the analysis. No
    # collections while lsprotocol makes its ~570 classes (0.1 s of 0.45 s before `initialize`
    # on a 2-core machine); what the import made is frozen, out of later collections' way.
    gc.disable()
    from rnnlens.lsp.server import build_server
    from rnnlens.lsp.stdio import serve_stdio

    gc.freeze()
    gc.enable()
    # the panel stream runs inside the language server's process; lsp/ itself knows nothing of it
    code = serve_stdio(build_server(on_started=[start_panel_stream], before_session=[one_torch_thread]))
    leave_at_once(code)
    return code  # not reached


def one_torch_thread() -> None:
    """Requests trace a few hundred tokens at a time: one intra-op thread per request is several
    times faster than a pool of threads fighting over a small machine's cores."""
    import torch

    torch.set_num_threads(1)


async def start_panel_stream(server: RnnLensServer) -> None:
    """The panel stream's start hook (after `initialized`). Its module imports the analysis service
    (torch): imported off the event loop, which meanwhile goes on taking the client's messages."""
    bridge = await asyncio.to_thread(importlib.import_module, "rnnlens.stream.lsp_bridge")
    await bridge.start_panel_stream(server)


def leave_at_once(code: int) -> None:
    """End the process now, with the log flushed. A normal interpreter exit joins every worker
    thread (the panel stream's, a request's trace still running) and then tears down torch, which
    alone takes 1.5-3 s on a small machine; VS Code kills a server still alive 2 s after `exit`
    and reports it as an error. Nothing is left to save: the cache writes each file atomically."""
    logging.getLogger(__name__).info("language server exits (code %d)", code)
    logging.shutdown()  # flushes and closes the log file
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the client closed the pipe already
            pass
    os._exit(code)
