"""The results file of "Find similar memory patterns": what it says about parts of speech."""

from rnnlens.analysis.pattern_search import POS_UNKNOWN, MatchedSpan, PatternQuery, PatternSearch
from rnnlens.analysis.provenance import Provenance
from rnnlens.lsp.pattern_matches import results_text

PROVENANCE = Provenance(model="m", weights="0" * 12, corpus="c.txt", split=None, tokens=100, distinct_words=10,
                        unknown_rate=0.0, tokenizer="t@1")
QUERY = PatternQuery(state="layer1.h", threshold=0.1, units=[1, 2], tokens=["not", "good"], start=0, end=8)


def search(pos: list[str] | None, patterns: list[dict[str, object]]) -> PatternSearch:
    match = MatchedSpan(rank=1, document=0, start=4, end=12, text="not good", tokens=["not", "good"], score=1.0,
                        jaccard=1.0, shared=2, before="was ", after=" .", pos=pos)
    return PatternSearch("m", "c.txt", QUERY, [match], PROVENANCE, extra={"pos_patterns": patterns})


def test_matches_without_tags_say_where_tags_come_from_not_a_row_of_question_marks():
    text, spans = results_text(search(None, []))
    assert POS_UNKNOWN in text and "shared parts of speech" not in text
    assert text[spans[0][0]:spans[0][1]] == "not good"


def test_tagged_matches_list_their_shared_pattern():
    text, _ = results_text(search(["*", "JJ"], [{"pattern": "* JJ", "matches": 1}]))
    assert "shared parts of speech (majority Brown tags): * JJ (1)" in text and POS_UNKNOWN not in text
