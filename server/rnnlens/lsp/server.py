"""Wiring: the pygls server, its handlers, and the bridge from worker threads to the event loop.

Handlers are thin: they take a snapshot, run the domain code (`session`, `hover`,
`inlay_hints`, `commands`) on a worker thread, and translate the answer. Anything sent to the
client from a worker goes through `call_soon_threadsafe` (the writer is not thread-safe).

What `initialize` waits for is kept light (pygls, lsprotocol, the document store, the protocol's
definitions). The domain side, `LensSession` and what hovers, hints and commands run, imports
torch, numpy and scikit-learn: 2-6 s on a small machine. It is imported on a thread started
right after `initialize` is answered (`RnnLensServer.session`), and by workers' functions where
they first need it, never at module level here (tests/lsp/test_fast_start.py keeps it so).

Other parts of RNN Lens start inside this process through `build_server(on_started=...)`:
callables that get the server once the client is initialised, on the event loop. `lsp/` knows
none of them: the command line (`rnnlens lsp`) passes the panel stream's start, which registers
itself there and announces its URL with a custom notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified
from pygls.lsp.server import LanguageServer

from rnnlens import __version__
from rnnlens.errors import Cancelled, RnnLensError
from rnnlens.lsp.command_arguments import parse_arguments
from rnnlens.lsp.documents import DocumentStore
from rnnlens.lsp.json_ready import JsonReadyHints
from rnnlens.lsp.lsp_protocol import RnnLensProtocol
from rnnlens.lsp.precompute import Precomputer
from rnnlens.lsp.stale import Stale
from rnnlens.protocol.commands import COMMAND_PREFIX, STATUS_NOTIFICATION, StatusParams
from rnnlens.protocol.commands import COMMANDS as DEFINITIONS

if TYPE_CHECKING:
    from rnnlens.lsp.clusters import Progress
    from rnnlens.lsp.session import LensSession

log = logging.getLogger(__name__)
T = TypeVar("T")
StartHook = Callable[["RnnLensServer"], Awaitable[None] | None]
# run on the loading thread before the session is imported (`rnnlens lsp` limits torch's threads)
LoadHook = Callable[[], None]

# Set to 1 by benchmarks/lsp_bench.py for its baseline server (recompute everything per request);
# deliberately not a setting: no user wants it.
BASELINE_ENV = "RNNLENS_LSP_BASELINE"
PARSE_ERROR = -32700  # JSON-RPC's code for a body that is not JSON
PROGRESS_INTERVAL_S = 0.1
LOADING_TITLE = "RNN Lens: loading torch and the analysis"
# How long the start hooks (the panel stream: 0.5 s of imports, SciPy's among them) wait for the
# first view's unit labels, so as not to compete with the first glyphs for the interpreter. A
# sample's shipped labels take ~0.1 s; a model that needs an evaluation does not hold them longer.
FIRST_LABELS_WAIT_S = 1.0


# pygls warnings about events that are normal for an editor's client (VS Code shows every stderr
# line as an error): a progress the user cancelled after it ended, an optional `$/` notification.
NORMAL_PYGLS_WARNINGS = ("Ignoring work done progress cancel for unknown token %s",)


class QuietNormalEvents(logging.Filter):
    """pygls logs every failed request at error level with its traceback. A request that an edit
    overtook (ContentModified) is normal: the client asks again. Make that, and the warnings for
    other normal events, one info line."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, JsonRpcContentModified):
            record.msg, record.args = "request overtaken by an edit: %s", (error,)
            record.exc_info, record.exc_text = None, None
            _make_info(record)
        elif record.msg in NORMAL_PYGLS_WARNINGS or (
                record.msg == "Ignoring notification for unknown method %r"
                and isinstance(record.args, tuple) and str(record.args[0]).startswith("$/")):
            _make_info(record)  # LSP: a server may ignore `$/` notifications it does not know
        return True


def _make_info(record: logging.LogRecord) -> None:
    record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)


def quiet_normal_events() -> None:
    for name in ("pygls.protocol.json_rpc", "pygls.protocol.language_server"):
        pygls_log = logging.getLogger(name)
        if not any(isinstance(f, QuietNormalEvents) for f in pygls_log.filters):
            pygls_log.addFilter(QuietNormalEvents())


