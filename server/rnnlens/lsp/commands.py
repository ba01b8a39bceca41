"""Palette commands (`workspace/executeCommand`, ids `rnnlens.server.*`): the domain side.

Each command is a function (session, arguments, context) -> (data, summary). Arguments come as
one object (`[{"layer": 2, "k": 8}]`) or positionally in the order of `params`. The LSP side
(server.py) gives every command the same treatment: progress for the long ones, cancel by
polling, the summary as a message and the data as the result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from rnnlens.errors import Cancelled, RnnLensError
from rnnlens.lsp.session import LensSession

Outcome = tuple[Any, str]
WORKSPACE_SUFFIXES = (".txt", ".md")
MAX_WORKSPACE_FILES = 500
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


@dataclass
class CommandContext:
    progress: Callable[[float, str], None]
    cancelled: Callable[[], bool]
    workspace_roots: list[Path]

    def check(self) -> None:
        if self.cancelled():
            raise Cancelled("cancelled")


@dataclass(frozen=True)
class CommandSpec:
    name: str
    title: str
    params: tuple[str, ...]
    run: Callable[[LensSession, dict[str, Any], CommandContext], Outcome]
    long: bool = False

    @property
    def command_id(self) -> str:
        return f"rnnlens.server.{self.name}"


def parse_arguments(spec: CommandSpec, arguments: tuple[Any, ...]) -> dict[str, Any]:
    if len(arguments) == 1 and isinstance(arguments[0], dict):
        options = dict(arguments[0])
    elif len(arguments) <= len(spec.params):
        options = dict(zip(spec.params, arguments, strict=False))
    else:
        raise RnnLensError(f"{spec.command_id} takes at most {len(spec.params)} arguments "
                           f"({', '.join(spec.params)}), got {len(arguments)}")
    unknown = set(options) - set(spec.params)
    if unknown:
        raise RnnLensError(f"{spec.command_id} does not know the argument(s) {', '.join(sorted(unknown))}; "
                           f"it takes {', '.join(spec.params) or 'none'}")
    return {key: value for key, value in options.items() if value is not None}


def _int(options: dict[str, Any], key: str, default: int | None) -> int | None:
    value = options.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise RnnLensError(f"argument {key!r} must be a whole number, got {value!r}")
    return int(value)


def _view_options(session: LensSession, options: dict[str, Any]) -> tuple[str, int | None, str | None, int]:
    model = str(options.get("model") or session.model_name())
    layer = _int(options, "layer", session.settings.layer)
    state = options.get("state", session.settings.state)
    k = _int(options, "k", session.settings.clusters) or session.settings.clusters
    return model, layer, state, k


def select_model(session: LensSession, options: dict[str, Any], context: CommandContext) -> Outcome:
    available = session.registry.names()
    name = options.get("model")
    if not name:
        return {"models": session.registry.describe_all(), "current": session.settings.model or None}, \
            f"Models: {', '.join(available) or 'none found'}"
    model = session.service.model(str(name))  # raises a clear error for an unknown or broken model
    session.configure({"model": str(name)}, "selectModel")
    return model.describe(), f"RNN Lens now explains {model.name} ({model.cell} {model.task})"


def workspace_files(roots: list[Path]) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix in WORKSPACE_SUFFIXES and path.is_file() and not any(
                    part.startswith(".") or part == "node_modules" for part in path.relative_to(root).parts):
                found.append(path)
                if len(found) >= MAX_WORKSPACE_FILES:
                    return found
    return found


def evaluate(session: LensSession, options: dict[str, Any], context: CommandContext) -> Outcome:
    model = str(options.get("model") or session.model_name())
    corpus: Any = options.get("corpus")
    if isinstance(corpus, list):
        corpus = [Path(str(item)) for item in corpus]
    elif corpus is None:
        files = workspace_files(context.workspace_roots)
        corpus = files or None
    label = "the workspace's text files" if isinstance(corpus, list) and "corpus" not in options else (
        str(options.get("corpus")) if corpus is not None else "the model's corpus")
    stats = session.service.evaluate(model, corpus, progress=context.progress, cancel=context.cancelled)
    session.clusters.forget(model)
    if model == session.model_name():  # new statistics, new clusters: make the glyphs' ones now (fast)
        session.refresh_clusters(context.cancelled)
    data = {"model": model, "corpus": label, "tokens": int(stats.tokens), "words": int(len(stats.row_ids))}
    return data, f"Evaluated {model} on {label}: {stats.tokens:,} tokens, {len(stats.row_ids):,} distinct words"


def cocluster(session: LensSession, options: dict[str, Any], context: CommandContext) -> Outcome:
    model, layer, state, k = _view_options(session, options)
    words = _int(options, "words", 300) or 300
    result = session.service.cocluster(model, layer=layer, state=state, k=k, n_words=words,
                                       progress=context.progress, cancel=context.cancelled)
    if words == 300:
        session.clusters.set_labels((model, session.service.model(model).weights_hash, result.layer, result.state,
                                     result.k), result.unit_labels)
    data = result.to_json()
    return data, (f"Co-clustered {len(result.words)} words and {len(result.unit_labels)} units of {model} "
                  f"layer {result.layer} {result.state} into {result.k} clusters")


def explain_unit(session: LensSession, options: dict[str, Any], context: CommandContext) -> Outcome:
    model, layer, state, _ = _view_options(session, options)
    unit = _int(options, "unit", None)
    if unit is None:
        raise RnnLensError("rnnlens.server.explainUnit needs the unit number (argument 'unit')")
    top = _int(options, "top", 10) or 10
    data = session.service.explain_unit(model, layer, state, unit, top=top)
    positive = ", ".join(str(entry.get("word")) for entry in data.get("positive", [])[:5])
    negative = ", ".join(str(entry.get("word")) for entry in data.get("negative", [])[:5])
    return data, f"Unit {unit} of {model}: rises for {positive or '-'}; falls for {negative or '-'}"


def compare_models(session: LensSession, options: dict[str, Any], context: CommandContext) -> Outcome:
    first = options.get("modelA") or options.get("model") or session.model_name()
    second = options.get("modelB")
    if not second:
        raise RnnLensError("rnnlens.server.compareModels needs a second model (argument 'modelB')")
    _, layer, state, k = _view_options(session, options)
    text = None
    if options.get("uri"):
        snapshot = session.documents.get(str(options["uri"]))
        if snapshot is None:
            raise RnnLensError(f"document {options['uri']} is not open")
        text = snapshot.text[: session.settings.max_document_size]
    context.progress(0.0, f"comparing {first} and {second}")
    context.check()
    data = session.service.compare(str(first), str(second), text=text, layer=layer, state=state, k=k)
    context.progress(1.0, "done")
    return data, f"{first} vs {second}: cluster similarity {float(data.get('similarity', 0.0)):.2f}"


def sentence_around(text: str, offset: int) -> tuple[int, int]:
    """The span of the sentence holding `offset` (split at . ! ? followed by space, or a blank line)."""
    start, end = 0, len(text)
    for match in SENTENCE_END.finditer(text):
        if match.end() <= offset:
            start = match.end()
        elif match.start() >= offset:
            end = match.start()
            break
    return start, end


def explain_sentence(session: LensSession, options: dict[str, Any], context: CommandContext) -> Outcome:
    uri = options.get("uri")
    snapshot = session.documents.get(str(uri)) if uri else None
    if snapshot is None:
        raise RnnLensError("rnnlens.server.explainSentence needs an open document (argument 'uri')")
    position = options.get("position") or {"line": 0, "character": 0}
    offset = snapshot.positions.offset_at(types.Position(line=int(position.get("line", 0)),
                                                         character=int(position.get("character", 0))))
    if offset is None:
        offset = len(snapshot.text)
    start, end = sentence_around(snapshot.text, offset)
    sentence = snapshot.text[start:end]
    model, layer, state, k = _view_options(session, options)
    context.check()
    analysis = session.service.analyze_text(model, sentence, layer=layer, state=state, k=k)
    data = analysis.to_json()
    data["range"] = {"start": _position_json(snapshot.positions.position_at(start)),
                     "end": _position_json(snapshot.positions.position_at(end))}
    preview = " ".join(sentence.split())[:60]
    return data, f"Explained the sentence \u201c{preview}\u201d with {model}"


def _position_json(position: types.Position) -> dict[str, int]:
    return {"line": position.line, "character": position.character}


COMMANDS = (
    CommandSpec("selectModel", "Select model", ("model",), select_model),
    CommandSpec("evaluate", "Evaluate a corpus", ("corpus", "model"), evaluate, long=True),
    CommandSpec("cocluster", "Co-cluster", ("layer", "state", "k", "words", "model"), cocluster, long=True),
    CommandSpec("explainUnit", "Explain a unit", ("unit", "layer", "state", "top", "model"), explain_unit),
    CommandSpec("compareModels", "Compare models", ("modelA", "modelB", "uri", "layer", "state", "k"),
                compare_models, long=True),
    CommandSpec("explainSentence", "Explain the sentence", ("uri", "position", "layer", "state", "k", "model"),
                explain_sentence, long=True),
)


def workspace_roots(folders: list[str]) -> list[Path]:
    roots = []
    for uri in folders:
        path = to_fs_path(uri)
        if path:
            roots.append(Path(path))
    return roots
