"""Issue 13 over a real socket: ablation effects at a token, input attribution (or its refusal),
and the co-clustering's stability and unit-cluster outputs, each checked against the engine
called directly on the same model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from rnnlens.analysis import attribution as attribution_engine
from rnnlens.analysis.ablation import cluster_effects, state_at
from rnnlens.analysis.cluster_stability import neighbouring_ks
from rnnlens.cli.cocluster_stability import stability_report
from rnnlens.cli.cocluster_unit_outputs import unit_outputs
from rnnlens.errors import Cancelled
from rnnlens.stream import StreamServer, causal_handlers
from stream_helpers import open_panel, request

MODEL = "tiny-lstm-lm"
TEXT = "the staff was not helpful"


async def test_effects_view_holds_every_clusters_change_at_the_token(stream: StreamServer, service):
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "effects_request", "id": 31, "model": MODEL, "text": TEXT, "token": 2,
                                "layer": None, "state": None, "k": 3, "mode": "zero"})
    await ws.close()
    assert answer["type"] == "effects_view" and answer["id"] == 31, answer
    assert (answer["layer"], answer["state"], answer["k"], answer["token"]) == (2, "c", 3, 2)
    assert answer["measure"] == "log_probability"
    assert [t["role"] for t in answer["targets"]] == ["next", "top"]
    assert answer["targets"][0]["name"] == "not"  # the word after token 2
    model = service.model(MODEL)
    clusters = service.cocluster(MODEL, None, None, 3)
    ids = torch.tensor([model.encode(model.tokenize(TEXT))])
    trace = model.trace(ids)
    expected = cluster_effects(model.stack, model.task, ids, 2, state_at(trace, 1), 2, clusters.unit_labels, 3)
    assert answer["delta"].shape == (3, 2) and answer["delta"].dtype == np.float32
    np.testing.assert_allclose(answer["delta"], expected.delta, atol=1e-6)
    np.testing.assert_allclose(answer["share"], expected.shares(), atol=1e-6)
    assert answer["provenance"]["model"] == MODEL


async def test_mean_mode_and_the_last_token_measure_only_the_top_prediction(stream: StreamServer):
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "effects_request", "id": 32, "model": MODEL, "text": TEXT, "token": 4,
                                "layer": 1, "state": "h", "k": 3, "mode": "mean"})
    await ws.close()
    assert answer["type"] == "effects_view", answer
    assert answer["mode"] == "mean" and (answer["layer"], answer["state"]) == (1, "h")
    assert [t["role"] for t in answer["targets"]] == ["top"] and answer["delta"].shape == (3, 1)


async def test_effects_refuse_a_token_outside_the_text_and_an_unknown_mode(stream: StreamServer):
    ws, _ = await open_panel(stream)
    outside = await request(ws, {"type": "effects_request", "id": 33, "model": MODEL, "text": TEXT, "token": 5,
                                 "layer": None, "state": None, "k": 3, "mode": "zero"})
    mode = await request(ws, {"type": "effects_request", "id": 34, "model": MODEL, "text": TEXT, "token": 0,
                              "layer": None, "state": None, "k": 3, "mode": "noise"})
    await ws.close()
    assert outside["type"] == "error" and outside["code"] == "failed" and "tokens 0..4" in outside["message"]
    assert mode["type"] == "error" and "zero" in mode["message"]


async def test_effects_of_the_editor_sentence(stream: StreamServer):
    ws, _ = await open_panel(stream)
    stream.broadcast_cursor({"uri": "file:///doc.txt", "line": 0, "character": 3, "offset": 3, "token": "love",
                             "sentence": "i love it", "sentence_start": 0})
    answer = await request(ws, {"type": "effects_request", "id": 35, "model": MODEL, "text": None, "token": 1,
                                "layer": None, "state": None, "k": 3, "mode": "zero"})
    await ws.close()
    assert answer["type"] == "effects_view" and answer["text"] == "i love it"
    assert answer["targets"][0]["name"] == "it"


async def test_attribution_view_sums_to_the_output_difference_within_its_delta(stream: StreamServer):
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "attribution_request", "id": 36, "model": MODEL, "text": TEXT, "token": 3,
                                "target": None})
    await ws.close()
    assert answer["type"] == "attribution_view" and answer["id"] == 36, answer
    assert answer["refused"] is None and answer["start"] == 0 and answer["scores"].shape == (4,)
    assert (answer["target"], answer["target_role"]) == ("helpful", "next")
    difference = answer["output"] - answer["baseline_output"]
    assert abs(answer["scores"].sum() - difference) <= abs(answer["convergence_delta"]) + 1e-4
    assert abs(answer["convergence_delta"]) <= max(0.05 * abs(difference), 1e-4)
    assert answer["steps"] >= 32


async def test_a_classifier_attributes_its_predicted_class(stream: StreamServer):
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "attribution_request", "id": 37, "model": "tiny-gru-classifier",
                                "text": "the food is not good", "token": 4, "target": "positive"})
    await ws.close()
    assert answer["type"] == "attribution_view", answer
    assert (answer["target"], answer["target_role"]) == ("positive", "class") and answer["scores"].shape == (5,)


async def test_an_attribution_that_does_not_converge_is_refused_with_its_sentence(stream: StreamServer,
                                                                                   monkeypatch: pytest.MonkeyPatch):
    def one_step_only(*args, **kwargs):  # the real engine with one integration step and no tolerance at all
        return attribution_engine.attribute_token(*args, **kwargs, steps=(1,), tolerance=0.0)

    monkeypatch.setattr(attribution_engine, "ABSOLUTE_FLOOR", 0.0)
    monkeypatch.setattr(causal_handlers, "attribute_token", one_step_only)
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "attribution_request", "id": 38, "model": MODEL, "text": TEXT, "token": 4,
                                "target": None})
    await ws.close()
    assert answer["type"] == "attribution_view", answer
    assert answer["refused"].startswith("integrated gradients at token 4 did not converge")
    assert answer["scores"].shape == (0,) and answer["convergence_delta"] is None


async def test_cluster_insight_carries_stability_per_k_and_a_label_per_unit_cluster(stream: StreamServer, service):
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "cluster_insight_request", "id": 39, "model": MODEL, "layer": None,
                                "state": None, "k": 3, "n_words": 12})
    await ws.close()
    assert answer["type"] == "cluster_insight_view" and answer["id"] == 39, answer
    result = service.cocluster(MODEL, None, None, 3, 12)
    report = stability_report(service, MODEL, result)
    stability = answer["stability"]
    assert list(stability["k"]) == neighbouring_ks(3, 12) == sorted(report.scores)
    np.testing.assert_allclose(stability["score"], [report.scores[k] for k in stability["k"]], atol=1e-6)
    assert stability["suggested_k"] == report.suggested_k and stability["runs"] == report.runs
    labels = [entry["label"] for entry in unit_outputs(service, MODEL, result).to_json(pos=service.word_pos)]
    assert [o["label"] for o in answer["unit_outputs"]] == labels and len(labels) == 3
    assert all(o["raises"] for o in answer["unit_outputs"])
    assert answer["notes"] == [] and answer["provenance"]["model"] == MODEL


def test_unit_outputs_stop_before_the_next_sequence_once_cancelled(service):
    result = service.cocluster(MODEL, None, None, 3, 12)
    with pytest.raises(Cancelled):
        unit_outputs(service, MODEL, result, cancel=lambda: True)
    kept_going = unit_outputs(service, MODEL, result, cancel=lambda: False)
    np.testing.assert_array_equal(kept_going.push, unit_outputs(service, MODEL, result).push)
