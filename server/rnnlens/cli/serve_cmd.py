"""`rnnlens serve [--model NAME] [--corpus C] [--port N]`: the panel page and its stream for a plain browser.

Prints exactly one line, `panel: http://127.0.0.1:PORT/?token=TOKEN`, then serves until Ctrl-C.
"""

from __future__ import annotations

import _thread
import argparse
import asyncio
import errno
import signal
import sys

from rnnlens.cli.analysis_common import add_device, make_service, whole_number
from rnnlens.errors import RnnLensError
from rnnlens.models.registry import MODEL_PATH_HELP


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="serve the side panel in a browser (http://127.0.0.1:PORT)")
    parser.add_argument("--model", metavar="NAME", help="the model the panel opens with (default: the first)")
    parser.add_argument("--port", type=whole_number(0, 65535), default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--clusters", "-k", type=whole_number(2, 64), default=8, help="clusters the panel starts with (default 8)")
    parser.add_argument("--model-path", action="append", default=[], metavar="PATH", help=MODEL_PATH_HELP)
    parser.add_argument("--corpus", nargs="+", default=None, metavar="NAME_OR_PATH",
                        help="the statistics the panel uses: a corpus name[:split], a text file or a folder "
                             "(default: the held-out split of the corpus each model card names)")
    add_device(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    _disarm_interrupt_main()
    service = make_service(args)
    names = service.registry.names()
    if args.model is not None:
        service.model(args.model)  # an unknown name fails here, with the list of known models
    elif not names:
        raise RnnLensError("no models found: pass --model-path, or train the samples (rnnlens train)")
    settings = {"model": args.model or names[0], "clusters": args.clusters}
    try:
        asyncio.run(_serve(service, settings, args.port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise RnnLensError(f"port {args.port} on 127.0.0.1 is in use; choose another --port or 0") from None
        raise
    return 0


def _disarm_interrupt_main() -> None:
    """Make `_thread.interrupt_main()` do nothing in this process (before any entry point loads).

    It trips Python's SIGINT handler, which here is the stream's Ctrl-C handler: a declared entry
    point's thread calling it would stop the server. Real signals (Ctrl-C, `kill -INT`) come from
    the kernel, not through this function, and still stop it.
    """
    def ignored(signum: int = signal.SIGINT, /) -> None:
        print(f"rnnlens: warning: ignored _thread.interrupt_main({signum}) from model code; "
              "Ctrl-C stops the server", file=sys.stderr, flush=True)

    _thread.interrupt_main = ignored


async def _serve(service, settings: dict, port: int) -> None:
    from rnnlens.stream import start_stream

    server = await start_stream(service, lambda: dict(settings), port=port, serve_page=True)
    print(f"panel: {server.page_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Ctrl-C and a plain `kill` both stop cleanly. Installing the handlers here also covers a
    # serve started in the background of a non-interactive shell, which inherits SIGINT ignored.
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()
        sys.stdout.flush()
