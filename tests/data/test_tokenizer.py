"""Tokenisation keeps exact spans and never fails on odd text."""

from hypothesis import given
from hypothesis import strategies as st
from rnnlens.data.tokenizer import NUMBER_SYMBOL, tokenize


def test_spans_point_back_into_the_text():
    text = "I love the food, though the staff isn't helpful!"
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["I", "love", "the", "food", ",", "though", "the", "staff", "isn't",
                                        "helpful", "!"]
    assert all(text[t.start:t.end] == t.text for t in tokens)
    assert tokens[0].norm == "i"


def test_numbers_map_to_the_number_symbol_and_words_lowercase():
    tokens = tokenize("In 1961, 3.5 million Voters")
    assert [t.norm for t in tokens] == ["in", NUMBER_SYMBOL, ",", NUMBER_SYMBOL, "million", "voters"]


def test_curly_apostrophes_and_hyphens_stay_inside_words():
    tokens = tokenize("Don’t over-all")
    assert [t.norm for t in tokens] == ["don't", "over-all"]


def test_emoji_cjk_and_combining_marks():
    text = "café 👍🏽 family 👨‍👩‍👧 日本語 e\u0301t\u00e9"
    tokens = tokenize(text)
    assert all(text[t.start:t.end] == t.text for t in tokens)
    texts = [t.text for t in tokens]
    assert "👍🏽" in texts and "👨‍👩‍👧" in texts  # one token per visible emoji
    assert "e\u0301t\u00e9" in texts  # a combining accent does not split the word


def test_punctuation_is_its_own_token():
    assert [t.text for t in tokenize('"Yes," she said...')] == ['"', "Yes", ",", '"', "she", "said", ".", ".", "."]


def test_empty_and_whitespace_only_text_give_no_tokens():
    assert tokenize("") == []
    assert tokenize(" \n\t ") == []


@given(st.text())
def test_any_text_tokenises_with_valid_spans(text):
    previous_end = 0
    for token in tokenize(text):
        assert text[token.start:token.end] == token.text
        assert token.start >= previous_end and token.end > token.start
        assert token.text.strip() == token.text
        previous_end = token.end