class RnnLensServer(LanguageServer):
    def __init__(self, before_session: Sequence[LoadHook] = ()) -> None:
        super().__init__("rnnlens", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         max_workers=8, protocol_cls=RnnLensProtocol)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.notifier = _Notifier(self)
        # edits arrive from the first second; the session, once loaded, reads this same store
        self.documents = DocumentStore()
        self._session: LensSession | None = None
        self._session_lock = threading.Lock()
        self._before_session = list(before_session)
        self._initialization_options: Any = None
        self._loaded: asyncio.Future[None] | None = None  # done when the loading thread ends
        self.loading_progress: asyncio.Future[None] | None = None
        self.workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rnnlens-request")
        # callables run once on the event loop after `initialized` (e.g. the panel stream's start)
        self.on_started: list[StartHook] = []
        self.protocol._converter.register_unstructure_hook(JsonReadyHints, lambda hints: hints)
        self.precompute = Precomputer(self.workers, lambda uri, lines, superseded:
                                      precompute_after_edit(self, uri, lines, superseded))

    # ----- the domain side, loaded after `initialize` -------------------------------------
    @property
    def session(self) -> LensSession:
        """The session, imported and built on first use (seconds: torch, numpy, scikit-learn).
        `load_session_soon` starts that on its own thread once `initialize` is answered; until it is
        done, a worker that asks waits here. Handlers on the event loop use `loaded_session`."""
        session = self._session
        if session is not None:
            return session
        with self._session_lock:
            if self._session is None:
                self._session = self._build_session()
            return self._session

    def loaded_session(self) -> LensSession | None:
        return self._session

    def _build_session(self) -> LensSession:
        with _no_collection_while_importing():
            for hook in self._before_session:
                hook()
            started = time.perf_counter()
            from rnnlens.lsp.session import LensSession

        session = LensSession(self.notifier, documents=self.documents)
        session.recompute_everything = os.environ.get(BASELINE_ENV) == "1"
        if self._initialization_options is not None:
            session.configure(self._initialization_options, "initializationOptions")
        log.info("analysis loaded in %.2f s", time.perf_counter() - started)
        return session

    def configure_at_initialize(self, options: Any) -> None:
        """Apply `initializationOptions`: now if the session is loaded, else when it is built."""
        with self._session_lock:
            session = self._session
            if session is None:
                self._initialization_options = options
                return
        session.configure(options, "initializationOptions")

    def load_session_soon(self) -> None:
        """Import and build the session on a thread of its own, while the client opens documents
        (call on the event loop)."""
        loop = asyncio.get_running_loop()
        loaded = self._loaded = loop.create_future()

        def load() -> None:
            try:
                self.session  # noqa: B018 - the property builds it
                # what the first hints need beyond the session, imported here rather than by a request
                import rnnlens.lsp.inlay_hints  # noqa: F401
            except Exception as exc:  # noqa: BLE001 - a broken installation: say so, requests will too
                log.exception("loading the analysis failed")
                self.notifier.show_message(f"RNN Lens: cannot load its analysis code: {exc}")
            finally:
                self.send_soon(lambda: _finish(loaded))

        threading.Thread(target=load, name="rnnlens-load", daemon=True).start()

    async def show_loading(self) -> None:
        """A progress while the session loads, so that the editor says why the glyphs wait."""
        loaded = self._loaded
        if loaded is None or loaded.done():
            return
        reporter = ProgressReporter(self, LOADING_TITLE, cancellable=False)
        await reporter.begin()
        await asyncio.shield(loaded)
        reporter.end("loaded")

    # ----- bridge to the event loop -----------------------------------------------------
    def send_soon(self, action: Callable[[], Any]) -> None:
        """Run `action` on the event loop (safe from any thread)."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            if _on_loop(loop):
                action()
            else:
                loop.call_soon_threadsafe(action)
        except RuntimeError:  # the loop is shutting down
            pass

    async def in_worker(self, work: Callable[[Callable[[], bool]], T]) -> T:
        """Run `work(cancelled)` on a worker; a client's $/cancelRequest sets the flag it polls."""
        flag = threading.Event()
        future = asyncio.get_running_loop().run_in_executor(self.workers, work, flag.is_set)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            flag.set()
            # nobody awaits the work any more: its end (often Stale, after an edit) is not an error
            future.add_done_callback(_abandoned)
            raise

    def in_background(self, work: Callable[[RnnLensServer], object]) -> None:
        """Run `work(self)` on a worker without waiting for it; a bug in it is logged, not lost."""
        loop = self.loop or asyncio.get_running_loop()
        try:
            loop.run_in_executor(self.workers, work, self).add_done_callback(_background_done)
        except RuntimeError:  # the workers are shut down: the server is stopping
            pass

    def report_server_error(self, error: Exception, source: Any) -> None:
        if isinstance(error, JsonRpcContentModified):  # normal (see QuietNormalEvents): no error line
            log.info("request overtaken by an edit: %s", error)
            return
        if isinstance(error, json.JSONDecodeError | UnicodeDecodeError):
            # a body that is not JSON: its id is unknown, so JSON-RPC answers with id null
            self.protocol._send_response(None, error=types.ResponseError(  # type: ignore[arg-type]
                code=PARSE_ERROR, message=f"the message body is not JSON in UTF-8: {error}"))
            return
        super().report_server_error(error, source)

    def shutdown(self) -> None:
        """Stop without waiting for work in flight: after `exit` the client gives the process 2 s
        before it kills it, and a clustering or a trace can take longer. Their results are not
        wanted any more (the cache's writes are atomic, so a job cut short leaves nothing half-written)."""
        session = self.loaded_session()
        if session is not None:
            session.clusters.cancel_all()
        self.workers.shutdown(wait=False, cancel_futures=True)
        pool, self._thread_pool = self._thread_pool, None  # pygls' own pool: it would join it
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        super().shutdown()

    def client_supports_inlay_refresh(self) -> bool:
        workspace = self.client_capabilities.workspace
        inlay = workspace.inlay_hint if workspace else None
        return bool(inlay and inlay.refresh_support)

    def client_supports_progress(self) -> bool:
        window = self.client_capabilities.window
        return bool(window and window.work_done_progress)

    def client_supports_configuration(self) -> bool:
        workspace = self.client_capabilities.workspace
        return bool(workspace and workspace.configuration)


