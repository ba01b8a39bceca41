"""Explaining a unit by words seen often enough (with their counts), and labels that say what they are."""

import numpy as np
from rnnlens.analysis.explanations import MIN_EXPLAIN_COUNT, POS_SOURCE, explain_unit, explain_word
from rnnlens.analysis.provenance import UNKNOWN_WARNING, Provenance
from rnnlens.analysis.response_stats import ResponseStats
from rnnlens.lsp.hover import HoverData, render_hover

NAME = "layer1.h"


def _planted(counts: dict[str, int], means: dict[str, float], units: int = 3) -> ResponseStats:
    """Statistics where word w has `counts[w]` occurrences and mean `means[w]` at unit 0 (0 elsewhere)."""
    words = ["<pad>", "<unk>", *counts]
    stats = ResponseStats.empty(words, np.arange(len(words)), {NAME: units}, np.zeros(0, dtype=np.int64))
    for index, word in enumerate(words[2:], start=2):
        stats.count[index] = counts[word]
        stats.mean[NAME][index, 0] = means.get(word, 0.0)
    stats.tokens = int(stats.count.sum())
    return stats


def test_a_rare_word_does_not_lead_a_units_explanation():
    frequent = {f"w{i}": 100 + i for i in range(50)}
    means = {f"w{i}": 0.01 * (i + 1) for i in range(50)}
    stats = _planted({**frequent, "zyzzyva": 5}, {**means, "zyzzyva": 9.0})
    result = explain_unit(stats, NAME, 0, top=5)
    # Before: every word seen 5 times was eligible and the chance mean 9.0 came first.
    assert [e.word for e in result.positive] == ["w49", "w48", "w47", "w46", "w45"]
    assert result.min_count == MIN_EXPLAIN_COUNT
    assert [e.count for e in result.positive] == [149, 148, 147, 146, 145]
    assert all(e["count"] >= MIN_EXPLAIN_COUNT for e in result.to_json()["positive"])


def test_a_small_corpus_falls_back_to_a_lower_minimum_and_says_so():
    counts = {f"w{i}": 6 + i % 4 for i in range(30)}
    stats = _planted({**counts, "once": 1}, {"once": 5.0, **{w: 0.1 for w in counts}})
    result = explain_unit(stats, NAME, 0, top=5)
    assert result.min_count == 5 and "once" not in [e.word for e in result.positive]
    assert all(e.count >= 5 for e in result.positive)


def test_a_words_profile_carries_its_count_and_never_seen_words_have_none():
    stats = _planted({"good": 40, "bad": 0}, {"good": 0.5})
    profile = explain_word(stats, NAME, 2, "good")
    assert profile.count == 40 and profile.mean is not None and profile.top_units[0] == (0, 0.5)
    unseen = explain_word(stats, NAME, 3, "bad")
    assert unseen.count == 0 and unseen.mean is None and unseen.to_json()["mean"] is None


def test_the_part_of_speech_label_says_it_is_the_brown_corpus_majority_tag():
    data = HoverData(token="good", norm="good", index=0, model="m", view=NAME, kept_rate=0.5, moved=[], output={},
                     part_of_speech="JJ", word_count=1234)
    text = render_hover(data, image=False)
    assert "Brown tag JJ (the word's majority tag in the Brown corpus)" in text and "1,234×" in text
    data.part_of_speech = None  # a word Brown does not have: no label at all
    assert "Brown tag" not in render_hover(data, image=False)
    assert "Brown corpus" in POS_SOURCE


def _provenance(unknown: float = 0.03) -> Provenance:
    return Provenance(model="brown-lstm", weights="0123456789ab", corpus="brown", split="test", tokens=116062,
                      distinct_words=4987, unknown_rate=unknown, tokenizer="rnnlens.data.tokenizer.tokenize@abc",
                      engine_version=2)


def test_provenance_reads_back_and_prints_where_numbers_came_from():
    provenance = _provenance()
    assert Provenance.from_json(provenance.to_json()) == provenance
    assert Provenance.from_json({"model": "m"}) is None and Provenance.from_json(None) is None
    assert provenance.header().startswith("# statistics: brown:test, 116,062 tokens, 4,987 distinct words, 3.0% unknown")
    assert provenance.short() == "stats brown:test · 116k tokens · 3.0% unknown · brown-lstm@01234567 · engine 2"


def test_more_than_a_fifth_unknown_is_out_of_domain():
    assert _provenance(UNKNOWN_WARNING).unknown_warning() is None
    warning = _provenance(0.35).unknown_warning()
    assert warning is not None and "35%" in warning and "out-of-domain" in warning


def test_the_hover_footer_names_the_statistics():
    data = HoverData(token="good", norm="good", index=0, model="m", view=NAME, kept_rate=0.5, moved=[], output={},
                     provenance=_provenance().short())
    assert render_hover(data, image=False).splitlines()[-1] == (
        "_stats brown:test · 116k tokens · 3.0% unknown · brown-lstm@01234567 · engine 2_")


def test_a_words_profile_carries_the_percentiles_of_its_kept_samples_per_unit():
    words = ["<pad>", "<unk>", "good", "rare"]
    stats = ResponseStats.empty(words, np.arange(len(words)), {NAME: 2}, np.array([2]), sketch_size=101)
    stats.count[2] = stats.count[3] = 101
    # 101 occurrences of "good": unit 0 takes 0..100, unit 1 minus that; every one is kept (size 101).
    samples = np.arange(101, dtype=np.float32)
    stats.sketch.offer(np.full(101, 0), np.linspace(0, 0.99, 101), {NAME: np.stack([samples, -samples], axis=1)})
    profile = explain_word(stats, NAME, 2, "good")
    assert profile.percentiles is not None and profile.percentiles.shape == (5, 2)
    # Weibull positions p(n + 1) (quantile_sketch.percentiles): the 9th of 0..100 is 8.18, not 9.
    expected = np.percentile(samples, [9, 25, 50, 75, 91], method="weibull")
    np.testing.assert_allclose(profile.percentiles[:, 0], expected, rtol=1e-6)
    np.testing.assert_allclose(profile.percentiles[:, 1], -expected[::-1], rtol=1e-6)
    assert explain_word(stats, NAME, 3, "rare").percentiles is None  # not a sketched word
