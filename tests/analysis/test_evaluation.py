"""Streaming evaluation equals a direct per-document computation, including across windows."""

import numpy as np
import pytest
import torch
from rnnlens.analysis import evaluation
from rnnlens.analysis.evaluation import evaluate_documents, state_sizes
from rnnlens.errors import Cancelled
from rnnlens.models.storage import load_model


@pytest.fixture(scope="module")
def lstm(tiny_models):
    return load_model(tiny_models / "tiny-lstm-lm")


def _documents(model, seed=0):
    rng = np.random.default_rng(seed)
    lengths = [5, 40, 300, 12, 1, 77, 520]  # 300 and 520 cross the trace window
    return [rng.integers(2, len(model.vocab), n) for n in lengths]


def _direct_means(model, docs):
    sums, counts = {}, {}
    for doc in docs:
        trace = model.trace(torch.from_numpy(doc).view(1, -1), outputs=False)
        for name in state_sizes(model):
            r = trace.response(name)[0].numpy()
            for t, w in enumerate(doc):
                sums[(name, int(w))] = sums.get((name, int(w)), 0) + r[t]
                counts[(name, int(w))] = counts.get((name, int(w)), 0) + (name == "layer1.h")
    return sums, counts


def test_streamed_means_equal_direct_trace_per_document(lstm, monkeypatch):
    monkeypatch.setattr(evaluation, "WINDOW", 64)  # force several windows with state carry
    monkeypatch.setattr(evaluation, "BATCH_TOKENS", 300)
    docs = _documents(lstm)
    stats = evaluate_documents(lstm, lambda: iter(docs))
    sums, counts = _direct_means(lstm, docs)
    assert stats.tokens == sum(len(d) for d in docs)
    for (name, word), total in sums.items():
        row = stats.row_of(word)
        n = counts[("layer1.h", word)]
        assert stats.count[row] == n
        assert stats.mean[name][row] == pytest.approx(total / n, abs=1e-5)


def test_progress_reaches_one_and_cancel_stops(lstm):
    docs = _documents(lstm)
    seen = []
    evaluate_documents(lstm, lambda: iter(docs), progress=lambda f, m: seen.append(f))
    assert seen[-1] == pytest.approx(1.0) and seen == sorted(seen)
    with pytest.raises(Cancelled):
        evaluate_documents(lstm, lambda: iter(docs), cancel=lambda: True)


def test_every_layer_and_state_kind_is_accumulated(lstm):
    stats = evaluate_documents(lstm, lambda: iter(_documents(lstm)))
    assert stats.state_names == ["layer1.h", "layer1.c", "layer2.h", "layer2.c"]
