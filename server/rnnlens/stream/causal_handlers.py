"""Panel requests for issue 13 (which memory matters): ablation effects at a token, input
attribution, and the co-clustering's stability and unit-cluster outputs.

Handlers in the shape of stream/handlers.py (worker thread, progress, cancel polled between
steps, RnnLensError for what a user can meet); the computing is the engine's
(analysis/ablation.py, attribution.py, cluster_stability.py, unit_outputs.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from rnnlens.analysis.ablation import MODES, cluster_effects, state_at
from rnnlens.analysis.attribution import AttributionNotConverged, attribute_token
from rnnlens.analysis.causal_json import attribution_json, effects_json
from rnnlens.analysis.cocluster import CoclusterResult
from rnnlens.analysis.expected_state import corpus_mean_state, layer_state_names
from rnnlens.analysis.provenance import Provenance
from rnnlens.analysis.text_units import resolve_reset, unit_spans, unit_starts
from rnnlens.analysis.unit_outputs import UnitOutputs
from rnnlens.cli.cocluster_stability import stability_report
from rnnlens.cli.cocluster_unit_outputs import unit_outputs
from rnnlens.errors import Cancelled, RnnLensError
from rnnlens.limits import check_text_size
from rnnlens.models.loaded import LoadedModel
from rnnlens.protocol.messages import ClusterStability, UnitOutput
from rnnlens.service import AnalysisService
from rnnlens.stream import views

if TYPE_CHECKING:
    from rnnlens.stream.handlers import RequestContext

ATTRIBUTION_WINDOW = 200  # tokens attributed before the selected one, as `rnnlens attribute` (older ones held fixed)
INSIGHTS_KEPT = 16  # co-clusterings whose stability and unit outputs stay memoised


@dataclass
class _TokenUnit:
    """The selected token's unit of text (its line for a classifier), as the glyphs ran it."""

    first: int
    ids: torch.Tensor  # (1, tokens of the unit)
    t: int  # the token's index inside the unit


def _editor_text(request: dict[str, Any], ctx: RequestContext) -> str:
    if request["text"] is not None:
        return str(request["text"])
    if ctx.cursor is None:
        raise RnnLensError("no editor sentence yet: move the cursor in a text document, or send a text")
    return ctx.cursor["sentence"]


def _token_unit(model: LoadedModel, text: str, token: int) -> _TokenUnit:
    """The unit holding `token`: the same tokens and resets as the glyph view of `text`."""
    check_text_size(text)
    tokens = model.tokenize(text)
    if not 0 <= token < len(tokens):
        raise RnnLensError(f"the text has tokens 0..{len(tokens) - 1}; there is no token {token}")
    ids = torch.tensor([model.encode(tokens)], dtype=torch.long)
    starts = unit_starts(text, [t.start for t in tokens], resolve_reset(None, model.task))
    first, stop = next((a, b) for a, b in unit_spans(starts, len(tokens)) if a <= token < b)
    return _TokenUnit(first, ids[:, first:stop], token - first)


