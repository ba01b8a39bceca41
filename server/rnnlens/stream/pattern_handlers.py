"""Panel pattern search (issue 14, LSTMVis' select + match): the selected tokens' hypothesis, the
matching corpus spans with their glyphs for the view's unit clusters, and the patterns they share.

A handler in the shape of stream/handlers.py (worker thread, progress, cancel polled between steps,
RnnLensError for what a user can meet); the search is `AnalysisService.match`, the same call as
`rnnlens match` and the editor's "Find similar memory patterns".
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.analysis.pattern_search import MatchedSpan, shared_patterns
from rnnlens.errors import RnnLensError
from rnnlens.limits import check_text_size
from rnnlens.models.loaded import LoadedModel
from rnnlens.protocol.messages import GlyphSequence, PatternMatch, SharedPattern
from rnnlens.service import AnalysisService
from rnnlens.stream import views

if TYPE_CHECKING:
    from rnnlens.stream.handlers import RequestContext

MAX_TOP = 50  # matches a panel may ask for: each carries the glyphs of its line's context


def _selection(model: LoadedModel, text: str, first: int, stop: int) -> tuple[int, int]:
    """Character offsets [start, end) of tokens first..stop-1 of `text` (the glyph view's tokens)."""
    tokens = model.tokenize(text)
    if not 0 <= first < stop <= len(tokens):
        raise RnnLensError(f"the text has tokens 0..{len(tokens) - 1}; tokens {first}..{stop - 1} are not a span of them")
    return tokens[first].start, tokens[stop - 1].end


def _label(model: LoadedModel, glyphs: GlyphSequence, token: int) -> str | None:
    """A classifier's predicted class at `token` of the glyphs (None for a language model)."""
    if model.task != "classifier" or not len(glyphs["outputs"]):
        return None
    probs = np.asarray(glyphs["output_probs"])[token]
    return str(glyphs["outputs"][token][int(np.argmax(probs))])


def _pattern_match(model: LoadedModel, span: MatchedSpan, glyphs: GlyphSequence) -> PatternMatch:
    offset = len(span.before)  # the context is before + text + after, so the span starts here
    tokens = glyphs["tokens"]
    first = next((i for i, t in enumerate(tokens) if t["end"] > offset), len(tokens))
    stop = max(first + 1, sum(1 for t in tokens if t["start"] < offset + len(span.text)))
    return PatternMatch(rank=span.rank, document=span.document, start=span.start, end=span.end, text=span.text,
                        before=span.before, after=span.after, score=float(span.score), jaccard=float(span.jaccard),
                        shared=int(span.shared), pos=span.pos, label=_label(model, glyphs, stop - 1),
                        glyphs=glyphs, first=first, stop=stop)


def _shared(matches: list[MatchedSpan], records: list[PatternMatch]) -> list[SharedPattern]:
    found = [SharedPattern(kind="pos", pattern=p["pattern"], matches=int(p["matches"]))
             for p in shared_patterns(matches)]
    labels = Counter(r["label"] for r in records if r["label"] is not None)
    found += [SharedPattern(kind="label", pattern=label, matches=n) for label, n in labels.most_common()]
    return found


def match(service: AnalysisService, request: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    model = service.model(request["model"])
    if request["text"] is not None:
        text = str(request["text"])
    elif ctx.cursor is not None:
        text = ctx.cursor["sentence"]
    else:
        raise RnnLensError("no editor sentence yet: move the cursor in a text document, or send a text")
    check_text_size(text)
    if request["state"] not in (None, model.default_state):
        raise RnnLensError(f"pattern search uses {model.name}'s indexed state {model.default_state}; "
                           f"not {request['state']!r}")
    top = int(request["top"])
    if not 1 <= top <= MAX_TOP:
        raise RnnLensError(f"top must be 1..{MAX_TOP}; got {top}")
    start, end = _selection(model, text, int(request["first"]), int(request["stop"]))
    ctx.progress(0.0, f"searching {model.name}'s corpus for the selected memory pattern")
    search = service.match(model.name, text, start, end, layer=request["layer"], threshold=request["threshold"],
                           top=top, cancel=ctx.cancelled)
    ctx.check()
    index, _ = service.pattern_index(model.name)  # memoised by the search: what it searched
    layer = int(search.query.state.removeprefix("layer").split(".")[0])
    records: list[PatternMatch] = []
    for i, span in enumerate(search.matches):
        ctx.progress(0.5 + 0.5 * i / max(1, len(search.matches)), f"glyphs of match {span.rank}")
        context = span.before + span.text + span.after
        analysis = service.analyze_text(model.name, context, layer, model.default_state, int(request["k"]))
        records.append(_pattern_match(model, span, views.glyph_sequence(analysis, model.name, context)))
        ctx.check()
    return {"type": "match_view", "id": request["id"], "model": model.name, "layer": layer,
            "state": model.default_state, "k": int(request["k"]), "text": text, "first": int(request["first"]),
            "stop": int(request["stop"]), "tokens": list(search.query.tokens), "threshold": float(search.query.threshold),
            "units": np.array(search.query.units, dtype=np.int32), "matches": records,
            "shared_patterns": _shared(search.matches, records), "corpus": search.corpus,
            "searched_tokens": int(index.tokens), "searched_documents": int(len(index.doc_starts) - 1),
            "provenance": views.provenance_record(search.provenance)}


HANDLERS = {"match_request": match}
