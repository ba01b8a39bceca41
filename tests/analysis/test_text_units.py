"""Documents in units: where the state restarts, on planted texts whose units are known."""

import numpy as np
import pytest
from rnnlens.analysis.text_units import default_reset, reset_mask, resolve_reset, unit_spans, unit_starts
from rnnlens.data.tokenizer import tokenize


def _starts(text: str, reset: str) -> list[int]:
    tokens = tokenize(text)
    return unit_starts(text, [t.start for t in tokens], reset).tolist()


def test_lines_restart_at_every_lsp_line_break_only():
    # \r\n, \r and \n end lines; a form feed, U+2028 and U+0085 do not (LSP's lines, not str.splitlines)
    text = "good film\r\nbad\x0cplot\u2028here\rfine\n\nlast one"
    tokens = [t.text for t in tokenize(text)]
    starts = _starts(text, "lines")
    assert [tokens[i] for i in starts] == ["good", "bad", "fine", "last"]


def test_paragraphs_restart_after_blank_lines():
    text = "one two\nthree\n\nfour five\n  \t\n\nsix\nseven"
    tokens = [t.text for t in tokenize(text)]
    assert [tokens[i] for i in _starts(text, "paragraphs")] == ["one", "four", "six"]


def test_none_is_one_unit_and_leading_breaks_do_not_make_empty_units():
    assert _starts("a b\nc", "none") == [0]
    assert _starts("\n\n\na b\n\n", "lines") == [0]
    assert unit_starts("", [], "lines").size == 0


def test_spans_and_mask_agree():
    starts = np.array([0, 3, 5])
    assert unit_spans(starts, 8) == [(0, 3), (3, 5), (5, 8)]
    assert reset_mask(starts, 8).tolist() == [True, False, False, True, False, True, False, False]


def test_defaults_follow_the_task():
    assert default_reset("classifier") == "lines" and default_reset("lm") == "none"
    assert resolve_reset(None, "classifier") == "lines" and resolve_reset("auto", "lm") == "none"
    assert resolve_reset("paragraphs", "lm") == "paragraphs"
    with pytest.raises(ValueError, match="reset must be one of"):
        resolve_reset("sentences", "lm")