@contextlib.contextmanager
def _no_collection_while_importing() -> Iterator[None]:
    """No garbage collection while torch and the analysis are imported (they make hundreds of
    thousands of long-lived objects, which collections keep scanning: 0.1 s of a 1.2 s import on a
    2-core machine); what they made is then frozen, out of every later collection's way."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _finish(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _abandoned(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.debug("a cancelled request's work ended with %r", future.exception())


def _background_done(future: asyncio.Future[Any]) -> None:
    error = None if future.cancelled() else future.exception()
    if isinstance(error, Stale | Cancelled):
        log.debug("background work stopped: %r", error)
    elif error is not None:
        log.error("background work failed", exc_info=error)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


class _Notifier:
    """The session's view of the client (see `notifier.Notifier`)."""

    def __init__(self, server: RnnLensServer):
        self.server = server

    def show_message(self, text: str, error: bool = True) -> None:
        kind = types.MessageType.Error if error else types.MessageType.Info
        self.server.send_soon(lambda: self.server.window_show_message(types.ShowMessageParams(kind, text)))

    def log(self, text: str) -> None:
        self.server.send_soon(lambda: self.server.window_log_message(
            types.LogMessageParams(types.MessageType.Log, text)))

    def refresh_inlay_hints(self) -> None:
        if self.server.client_supports_inlay_refresh():
            self.server.send_soon(lambda: self.server.workspace_inlay_hint_refresh(None))

    def status(self, payload: StatusParams) -> None:
        self.server.send_soon(lambda: self.server.protocol.notify(STATUS_NOTIFICATION, payload))

    def start_progress(self, title: str) -> ProgressReporter:
        reporter = ProgressReporter(self.server, title, cancellable=False)
        reporter.start_from_thread()
        return reporter