def effects(service: AnalysisService, request: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    if request["mode"] not in MODES:
        raise RnnLensError(f"mode must be one of {', '.join(MODES)}; got {request['mode']!r}")
    model = service.model(request["model"])
    text = _editor_text(request, ctx)
    ctx.progress(0.0, f"co-clustering {model.name} for the effects")
    clusters = service.cocluster(model.name, request["layer"], request["state"], request["k"], cancel=ctx.cancelled)
    ctx.check()
    unit = _token_unit(model, text, int(request["token"]))
    trace = model.trace(unit.ids, outputs=False)  # states only: the ablation runs the head on the step it reads
    expected = None
    if request["mode"] == "mean":  # the layer's expected state over the clusters' statistics (as the CLI's --mode mean)
        names = layer_state_names(clusters.layer, model.state_kinds)
        statistics = service.statistics(model.name, states=names, cancel=ctx.cancelled)
        expected = corpus_mean_state(statistics.stats, clusters.layer, model.state_kinds)
    ctx.check()
    result = cluster_effects(model.stack, model.task, unit.ids, unit.t, state_at(trace, unit.t - 1), clusters.layer,
                             clusters.unit_labels, clusters.k, mode=request["mode"], expected=expected,
                             known=state_at(trace, unit.t))
    record = effects_json(result, model.vocab.words, model.labels, offset=unit.first)
    return {"type": "effects_view", "id": request["id"], "model": model.name, "layer": int(clusters.layer),
            "state": clusters.state, "k": int(clusters.k), "text": text, "token": int(request["token"]),
            "output_step": int(record["output_step"]), "mode": request["mode"], "measure": record["measure"],
            "targets": [{"role": t["role"], "name": t["name"], "base": float(t["base"])} for t in record["targets"]],
            "delta": np.asarray(result.delta, dtype=np.float32).reshape(clusters.k, -1),
            "share": np.asarray(result.shares(), dtype=np.float32),
            "provenance": views.provenance_record(Provenance.carried_by(clusters.extra))}


def attribution(service: AnalysisService, request: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    model = service.model(request["model"])
    text = _editor_text(request, ctx)
    unit = _token_unit(model, text, int(request["token"]))
    target = model.output_index(request["target"])
    ctx.progress(0.0, f"integrated gradients at token {request['token']}")
    answer: dict[str, Any] = {"type": "attribution_view", "id": request["id"], "model": model.name, "text": text,
                              "token": int(request["token"])}
    try:
        result = attribute_token(model.stack, model.task, unit.ids, unit.t, target=target,
                                 window=ATTRIBUTION_WINDOW)
    except AttributionNotConverged as exc:
        role = "class" if model.task == "classifier" else "next"
        return {**answer, "start": int(request["token"]), "target": request["target"] or "", "target_role": role,
                "scores": np.zeros(0, dtype=np.float32), "output": None, "baseline_output": None,
                "convergence_delta": None, "steps": None, "refused": str(exc)}
    ctx.check()
    tokens = model.tokenize(text)[unit.first:unit.first + unit.ids.shape[1]]
    record = attribution_json(result, tokens, model.vocab.words, model.labels, offset=unit.first)
    return {**answer, "start": int(record["start"]), "target": record["target"]["name"],
            "target_role": record["target"]["role"], "scores": np.asarray(result.scores, dtype=np.float32),
            "output": float(result.output), "baseline_output": float(result.baseline_output),
            "convergence_delta": float(result.delta), "steps": int(result.steps), "refused": None}


class _InsightMemo:
    """Stability and unit outputs of recent co-clusterings: seconds of work each, asked again on
    every return to a k. Keyed by what determines them: model, layer, state, k, words, statistics."""

    def __init__(self, kept: int = INSIGHTS_KEPT) -> None:
        self._kept = kept
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._kept:
                self._items.popitem(last=False)
        return value


_MEMO = _InsightMemo()


def _stability_record(service: AnalysisService, model: str, result: CoclusterResult) -> ClusterStability:
    report = stability_report(service, model, result)
    ks = sorted(report.scores)
    return ClusterStability(k=np.array(ks, dtype=np.int32),
                            score=np.array([report.scores[k] for k in ks], dtype=np.float32),
                            suggested_k=int(report.suggested_k), runs=int(report.runs))


def _output_records(service: AnalysisService, outputs: UnitOutputs) -> list[UnitOutput]:
    records = []
    for row, entry in zip(outputs.push, outputs.to_json(pos=service.word_pos), strict=True):
        if outputs.kind == "classes":
            order = np.argsort(-row, kind="stable")
            raises = [outputs.names[i] for i in order if row[i] > 0]
            lowers = [outputs.names[i] for i in order[::-1] if row[i] < 0]
        else:
            raises = [w["word"] for w in entry["raises"]]
            lowers = [w["word"] for w in entry["lowers"]]
        records.append(UnitOutput(label=str(entry["label"]), raises=raises, lowers=lowers))
    return records


def insight(service: AnalysisService, request: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    model = service.model(request["model"])
    result = service.cocluster(model.name, request["layer"], request["state"], request["k"], request["n_words"],
                               cancel=ctx.cancelled)
    ctx.check()
    key = (model.name, result.layer, result.state, result.k, tuple(result.words),
           str(result.extra.get("provenance")))
    notes: list[str] = []
    stability: ClusterStability | None = None
    outputs: list[UnitOutput] | None = None
    ctx.progress(0.1, "scoring the clusters' stability")
    try:
        stability = _MEMO.get(("stability", *key), lambda: _stability_record(service, model.name, result))
    except Cancelled:
        raise
    except RnnLensError as exc:  # the other part may still be computed
        notes.append(str(exc))
    ctx.check()
    ctx.progress(0.4, "measuring which outputs each unit cluster pushes")
    try:
        outputs = _MEMO.get(("outputs", *key),
                            lambda: _output_records(service, unit_outputs(service, model.name, result,
                                                                        cancel=ctx.cancelled)))
    except Cancelled:
        raise
    except RnnLensError as exc:  # the other part may still be computed
        notes.append(str(exc))
    ctx.check()
    return {"type": "cluster_insight_view", "id": request["id"], "model": model.name, "layer": int(result.layer),
            "state": result.state, "k": int(result.k), "stability": stability, "unit_outputs": outputs,
            "notes": notes, "provenance": views.provenance_record(Provenance.carried_by(result.extra))}


HANDLERS = {
    "effects_request": effects,
    "attribution_request": attribution,
    "cluster_insight_request": insight,
}
