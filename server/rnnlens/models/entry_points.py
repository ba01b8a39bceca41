"""Entry points the user declared: `module:function` or `path/to/file.py:function`.

This is the only place RNN Lens imports and runs a user's code, and only for specs that came
from `--model-path` or the `modelPaths` setting: a model *name* never reaches here (see
registry.py). The user's code runs guarded against every exception, SystemExit and
KeyboardInterrupt included, so a failing loader is one line, not a dead server.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from rnnlens.errors import RnnLensError

T = TypeVar("T")


@dataclass(frozen=True)
class EntryPoint:
    """A parsed spec. Exactly one of `module` (dotted name) and `file` (a .py path) is set."""

    spec: str
    function: str
    module: str | None = None
    file: Path | None = None


def parse_entry_point(text: str) -> EntryPoint | None:
    """The entry point `text` names, or None. Pure parsing: nothing is imported or looked up."""
    head, sep, function = text.strip().rpartition(":")
    if not sep or not head or not function.isidentifier():
        return None
    if head.endswith(".py"):
        return EntryPoint(spec=text.strip(), function=function, file=Path(head).expanduser())
    if all(part.isidentifier() for part in head.split(".")):
        return EntryPoint(spec=text.strip(), function=function, module=head)
    return None


def one_line(text: str, limit: int = 300) -> str:
    """A message from user code, flattened to one line (the CLI and the editor show one line)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def describe_exception(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    if isinstance(exc, KeyboardInterrupt):
        return "was interrupted (KeyboardInterrupt)"
    detail = one_line(str(exc))
    return f"raised {type(exc).__name__}" + (f": {detail}" if detail else "")


def run_guarded(spec: str, what: str, call: Callable[[], T]) -> T:
    """Run user code; anything it raises (BaseException included) becomes one RnnLensError.

    A KeyboardInterrupt becomes an error too: on the command line that still stops the run
    (the CLI exits with the message), in the language server it only fails this model.
    """
    try:
        return call()
    except RnnLensError as exc:
        raise RnnLensError(f"model {spec!r}: {exc}") from exc
    except BaseException as exc:  # noqa: BLE001 - the user's code must not end our process
        raise RnnLensError(f"model {spec!r}: {what} {describe_exception(exc)}") from None


def _import_file(entry: EntryPoint) -> ModuleType:
    assert entry.file is not None
    path = entry.file if entry.file.is_absolute() else Path.cwd() / entry.file
    if not path.is_file():
        raise RnnLensError(f"model {entry.spec!r}: no such file {path}")
    # Keyed by path and modification time: an edited file is loaded afresh by a new registry
    # (the language server builds one when modelPaths change), an unchanged one is reused.
    stat = path.stat()
    digest = hashlib.sha256(f"{path.resolve()}\0{stat.st_mtime_ns}\0{stat.st_size}".encode()).hexdigest()[:12]
    module_name = f"rnnlens_user_{path.stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise RnnLensError(f"model {entry.spec!r}: cannot load {path} as Python")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        run_guarded(entry.spec, f"importing {path}", lambda: module_spec.loader.exec_module(module))  # type: ignore[union-attr]
    except RnnLensError:
        sys.modules.pop(module_name, None)
        raise
    return module


@contextmanager
def _beside(entry: EntryPoint) -> Iterator[None]:
    """A file entry point may import modules beside it (`from mynet import MyNet`), as a script
    could. Its folder goes at the END of sys.path, only while it loads and runs, so it never
    shadows a library."""
    if entry.file is None:
        yield
        return
    folder = str((entry.file if entry.file.is_absolute() else Path.cwd() / entry.file).parent)
    added = folder not in sys.path
    if added:
        sys.path.append(folder)
    try:
        yield
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)


def _import_module(entry: EntryPoint) -> ModuleType:
    assert entry.module is not None
    name = entry.module

    def load() -> ModuleType:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                raise RnnLensError(f"cannot import {name!r}: it is not on this Python's path (install it, "
                                   f"or set PYTHONPATH, or name the file instead: path/to/{name.split('.')[-1]}.py:"
                                   f"{entry.function})") from None
            raise

    return run_guarded(entry.spec, f"importing {name}", load)


def call_entry_point(entry: EntryPoint) -> Any:
    """Import the entry point's module or file and call its function; return what it returned."""
    with _beside(entry):
        module = _import_file(entry) if entry.file is not None else _import_module(entry)
        func = getattr(module, entry.function, None)
        if not callable(func):
            where = entry.file if entry.file is not None else entry.module
            raise RnnLensError(f"model {entry.spec!r}: {where} has no function {entry.function!r}")
        return run_guarded(entry.spec, f"{entry.function}()", func)
