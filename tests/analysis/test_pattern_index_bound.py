"""The pattern index is bounded: it covers the corpus's first `max_tokens` tokens, its builder never
holds much more than that however long the corpus, and search over the covered part is what an
index of just that part gives. A match says how much of the corpus it searched."""

import numpy as np
import pytest
import torch
from rnnlens.analysis import pattern_index
from rnnlens.analysis.pattern_index import PatternIndexBuilder, index_token_limit, token_bytes
from rnnlens.analysis.pattern_match import match_units
from test_pattern_search import PLANTED, UNITS, planted_corpus

NAME = "layer1.h"
WINDOW = 64
COVERED = 2_000  # of about 5,000 tokens


def batches(docs, order=None):
    """Batches of three documents in `order`: (number, the batch's windows as evaluation feeds them:
    (document ids, start, real lengths, {NAME: padded states}))."""
    order = list(range(len(docs))) if order is None else list(order)
    for number, at in enumerate(range(0, len(order), 3)):
        batch = order[at:at + 3]
        longest = max(len(docs[d]) for d in batch)
        padded = torch.zeros(len(batch), longest, UNITS)
        for row, doc in enumerate(batch):
            padded[row, :len(docs[doc])] = torch.from_numpy(docs[doc])
        full = torch.tensor([len(docs[d]) for d in batch])
        windows = []
        for start in range(0, longest, WINDOW):
            window = padded[:, start:start + WINDOW]
            windows.append((np.array(batch), start, (full - start).clamp(0, window.shape[1]), {NAME: window}))
        yield number, windows


def build(docs, max_tokens=None, order=None, after_each=None):
    """One builder fed every batch, window by window (padded rows)."""
    builder = PatternIndexBuilder({NAME: UNITS}, max_tokens=max_tokens)
    for _, windows in batches(docs, order):
        for window in windows:
            builder.add_window(*window)
            if after_each is not None:
                after_each(builder)
    return builder


def first_tokens(docs, count):
    """The corpus cut after its first `count` tokens (the last document kept cut short)."""
    out, left = [], count
    for doc in docs:
        if left <= 0:
            break
        out.append(doc[:left])
        left -= len(doc)
    return out


def test_the_builder_holds_at_most_the_limit_and_a_little_slack_however_long_the_corpus():
    docs, _ = planted_corpus()
    total = sum(len(d) for d in docs)
    assert total > 2 * COVERED
    largest = []
    order = np.random.default_rng(3).permutation(len(docs))  # batches out of corpus order
    builder = build(docs, COVERED, order, after_each=lambda b: largest.append(b.nbytes))
    per_token = token_bytes({NAME: UNITS})
    window_tokens = 3 * WINDOW
    assert max(largest) <= (COVERED + COVERED // 8 + window_tokens) * per_token
    index = builder.finish(len(docs))
    assert (index.tokens, index.corpus_tokens) == (COVERED, total)
    # what an unbounded builder keeps: the whole corpus
    assert build(docs).nbytes == total * per_token


def test_the_bounded_index_is_the_index_of_the_corpus_first_tokens():
    docs, spans = planted_corpus()
    bounded = build(docs, COVERED, np.random.default_rng(4).permutation(len(docs))).finish(len(docs))
    prefix = first_tokens(docs, COVERED)
    alone = build(prefix).finish()
    np.testing.assert_array_equal(bounded.doc_starts, alone.doc_starts)
    np.testing.assert_array_equal(bounded.bits[NAME], alone.bits[NAME])
    covered = [s for s in spans if s[0] < len(prefix) and s[2] <= len(prefix[s[0]])]
    assert covered and len(covered) < len(spans)
    found = match_units(bounded, NAME, 0.3, PLANTED, 6, top=len(spans))
    assert found == match_units(alone, NAME, 0.3, PLANTED, 6, top=len(spans))
    assert {(m.doc, m.start, m.stop) for m in found if m.score == 1.0} == set(covered)


def test_the_saved_index_remembers_the_corpus_length():
    docs, _ = planted_corpus()
    index = build(docs, COVERED).finish()
    again = pattern_index.PatternIndex.from_arrays(*index.to_arrays())
    assert (again.tokens, again.corpus_tokens) == (COVERED, index.corpus_tokens)


def test_the_default_limit_is_a_byte_budget():
    lstm = {"layer1.c": 150, "layer2.c": 150}  # 5 thresholds x 24 bytes x 2 states + an 8-byte key
    assert token_bytes(lstm) == 248
    assert index_token_limit(lstm) == pattern_index.PATTERN_INDEX_BYTES // 248 > 2_000_000
    assert PatternIndexBuilder(lstm).max_tokens == index_token_limit(lstm)


def test_a_match_over_a_longer_corpus_says_what_it_searched(chosen, monkeypatch):
    per_token = token_bytes({"layer1.c": 16, "layer2.c": 16})
    monkeypatch.setattr(pattern_index, "PATTERN_INDEX_BYTES", 300 * per_token)
    result = chosen.match("tiny-lstm-lm", "i love the food though the movie was terrible !", threshold=0.05)
    searched = result.to_json()["searched"]
    assert searched["tokens"] == 300 < searched["corpus_tokens"] == chosen.statistics("tiny-lstm-lm").stats.tokens
    assert result.coverage() is not None and result.coverage().startswith(
        f"searched the first 300 of {searched['corpus_tokens']:,} tokens")
    assert all(m.document < 60 for m in result.matches)  # 120 short lines: the first 300 tokens are in the first half



def build_in_parts(docs, workers, max_tokens=None, order=None):
    """`build`, its batches dealt round-robin to `workers` builders (as a Ray evaluation deals them),
    each handing its part to a driver's builder every other batch and at the end."""
    driver = PatternIndexBuilder({NAME: UNITS}, max_tokens=max_tokens)
    parts = [PatternIndexBuilder({NAME: UNITS}, max_tokens=max_tokens) for _ in range(workers)]
    for number, windows in batches(docs, order):
        worker = parts[number % workers]
        for window in windows:
            worker.add_window(*window)
        if number % 2:
            driver.absorb(worker.take_part())
    for worker in parts:
        driver.absorb(worker.take_part())
    return driver


def test_parts_of_builders_fed_apart_make_the_index_of_one_builder_fed_everything():
    docs, _ = planted_corpus()
    order = np.random.default_rng(6).permutation(len(docs))
    for max_tokens in (None, COVERED):
        alone = build(docs, max_tokens, order).finish(len(docs))
        for workers in (1, 2, 3):
            joined = build_in_parts(docs, workers, max_tokens, order).finish(len(docs))
            np.testing.assert_array_equal(joined.doc_starts, alone.doc_starts)
            np.testing.assert_array_equal(joined.bits[NAME], alone.bits[NAME])
            assert (joined.tokens, joined.corpus_tokens) == (alone.tokens, alone.corpus_tokens)


def test_a_part_of_other_states_is_refused():
    builder = PatternIndexBuilder({NAME: UNITS})
    other = PatternIndexBuilder({"layer2.h": UNITS}).take_part()
    with pytest.raises(ValueError, match="cannot join"):
        builder.absorb(other)
    wider = PatternIndexBuilder({NAME: UNITS + 64}).take_part()
    with pytest.raises(ValueError, match="cannot join"):
        builder.absorb(wider)
