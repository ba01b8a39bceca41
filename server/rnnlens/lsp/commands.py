"""Palette commands (`workspace/executeCommand`, ids `rnnlens.server.*`): the domain side.

Each command is a function (session, arguments, context) -> (data, summary). Its title, whether
it is long, and its arguments (types and ranges, checked before it runs) are defined once in
protocol/commands.json. The LSP side (server.py) gives every command the same treatment:
progress for the long ones, cancel by polling, the summary as a message and the data as the result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from rnnlens.analysis.text_analysis import token_window
from rnnlens.errors import Cancelled, RnnLensError
from rnnlens.limits import MAX_EXPLAINED_TOKENS
from rnnlens.lsp.command_arguments import parse_arguments
from rnnlens.lsp.model_choice import View
from rnnlens.lsp.pattern_matches import find_patterns
from rnnlens.lsp.session import LensSession
from rnnlens.protocol.commands import (
    COMMAND_PREFIX,
    CoclusterArguments,
    CompareModelsArguments,
    EvaluateArguments,
    ExplainSentenceArguments,
    ExplainUnitArguments,
    SelectModelArguments,
)
from rnnlens.protocol.commands import COMMANDS as DEFINITIONS
from rnnlens.service import DEFAULT_WORDS

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
    # run(session, arguments, context): arguments typed by the command's generated TypedDict
    run: Callable[[LensSession, Any, CommandContext], Outcome]

    @property
    def command_id(self) -> str:
        return f"{COMMAND_PREFIX}{self.name}"

    @property
    def title(self) -> str:
        return str(DEFINITIONS[self.name]["title"])

    @property
    def long(self) -> bool:
        return bool(DEFINITIONS[self.name].get("long", False))

    def parse(self, arguments: tuple[Any, ...]) -> dict[str, Any]:
        """The arguments checked against protocol/commands.json (CommandArgumentError says what is wrong)."""
        return parse_arguments(self.name, arguments)


def _view_options(session: LensSession, options: Mapping[str, Any]) -> tuple[str, int | None, str | None, int]:
    """Model, layer, state and k from a command's (checked) arguments, the settings filling the gaps."""
    model = str(options.get("model") or session.model_name())
    layer = options.get("layer") or session.settings.layer
    state = options.get("state") or session.settings.state
    k = options.get("k") or session.settings.clusters
    return model, layer, state, k


def select_model(session: LensSession, options: SelectModelArguments, context: CommandContext) -> Outcome:
    available = session.registry.names()
    name = options.get("model")
    if not name:
        # A listing for the editor's picker: the model in use (the default one too), and no message.
        return {"models": session.registry.describe_all(), "current": session.model_name() if available else None}, ""
    model = session.service.model(str(name))  # raises a clear error for an unknown or broken model
    session.configure({"model": str(name)}, "selectModel")
    return model.describe(), f"RNN Lens now explains {model.name} ({model.cell} {model.task})"


def workspace_files(roots: list[Path]) -> list[Path]:
    """The workspace's text files, each once (a folder may be both a workspace folder and the rootUri,
    or lie inside another root)."""
    found: list[Path] = []
    seen: set[Path] = set()
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix in WORKSPACE_SUFFIXES and path.is_file() and not any(
                    part.startswith(".") or part == "node_modules" for part in path.relative_to(root).parts):
                resolved = path.resolve()
                if resolved in seen:
                    continue
                seen.add(resolved)
                found.append(path)
                if len(found) >= MAX_WORKSPACE_FILES:
                    return found
    return found


def evaluate(session: LensSession, options: EvaluateArguments, context: CommandContext) -> Outcome:
    model = str(options.get("model") or session.model_name())
    corpus: Any = options.get("corpus")
    if isinstance(corpus, list):
        corpus = [Path(str(item)) for item in corpus]
    elif corpus is None:
        files = workspace_files(context.workspace_roots)
        corpus = files or None
    label = "the workspace's text files" if isinstance(corpus, list) and "corpus" not in options else (
        str(options.get("corpus")) if corpus is not None else "the model's corpus")
    statistics = session.service.statistics(model, corpus, progress=context.progress, cancel=context.cancelled)
    provenance = statistics.provenance
    # Evaluating only adds statistics: the session keeps using rnnlens.corpus (or the model card's).
    in_use = session.service.uses_statistics(model, statistics.key)
    if in_use and model == session.model_name():
        session.refresh_clusters(context.cancelled)
    data = {"model": model, "corpus": label, "tokens": int(statistics.stats.tokens),
            "words": provenance.distinct_words, "unknown_rate": round(provenance.unknown_rate, 6),
            "in_use": in_use, "provenance": provenance.to_json(),
            # what rnnlens.corpus takes to use these statistics
            "setting": [str(path) for path in corpus] if isinstance(corpus, list) else corpus}
    summary = f"Evaluated {model} on {label}: {provenance.statistics_line()}."
    warning = provenance.unknown_warning()
    if warning:
        summary += f" Warning: {warning}."
    if not in_use:
        shown = corpus if isinstance(corpus, str) else "the list of files evaluated (the result's 'setting')"
        summary += f" Glyphs and clusters keep their statistics; to use these, set rnnlens.corpus to {shown}."
    return data, summary


