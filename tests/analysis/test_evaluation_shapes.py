"""Evaluation's memory stays flat in corpus length: the recurrent kernels see a bounded set of shapes.

oneDNN's LSTM (PyTorch's CPU kernel) keeps a primitive with its buffers for every input shape
it meets, up to 1,024, and evicting them fragments the heap: when every batch had a shape of
its own, a 100M-token evaluation grew from 370 MB to 800 MB resident. Batches are padded to
bucketed shapes (evaluation.shape_bucket), so a corpus 4x as long adds no new ones.
"""

import numpy as np
import pytest
from rnnlens.analysis import evaluation
from rnnlens.analysis.evaluation import evaluate_documents, shape_bucket
from rnnlens.models.storage import load_model

WINDOW, BATCH_TOKENS = 32, 256


@pytest.fixture(scope="module")
def lstm(tiny_models):
    return load_model(tiny_models / "tiny-lstm-lm")


def _stream(model, count, seed=0):
    """`count` documents of 1 to 90 tokens (many batch and window shapes), the same prefix for any count."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 90, count)
    return [rng.integers(2, len(model.vocab), n) for n in lengths]


def _shapes(model, docs, monkeypatch):
    seen = set()
    trace = model.trace

    def recording(ids, *args, **kwargs):
        seen.add(tuple(ids.shape))
        return trace(ids, *args, **kwargs)

    monkeypatch.setattr(model, "trace", recording)
    stats = evaluate_documents(model, lambda: iter(docs))
    monkeypatch.undo()
    return seen, stats


def test_shape_buckets_pad_at_most_a_quarter():
    for n in range(1, 20000):
        bucket = shape_bucket(n)
        assert n <= bucket <= max(n * 1.25, n + 1)
    assert len({shape_bucket(n) for n in range(1, 16385)}) <= 8 + 4 * 11


def test_kernel_shapes_stay_bounded_as_the_corpus_grows(lstm, monkeypatch):
    """Documents of 1 to 90 tokens, 1,500 then 6,000 of them: every shape is a bucket, so however
    long the corpus, at most (row buckets) x (step buckets) shapes; unbucketed, this stream met 79
    then 137 (then 184 at 24,000 documents) shapes, bucketed 50 then 67 (82) of at most 28 x 16 = 448."""
    bound = len({shape_bucket(n) for n in range(1, BATCH_TOKENS + 1)}) * len({shape_bucket(n) for n in range(1, WINDOW + 1)})
    found = []
    for count in (1500, 6000):
        monkeypatch.setattr(evaluation, "WINDOW", WINDOW)
        monkeypatch.setattr(evaluation, "BATCH_TOKENS", BATCH_TOKENS)
        monkeypatch.setattr(evaluation, "BUFFER_DOCUMENTS", 64)
        docs = _stream(lstm, count)
        shapes, stats = _shapes(lstm, docs, monkeypatch)
        assert stats.tokens == sum(len(d) for d in docs)
        for rows, steps in shapes:
            assert rows == shape_bucket(rows) and steps == min(WINDOW, shape_bucket(steps))
        assert len(shapes) <= bound
        found.append(shapes)
    assert len(found[1]) < 1.5 * len(found[0]), [len(s) for s in found]


def test_free_heap_pages_are_returned_every_so_many_tokens(lstm, monkeypatch):
    """glibc keeps freed blocks resident (the free heap grew to 470 MB over 100M tokens with 110 MB
    live): evaluation trims it every TRIM_EVERY_TOKENS tokens; off glibc this does nothing."""
    calls = []
    monkeypatch.setattr(evaluation, "TRIM_EVERY_TOKENS", 1000)
    monkeypatch.setattr(evaluation, "BATCH_TOKENS", BATCH_TOKENS)  # batches of under 1000 tokens: one trim each crossing
    monkeypatch.setattr(evaluation, "release_free_memory", lambda: calls.append(1))
    docs = _stream(lstm, 200)
    evaluate_documents(lstm, lambda: iter(docs))
    assert len(calls) == sum(len(d) for d in docs) // 1000
    monkeypatch.undo()
    evaluation.release_free_memory()  # callable here whatever the C library
