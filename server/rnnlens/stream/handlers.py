"""Panel requests -> calls into the analysis service -> answer messages.

Each handler runs on a worker thread, may block, reports progress, polls cancel, and returns the
answer message (a dict the codec encodes). Errors a user can meet are RnnLensError (sent back as
an error message by the caller).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens import __version__
from rnnlens.analysis.cocluster import CoclusterResult
from rnnlens.errors import Cancelled, RnnLensError
from rnnlens.protocol.messages import PROTOCOL_VERSION, Coclustering, CursorState, ModelInfo
from rnnlens.service import AnalysisService
from rnnlens.stream import causal_handlers, pattern_handlers, views


@dataclass
class RequestContext:
    """What a handler may use besides the service."""

    progress: Callable[[float, str], None]
    cancelled: Callable[[], bool]
    cursor: CursorState | None  # the editor's newest cursor (glyph_request with text null)

    def check(self) -> None:
        if self.cancelled():
            raise Cancelled("the request was cancelled")


Handler = Callable[[AnalysisService, dict[str, Any], RequestContext], dict[str, Any]]


def list_models(service: AnalysisService) -> list[ModelInfo]:
    rows = []
    for name in service.registry.names():
        try:
            model = service.model(name)
        except RnnLensError as exc:
            rows.append(views.model_info({"name": name, "error": str(exc)}))
            continue
        rows.append(views.model_info(model.describe(), model.state_kinds, model.default_state))
    return rows


def hello(service: AnalysisService, settings: dict[str, Any], cursor: CursorState | None) -> dict[str, Any]:
    return {"type": "hello", "protocol": PROTOCOL_VERSION, "server": f"rnnlens {__version__}",
            "models": list_models(service), "settings": settings, "cursor": cursor}


def word_responses(service: AnalysisService, model_name: str, result: CoclusterResult) -> np.ndarray | None:
    """(N, H) expected responses of the view's words (the chips' colours for a selected word),
    from the statistics the co-clustering used (the service's chosen corpus)."""
    model = service.model(model_name)
    name = f"layer{result.layer}.{result.state}"
    stats = service.statistics(model_name, states=(name,)).stats  # already loaded: the co-clustering needed them
    matrix = stats.mean.get(name)
    if matrix is None:
        return None
    rows = [stats.row_of(model.vocab.id_of(word)) if word in model.vocab else None for word in result.words]
    out = np.zeros((len(rows), matrix.shape[1]), dtype=np.float32)
    for i, row in enumerate(rows):
        if row is not None:
            out[i] = matrix[row]
    return out


def _coclustering(service: AnalysisService, result: CoclusterResult, model_name: str) -> Coclustering:
    model = service.model(model_name)
    hidden = int(model.stack.layers[result.layer - 1].hidden_size)
    return views.coclustering(result, model.name, hidden, service.word_pos,
                              responses=word_responses(service, model.name, result))


def cocluster(service: AnalysisService, request: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    result = service.cocluster(request["model"], request["layer"], request["state"], request["k"],
                               request["n_words"], progress=ctx.progress, cancel=ctx.cancelled)
    ctx.check()
    return {"type": "cocluster_view", "id": request["id"], "view": _coclustering(service, result, request["model"])}


def glyphs(service: AnalysisService, request: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    text, uri, start = request["text"], None, None
    if text is None:
        if ctx.cursor is None:
            raise RnnLensError("no editor sentence yet: move the cursor in a text document, or send a text")
        text, uri, start = ctx.cursor["sentence"], ctx.cursor["uri"], ctx.cursor["sentence_start"]
    ctx.progress(0.0, f"analysing the text with {request['model']}")
    analysis = service.analyze_text(request["model"], text, request["layer"], request["state"], request["k"])
    ctx.check()
    return {"type": "glyph_view", "id": request["id"], "glyphs": views.glyph_sequence(analysis, request["model"], text),
            "uri": uri, "sentence_start": start}


def unit(service: AnalysisService, request: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    model = service.model(request["model"])
    detail = service.explain_unit(model.name, request["layer"], request["state"], request["unit"], request["top"])
    labels = service.unit_labels(model.name, detail.layer, detail.state_kind, request["k"])
    return {"type": "unit_detail", "id": request["id"], "model": model.name, "layer": detail.layer,
            "state": detail.state_kind, "unit": int(request["unit"]), "cluster": int(labels[request["unit"]]),
            "positive": views.word_distribution(detail.positive),
            "negative": views.word_distribution(detail.negative),
            "min_count": detail.min_count, "provenance": views.provenance_record(detail.provenance)}


def word(service: AnalysisService, request: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    detail = service.explain_word(request["model"], request["word"], request["layer"], request["state"],
                                  request["k"])
    profile = detail.mean
    if profile is None:  # a known word the corpus never used
        model = service.model(request["model"])
        profile = np.zeros(int(model.stack.layers[detail.layer - 1].hidden_size), dtype=np.float32)
    return {"type": "word_detail", "id": request["id"], "model": detail.model, "layer": detail.layer,
            "state": detail.state_kind, "word": detail.word, "cluster": detail.cluster, "pos": detail.pos,
            "count": detail.count, "profile": np.asarray(profile, dtype=np.float32),
            "provenance": views.provenance_record(detail.provenance),
            "percentiles": None if detail.percentiles is None else np.asarray(detail.percentiles, dtype=np.float32)}


def compare(service: AnalysisService, request: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    ctx.progress(0.0, f"co-clustering {request['model_a']} and {request['model_b']}")
    summary = service.compare(request["model_a"], request["model_b"], None, request["layer"], request["state"],
                              request["k"])
    ctx.check()
    views_ab, glyphs_ab = [], []
    for index, (name, result) in enumerate(zip(summary.models, summary.coclusters, strict=True)):
        views_ab.append(_coclustering(service, result, name))
        if request["text"] is not None:
            ctx.progress(0.5 + 0.25 * index, f"glyphs of {name}")
            analysis = service.analyze_text(name, request["text"], result.layer, result.state, request["k"])
            glyphs_ab.append(views.glyph_sequence(analysis, name, request["text"]))
        ctx.check()
    k_a = int(views_ab[0]["k"])
    matching = np.full(k_a, -1, dtype=np.int32)
    for a, b in summary.alignment.pairs:
        matching[a] = b
    return {"type": "compare_view", "id": request["id"], "a": views_ab[0], "b": views_ab[1], "matching": matching,
            "similarity": float(summary.similarity),
            "glyphs_a": glyphs_ab[0] if glyphs_ab else None, "glyphs_b": glyphs_ab[1] if glyphs_ab else None}


HANDLERS: dict[str, Handler] = {
    "cocluster_request": cocluster,
    "glyph_request": glyphs,
    "unit_request": unit,
    "word_request": word,
    "compare_request": compare,
    **causal_handlers.HANDLERS,  # effects, attribution, stability and unit outputs (issue 13)
    **pattern_handlers.HANDLERS,  # pattern search (issue 14)
}