class ProgressReporter:
    """Server-initiated work-done progress, fed from a worker thread (throttled) and cancellable."""

    def __init__(self, server: RnnLensServer, title: str, cancellable: bool = True):
        self.server = server
        self.title = title
        self.cancellable = cancellable
        self.token = str(uuid.uuid4())
        self.active = False
        self._last = 0.0
        self._last_percent = -1

    async def begin(self) -> None:
        if not self.server.client_supports_progress():
            return
        try:
            await self.server.work_done_progress.create_async(self.token)
        except Exception as exc:  # noqa: BLE001 - a client may refuse progress; the work goes on
            log.info("progress refused: %s", exc)
            return
        self.active = True
        self.server.work_done_progress.begin(self.token, types.WorkDoneProgressBegin(
            title=self.title, cancellable=self.cancellable, percentage=0))

    def start_from_thread(self) -> Progress:
        loop = self.server.loop
        if loop is not None and not _on_loop(loop):
            try:
                asyncio.run_coroutine_threadsafe(self.begin(), loop).result(timeout=10)
            except Exception as exc:  # noqa: BLE001 - no progress bar is not a reason to stop the work
                log.info("progress not started: %s", exc)
        return self.report

    def report(self, fraction: float, message: str) -> None:
        if not self.active:
            return
        percent = int(max(0.0, min(1.0, fraction)) * 100)
        now = time.monotonic()
        if percent == self._last_percent or (now - self._last < PROGRESS_INTERVAL_S and percent < 100):
            return
        self._last, self._last_percent = now, percent
        value = types.WorkDoneProgressReport(message=message, percentage=percent, cancellable=self.cancellable)
        self.server.send_soon(lambda: self.server.work_done_progress.report(self.token, value))

    def cancelled(self) -> bool:
        future = self.server.work_done_progress.tokens.get(self.token)
        return bool(future is not None and future.cancelled())

    def end(self, message: str) -> None:
        if self.active:
            self.active = False
            value = types.WorkDoneProgressEnd(message=message)
            self.server.send_soon(lambda: self.server.work_done_progress.end(self.token, value))
            self.server.send_soon(lambda: self.server.work_done_progress.tokens.pop(self.token, None))