def cocluster(session: LensSession, options: CoclusterArguments, context: CommandContext) -> Outcome:
    model, layer, state, k = _view_options(session, options)
    words = options.get("words") or DEFAULT_WORDS
    result = session.service.cocluster(model, layer=layer, state=state, k=k, n_words=words,
                                       progress=context.progress, cancel=context.cancelled)
    if words == DEFAULT_WORDS:  # the glyphs' clusters (same statistics: the service uses rnnlens.corpus)
        view = View(result.layer, result.state, result.k)
        session.clusters.set_labels(session.cluster_key(session.service.model(model), view), result.unit_labels)
    data = result.to_json()
    return data, (f"Co-clustered {len(result.words)} words and {len(result.unit_labels)} units of {model} "
                  f"layer {result.layer} {result.state} into {result.k} clusters")


def explain_unit(session: LensSession, options: ExplainUnitArguments, context: CommandContext) -> Outcome:
    model, layer, state, _ = _view_options(session, options)
    unit = options["unit"]  # required: checked before the command runs
    top = options.get("top") or 10
    result = session.service.explain_unit(model, layer, state, unit, top=top, progress=context.progress)
    positive = ", ".join(f"{entry.word} ({entry.count:,}×)" for entry in result.positive[:5])
    negative = ", ".join(f"{entry.word} ({entry.count:,}×)" for entry in result.negative[:5])
    return result.to_json(), (f"Unit {unit} of {model}: rises for {positive or '-'}; falls for {negative or '-'} "
                              f"(words seen at least {result.min_count}×)")


def compare_models(session: LensSession, options: CompareModelsArguments, context: CommandContext) -> Outcome:
    first = options.get("modelA") or session.model_name()
    second = options["modelB"]  # required: checked before the command runs
    _, layer, state, k = _view_options(session, options)
    text = None
    uri = options.get("uri")
    if uri:
        snapshot = session.documents.get(uri)
        if snapshot is None:
            raise RnnLensError(f"document {uri} is not open")
        text = snapshot.text[: session.settings.max_document_size]
    context.progress(0.0, f"comparing {first} and {second}")
    context.check()
    result = session.service.compare(str(first), str(second), text=text, layer=layer, state=state, k=k)
    context.progress(1.0, "done")
    data = replace(result, texts=None).to_json()
    if result.texts is not None:  # per-token detail of the document's first tokens only (as explainSentence)
        data["texts"] = [analysis.window_json(*token_window([t.start for t in analysis.tokens], 0,
                                                            MAX_EXPLAINED_TOKENS)) for analysis in result.texts]
    return data, f"{first} vs {second}: cluster similarity {result.similarity:.2f}"


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


def explain_sentence(session: LensSession, options: ExplainSentenceArguments, context: CommandContext) -> Outcome:
    snapshot = session.documents.get(options["uri"])  # uri is required: checked before the command runs
    if snapshot is None:
        raise RnnLensError(f"rnnlens.server.explainSentence needs an open document; {options['uri']} is not open")
    position = options.get("position") or {"line": 0, "character": 0}
    offset = snapshot.positions.offset_at(types.Position(line=position["line"], character=position["character"]))
    if offset is None:
        offset = len(snapshot.text)
    start, end = sentence_around(snapshot.text, offset)
    sentence = snapshot.text[start:end]
    model, layer, state, k = _view_options(session, options)
    context.check()
    analysis = session.service.analyze_text(model, sentence, layer=layer, state=state, k=k,
                                            reset=session.settings.reset, progress=context.progress)
    # The states run from the sentence's start; the answer details at most MAX_EXPLAINED_TOKENS
    # tokens around the cursor (one JSON object a token: a 600 KB "sentence" would take gigabytes).
    first, stop = token_window([t.start for t in analysis.tokens], offset - start, MAX_EXPLAINED_TOKENS)
    data = analysis.window_json(first, stop)
    data["range"] = {"start": _position_json(snapshot.positions.position_at(start)),
                     "end": _position_json(snapshot.positions.position_at(end))}
    preview = " ".join(sentence[:200].split())[:60]
    shown = "" if stop - first == len(analysis.tokens) else (
        f" (details of tokens {first + 1:,}-{stop:,} of {len(analysis.tokens):,}, around the cursor)")
    return data, f"Explained the sentence \u201c{preview}\u201d with {model}{shown}"


def _position_json(position: types.Position) -> dict[str, int]:
    return {"line": position.line, "character": position.character}


COMMANDS = (
    CommandSpec("selectModel", select_model),
    CommandSpec("evaluate", evaluate),
    CommandSpec("cocluster", cocluster),
    CommandSpec("explainUnit", explain_unit),
    CommandSpec("compareModels", compare_models),
    CommandSpec("explainSentence", explain_sentence),
    CommandSpec("findPatterns", find_patterns),
)
assert {spec.name for spec in COMMANDS} == set(DEFINITIONS), "protocol/commands.json and COMMANDS disagree"


def workspace_roots(folders: list[str]) -> list[Path]:
    """The folders of these uris, each once (clients send the same folder as rootUri and workspace folder)."""
    roots: list[Path] = []
    for uri in folders:
        path = to_fs_path(uri)
        if path and Path(path).resolve() not in {root.resolve() for root in roots}:
            roots.append(Path(path))
    return roots
