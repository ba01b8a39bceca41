"""Evaluation's resident memory stays flat in corpus length: every TRIM_EVERY_TOKENS tokens the
sketch's buffered candidates are folded in (their small arrays had pinned the heap's holes for
longer and longer as a corpus grew) and the heap's free pages go back to the system (glibc).
The statistics must not depend on when that happens."""

import platform
import sys

import numpy as np
import pytest
from rnnlens.analysis import evaluation, heap_release
from rnnlens.analysis.evaluation import evaluate_documents
from rnnlens.models.storage import load_model


@pytest.fixture(scope="module")
def lstm(tiny_models):
    return load_model(tiny_models / "tiny-lstm-lm")


def _stream(model, count, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(2, len(model.vocab), n) for n in rng.integers(1, 90, count)]


def _assert_same(a, b):
    assert a.tokens == b.tokens
    np.testing.assert_array_equal(a.count, b.count)
    for name in a.mean:
        np.testing.assert_array_equal(a.mean[name], b.mean[name])
        np.testing.assert_array_equal(a.m2[name], b.m2[name])
        np.testing.assert_array_equal(a.sketch.values[name], b.sketch.values[name])
    np.testing.assert_array_equal(a.sketch.keys, b.sketch.keys)


def test_settling_memory_often_leaves_the_statistics_unchanged(lstm, monkeypatch):
    """Folding the sketch's candidates in every 300 tokens (a stricter threshold sooner, fewer
    candidates offered) keeps exactly the same bottom-k samples and sums as never doing so."""
    docs = _stream(lstm, 400)
    monkeypatch.setattr(evaluation, "BATCH_TOKENS", 256)  # many batches, so many settles
    monkeypatch.setattr(evaluation, "TRIM_EVERY_TOKENS", 10**12)
    never = evaluate_documents(lstm, lambda: iter(docs), sketch_size=8)
    settled = []
    monkeypatch.setattr(evaluation, "TRIM_EVERY_TOKENS", 300)
    monkeypatch.setattr(evaluation, "release_free_memory", lambda: settled.append(1))
    often = evaluate_documents(lstm, lambda: iter(docs), sketch_size=8)
    assert len(settled) == sum(len(d) for d in docs) // 300
    assert np.isfinite(often.sketch.keys).any()
    _assert_same(never, often)


def test_settle_memory_folds_the_pending_candidates_in(lstm):
    plan = evaluation.plan_evaluation(lstm, _stream(lstm, 50))
    accumulator = evaluation.new_accumulator(lstm, plan, sketch_size=4)
    evaluation.trace_batch(lstm, _stream(lstm, 20, seed=1), list(accumulator.sums), accumulator.add)
    assert accumulator.sketch._pending  # candidates waiting (fewer than PENDING_LIMIT)
    evaluation.settle_memory(accumulator)
    assert not accumulator.sketch._pending and np.isfinite(accumulator.sketch.keys).any()


def test_release_free_memory_is_safe_on_any_c_library():
    heap_release.release_free_memory()  # glibc: malloc_trim(0); elsewhere nothing
    # malloc_trim is found exactly where the C library is glibc
    assert heap_release.is_glibc() == (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc")