def build_server(on_started: Sequence[StartHook] = (),
                 before_session: Sequence[LoadHook] = ()) -> RnnLensServer:
    """`before_session`: callables run on the loading thread before the session is imported."""
    quiet_normal_events()
    server = RnnLensServer(before_session)
    server.on_started.extend(on_started)

    @server.feature(types.INITIALIZE)
    def initialize(ls: RnnLensServer, params: types.InitializeParams) -> None:
        ls.loop = asyncio.get_running_loop()
        ls.configure_at_initialize(params.initialization_options)
        # on the loop's next turn, after pygls has written the answer: the import competes for the
        # interpreter, and the client is waiting for this answer to send everything else
        ls.loop.call_soon(ls.load_session_soon)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: RnnLensServer, params: types.InitializedParams) -> None:
        ls.loop = asyncio.get_running_loop()
        ls.loading_progress = asyncio.ensure_future(ls.show_loading())  # kept: the loop holds tasks weakly
        await pull_configuration(ls)
        # the first glyphs' work (the model, the view's unit labels) before the start hooks' imports
        try:
            await ls.in_worker(lambda cancelled: warm_up(ls, wait_s=FIRST_LABELS_WAIT_S))
        except Exception as exc:  # noqa: BLE001 - the start hooks (the panel stream) must start regardless
            log.exception("warming up failed")
            ls.notifier.show_message(f"RNN Lens: preparing the first glyphs failed: {exc}")
        for hook in ls.on_started:
            try:
                result = hook(ls)
                if asyncio.iscoroutine(result):
                    await result
            except Exception as exc:  # noqa: BLE001 - a broken extra must not stop the language server
                log.exception("start hook failed")
                ls.notifier.show_message(f"RNN Lens: a part failed to start: {exc}")

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: RnnLensServer, params: types.DidChangeConfigurationParams) -> None:
        pushed = params.settings.get("rnnlens") if isinstance(params.settings, dict) else None
        if pushed is not None:
            changed = await apply_in_worker(ls, pushed, "settings")
        else:
            changed = await pull_configuration(ls)
        if changed:
            await ls.in_worker(lambda cancelled: warm_up(ls))
            ls.notifier.refresh_inlay_hints()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RnnLensServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        ls.documents.put(document.uri, document.version, document.text, document.language_id or "plaintext",
                                 ls.workspace.position_codec)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RnnLensServer, params: types.DidChangeTextDocumentParams) -> None:
        document = params.text_document
        if ls.documents.change(document.uri, document.version, params.content_changes) is not None:
            ls.precompute.changed(document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RnnLensServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.precompute.forget(params.text_document.uri)
        session = ls.loaded_session()
        if session is not None:
            session.close(params.text_document.uri)  # the store's too
        else:
            ls.documents.close(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: RnnLensServer, params: types.HoverParams) -> types.Hover | None:
        snapshot = ls.documents.get(params.text_document.uri)
        if snapshot is None:
            return None
        offset = snapshot.positions.offset_at(params.position)
        if offset is None or offset >= len(snapshot.text) or snapshot.text[offset].isspace():
            return None  # past the end or between words: answer at once

        def work(cancelled: Callable[[], bool]) -> types.Hover | None:
            from rnnlens.lsp.hover import hover_result

            prepared = ls.session.prepare(snapshot.uri, cancelled)
            if prepared is None:
                return None
            if prepared.snapshot is not snapshot:
                raise Stale()
            return hover_result(ls.session, prepared, offset)

        return await answer(ls, work)

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
    async def inlay_hint(ls: RnnLensServer, params: types.InlayHintParams) -> list[dict[str, Any]] | None:
        snapshot = ls.documents.get(params.text_document.uri)
        if snapshot is None:
            return None
        start, end = snapshot.positions.span_of_range(params.range)
        last = params.range.end.line - (1 if params.range.end.character == 0 else 0)
        ls.precompute.remember(snapshot.uri, params.range.start.line, last)

        def work(cancelled: Callable[[], bool]) -> list[dict[str, Any]]:
            from rnnlens.lsp.inlay_hints import inlay_hints

            prepared = ls.session.prepare(snapshot.uri, cancelled)
            if prepared is None:
                return []
            if prepared.snapshot is not snapshot:
                raise Stale()
            return inlay_hints(ls.session, prepared, start, end)

        return await answer(ls, work)

    @server.feature(types.INLAY_HINT_RESOLVE)
    async def inlay_hint_resolve(ls: RnnLensServer, hint: types.InlayHint) -> types.InlayHint:
        def work(cancelled: Callable[[], bool]) -> types.InlayHint:
            from rnnlens.lsp.inlay_hints import hint_reference, resolve_tooltip

            reference = hint_reference(ls.session, hint.data)
            if reference is None:
                return hint
            prepared = ls.session.prepare(reference[0], cancelled, start_clusters=False)
            return hint if prepared is None else resolve_tooltip(ls.session, prepared, hint)

        try:
            return await answer(ls, work)
        except JsonRpcContentModified:
            return hint

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: RnnLensServer, *args: Any) -> None:
        session = ls.loaded_session()  # a session still loading has no clustering to stop
        if session is not None:
            session.clusters.cancel_all()

    # registered from their definitions (protocol/commands.json), whose functions (lsp/commands.py)
    # import the analysis: a command imports them when it first runs
    for name in DEFINITIONS:
        register_command(server, name)
    return server


def register_command(server: RnnLensServer, name: str) -> None:
    async def handler(ls: RnnLensServer, *arguments: Any) -> Any:
        return await run_command(ls, name, arguments)

    handler.__name__ = f"command_{name}"
    server.command(f"{COMMAND_PREFIX}{name}")(handler)


