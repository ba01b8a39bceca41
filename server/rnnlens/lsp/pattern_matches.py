"""The palette command "Find similar memory patterns": pattern search on the editor's selection.

Corpus documents are not files of the workspace, so the matches are written to a results file
(`<cache>/pattern-matches/MODEL.log`: one line a match, the span with the rest of its line around
it; a `.log` file, which the language server does not analyse) and answered as locations into it,
which the editor shows as a list to step through (its reference peek) with each line as preview.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pygls.uris import from_fs_path

from rnnlens.analysis.pattern_search import POS_UNKNOWN, MatchedSpan, PatternSearch
from rnnlens.errors import RnnLensError
from rnnlens.lsp.positions import PositionMap
from rnnlens.protocol.commands import FindPatternsArguments

SHOWN_CONTEXT = 60  # characters of the match's line shown either side
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
RESULTS_FOLDER = "pattern-matches"


def results_text(search: PatternSearch) -> tuple[str, list[tuple[int, int]]]:
    """The results file's text and each match's span in it (code-point offsets)."""
    query = search.query
    units = " ".join(map(str, query.units))
    lines = [f"RNN Lens: spans of {search.corpus} where the units of \u201c{' '.join(query.tokens)}\u201d are on",
             f"{search.model} {query.state} > {query.threshold:g}: {len(query.units)} units ({units})",
             search.provenance.header().replace("\n", " "),
             "score = Jaccard of the units on over the span and those of the selection x length factor"]
    patterns = search.extra.get("pos_patterns") or []
    if patterns:
        lines.append("shared parts of speech (majority Brown tags): "
                     + ", ".join(f"{p['pattern']} ({p['matches']})" for p in patterns))
    elif search.tags_unknown():
        lines.append(POS_UNKNOWN)
    coverage = search.coverage()
    if coverage:
        lines.append(coverage)
    lines.append("")
    spans = []
    offset = sum(len(line) + 1 for line in lines)
    for match in search.matches:
        prefix = (f"{match.rank:3d}. score {match.score:.2f}  jaccard {match.jaccard:.2f}  "
                  f"{match.shared}/{len(query.units)} units  document {match.document + 1} @{match.start}  | ")
        before, span, after = (_one_line(part) for part in (match.before[-SHOWN_CONTEXT:], _span_text(match),
                                                                match.after[:SHOWN_CONTEXT]))
        start = offset + len(prefix) + len(before)
        spans.append((start, start + len(span)))
        line = prefix + before + span + after
        lines.append(line)
        offset += len(line) + 1
    if not search.matches:
        lines.append("no span of the corpus has these units on")
    return "\n".join(lines) + "\n", spans


def _span_text(match: MatchedSpan) -> str:
    return match.text


def _one_line(text: str) -> str:
    return CONTROL.sub(" ", text.replace("\r", " ").replace("\n", " ").replace("\t", " "))


def write_results(folder: Path, search: PatternSearch, codec: Any) -> dict[str, Any]:
    """Write the results file (read-only) and answer the PatternMatches record."""
    text, spans = results_text(search)
    path = folder / RESULTS_FOLDER / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', search.model)}.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.chmod(0o644)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.chmod(0o444)  # a list of what the corpus holds, not a text to edit
        os.replace(temporary, path)
    except OSError as exc:
        raise RnnLensError(f"cannot write the pattern matches to {path}: {exc.strerror or exc}") from None
    uri = from_fs_path(str(path)) or path.as_uri()
    positions = PositionMap(text, codec)

    def position(offset: int) -> dict[str, int]:
        at = positions.position_at(offset)
        return {"line": at.line, "character": at.character}

    locations = [{"uri": uri, "range": {"start": position(a), "end": position(b)}} for a, b in spans]
    return {"model": search.model, "corpus": search.corpus, "uri": uri, "position": position(0),
            "locations": locations, "matches": [m.to_json() for m in search.matches],
            "query": search.query.to_json(), "provenance": search.provenance.to_json(),
            "pos_patterns": search.extra.get("pos_patterns", [])}


def find_patterns(session: Any, options: FindPatternsArguments, context: Any) -> tuple[dict[str, Any], str]:
    snapshot = session.documents.get(options["uri"])
    if snapshot is None:
        raise RnnLensError(f"rnnlens.server.findPatterns needs an open document; {options['uri']} is not open")
    positions = snapshot.positions
    start, end = (positions.clamped_offset(_position(options[key])) for key in ("start", "end"))
    if end <= start:
        raise RnnLensError("select the text whose memory pattern to search for (the selection is empty)")
    model = str(options.get("model") or session.model_name())
    threshold = options.get("threshold")
    context.check()
    search = session.service.match(model, snapshot.text, start, end, layer=options.get("layer") or session.settings.layer,
                                   threshold=None if threshold is None else float(threshold),
                                   top=options.get("top") or 50, reset=session.settings.reset,
                                   progress=context.progress, cancel=context.cancelled)
    data = write_results(session.service.cache.root.parent, search, positions.codec)
    query = search.query
    summary = (f"{len(search.matches)} spans of {search.corpus} where the {len(query.units)} units of {model} "
               f"{query.state} above {query.threshold:g} over \u201c{' '.join(query.tokens)[:40]}\u201d are on")
    return data, summary


def _position(value: Any) -> Any:
    from lsprotocol import types

    return types.Position(line=int(value["line"]), character=int(value["character"]))
