"""Pattern search (LSTMVis select/match): the index keeps corpus order, a planted unit set is found
exactly where it was planted, and evaluation builds the same index a direct trace gives."""

import numpy as np
import pytest
import torch
from rnnlens.analysis.evaluation import evaluate_documents
from rnnlens.analysis.pattern_index import PatternIndex, PatternIndexBuilder
from rnnlens.analysis.pattern_match import hypothesis_units, match_units
from rnnlens.models.storage import load_model

UNITS = 40
PLANTED = np.array([3, 7, 11, 20, 33])


def planted_corpus(seed: int = 0):
    """Documents of random states in [-1, 0.25] (never on at 0.3) with sparse noise units on, and
    the PLANTED units on (0.9) exactly over known spans of 6 tokens."""
    rng = np.random.default_rng(seed)
    docs, spans = [], []
    for doc in range(30):
        length = int(rng.integers(40, 300))
        states = rng.uniform(-1.0, 0.25, size=(length, UNITS)).astype(np.float32)
        noise = rng.random((length, UNITS)) < 0.15
        noise[:, PLANTED] = False
        states[noise] = 0.8
        if doc % 3 == 0:
            start = int(rng.integers(0, length - 6))
            states[start:start + 6, PLANTED] = 0.9
            spans.append((doc, start, start + 6))
        docs.append(states)
    return docs, spans


def index_of(docs, order=None) -> PatternIndex:
    """Feed the builder one document a window, in `order` (evaluation batches out of corpus order)."""
    builder = PatternIndexBuilder({"layer1.h": UNITS})
    for doc in order if order is not None else range(len(docs)):
        states = torch.from_numpy(docs[doc])[None]
        for start in range(0, states.shape[1], 100):
            window = states[:, start:start + 100]
            builder.add_window(np.array([doc]), start, torch.tensor([window.shape[1]]), {"layer1.h": window})
    return builder.finish(len(docs))


def test_every_planted_span_is_found_and_ranked_first():
    docs, spans = planted_corpus()
    index = index_of(docs, order=np.random.default_rng(1).permutation(len(docs)))
    doc, start, stop = spans[0]
    units = hypothesis_units(docs[doc][start:stop], 0.3)
    np.testing.assert_array_equal(units, PLANTED)
    found = match_units(index, "layer1.h", 0.3, units, stop - start, top=len(spans) + 5)
    top = {(m.doc, m.start, m.stop) for m in found[:len(spans)]}
    assert top == set(spans)
    assert all(m.jaccard == 1.0 and m.score == 1.0 for m in found[:len(spans)])
    assert all(m.score < 1.0 for m in found[len(spans):])


def test_a_span_of_other_length_scores_by_the_length_factor():
    docs, spans = planted_corpus()
    index = index_of(docs)
    found = match_units(index, "layer1.h", 0.3, PLANTED, 12, top=len(spans))
    assert {(m.doc, m.start, m.stop) for m in found} == set(spans)
    assert all(abs(m.score - 0.5) < 1e-9 for m in found)


def test_half_the_units_match_with_a_lower_jaccard():
    docs, spans = planted_corpus()
    index = index_of(docs)
    query = np.concatenate([PLANTED, [0, 1, 2, 4, 5]])  # five planted units and five that are never on
    found = match_units(index, "layer1.h", 0.3, query, 6, top=len(spans))
    assert {(m.doc, m.start, m.stop) for m in found} == set(spans)
    assert all(m.jaccard == 0.5 and m.shared == 5 for m in found)


def test_no_unit_on_means_no_hypothesis_and_an_unindexed_threshold_is_refused():
    docs, _ = planted_corpus()
    index = index_of(docs)
    assert hypothesis_units(docs[1][:5] * 0 - 1, 0.3).size == 0
    assert match_units(index, "layer1.h", 0.3, np.zeros(0, dtype=np.int64), 5) == []
    try:
        index.words64("layer1.h", 0.42)
    except ValueError as exc:
        assert "0.05, 0.1, 0.2, 0.3, 0.5" in str(exc)
    else:
        raise AssertionError("an unindexed threshold was accepted")


def test_the_index_round_trips_through_its_arrays():
    docs, _ = planted_corpus()
    index = index_of(docs)
    again = PatternIndex.from_arrays(*index.to_arrays())
    np.testing.assert_array_equal(again.bits["layer1.h"], index.bits["layer1.h"])
    np.testing.assert_array_equal(again.doc_starts, index.doc_starts)
    assert again.locate(int(index.doc_starts[5]) + 3) == (5, 3)


@pytest.fixture(scope="module")
def lstm(tiny_models):
    return load_model(tiny_models / "tiny-lstm-lm")


def test_evaluation_indexes_every_token_in_corpus_order(lstm):
    rng = np.random.default_rng(0)
    docs = [rng.integers(2, len(lstm.vocab), size=n).astype(np.int32) for n in (5, 300, 17, 600, 40)]
    name = f"layer{lstm.num_layers}.{lstm.default_state}"
    builder = PatternIndexBuilder({name: int(lstm.stack.layers[-1].hidden_size)})
    evaluate_documents(lstm, lambda: iter(docs), patterns=builder)
    index = builder.finish(len(docs))
    assert index.tokens == sum(len(d) for d in docs)
    for number in (1, 3):
        trace = lstm.trace(torch.from_numpy(docs[number].astype(np.int64))[None], outputs=False)
        states = trace[name][0].numpy()
        rows = slice(int(index.doc_starts[number]), int(index.doc_starts[number + 1]))
        on = np.unpackbits(index.bits[name][index.threshold_slot(0.3)][rows], axis=1)[:, :states.shape[1]].astype(bool)
        agree = (on == (states > 0.3)).mean()
        assert agree > 0.999  # windowed vs one trace: float rounding can flip a unit at the threshold