async def run_command(ls: RnnLensServer, name: str, arguments: tuple[Any, ...]) -> Any:
    title = str(DEFINITIONS[name]["title"])
    command_id = f"{COMMAND_PREFIX}{name}"
    notifier = ls.notifier
    try:
        # before any progress: wrong arguments are one sentence at once
        options = parse_arguments(name, arguments)
    except RnnLensError as exc:
        notifier.show_message(f"RNN Lens: {title}: {exc}")
        return {"error": str(exc)}
    reporter = ProgressReporter(ls, f"RNN Lens: {title}") if DEFINITIONS[name].get("long", False) else None
    if reporter is not None:
        await reporter.begin()
    folders = ([folder.uri for folder in ls.workspace.folders.values()]
               + ([ls.workspace.root_uri] if ls.workspace.root_uri else []))

    def work(cancelled: Callable[[], bool]) -> Any:
        from rnnlens.lsp.commands import COMMANDS, CommandContext, workspace_roots

        def stop() -> bool:
            return cancelled() or (reporter is not None and reporter.cancelled())

        context = CommandContext(progress=reporter.report if reporter else (lambda f, m: None), cancelled=stop,
                                 workspace_roots=workspace_roots(folders))
        spec = next(spec for spec in COMMANDS if spec.name == name)
        return spec.run(ls.session, options, context)

    try:
        data, summary = await ls.in_worker(work)
    except Cancelled:
        if reporter:
            reporter.end("cancelled")
        notifier.show_message(f"RNN Lens: {title} cancelled", error=False)
        return {"cancelled": True}
    except RnnLensError as exc:
        if reporter:
            reporter.end("failed")
        notifier.show_message(f"RNN Lens: {title} failed: {exc}")
        return {"error": str(exc)}
    except asyncio.CancelledError:
        if reporter:
            reporter.end("cancelled")
        raise
    except Exception:  # noqa: BLE001 - a bug must not reach the client as a Python exception text
        log.exception("%s failed", command_id)
        if reporter:
            reporter.end("failed")
        message = f"{command_id} failed unexpectedly (a bug in RNN Lens; the server's log has the details)"
        notifier.show_message(f"RNN Lens: {message}")
        return {"error": message}
    if reporter:
        reporter.end(summary)
    if summary:
        notifier.show_message(summary, error=False)
    if name in ("evaluate", "cocluster", "selectModel"):
        notifier.refresh_inlay_hints()
        ls.in_background(warm_up)
    return data


async def answer(ls: RnnLensServer, work: Callable[[Callable[[], bool]], T]) -> T:
    """Run a request's work; a stale snapshot becomes ContentModified (the client asks again)."""
    try:
        return await ls.in_worker(work)
    except Stale:
        raise JsonRpcContentModified("the document changed while RNN Lens computed the answer") from None


async def pull_configuration(ls: RnnLensServer) -> bool:
    if not ls.client_supports_configuration():
        return False
    try:
        result = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="rnnlens")]))
    except Exception as exc:  # noqa: BLE001 - a client that fails this request still gets a working server
        log.info("workspace/configuration failed: %s", exc)
        return False
    section = result[0] if result else None
    if not section:
        return False
    return await apply_in_worker(ls, section, "settings")


async def apply_in_worker(ls: RnnLensServer, raw: Any, source: str) -> bool:
    """Apply settings a workspace can fill, off the event loop (a model change loads weights)."""
    return await ls.in_worker(lambda cancelled: ls.session.configure(raw, source, from_workspace=True))


def precompute_after_edit(ls: RnnLensServer, uri: str, lines: tuple[int, int], superseded: Callable[[], bool]) -> None:
    """The background job `Precomputer` runs after an edit (raises Stale when overtaken)."""
    session = ls.session
    if session.recompute_everything:  # the benchmark's baseline recomputes per request, by design
        return
    prepared = session.prepare(uri, superseded, start_clusters=False)
    if prepared is not None:
        from rnnlens.lsp.inlay_hints import precompute_lines

        precompute_lines(session, prepared, *lines)


def warm_up(ls: RnnLensServer, wait_s: float = 0.0) -> None:
    """Load the model and start clustering in the background, so the first hover is quick;
    then wait up to `wait_s` for the labels."""
    session = ls.session
    model = session.check_model()
    if model is None:
        return
    try:
        key = session.cluster_key(model, session.view_for(model))
        if session.clusters.labels(key) is None and wait_s > 0:
            session.clusters.wait(key, wait_s)
    except RnnLensError as exc:
        session.report_once(f"RNN Lens: {exc}")
