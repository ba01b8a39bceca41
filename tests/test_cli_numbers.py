"""Numeric command-line options out of range or not numbers are one line naming the option, exit 2,
before any model loads (they used to reach the analysis and end in a traceback)."""

from __future__ import annotations

import argparse

import pytest
from rnnlens.cli.analysis_common import whole_number
from rnnlens.cli.main import main

BAD_OPTIONS = [
    (["analyze", "notes.txt", "--model", "m", "--top-k", "-1"], "--top-k", "at least 1, got -1"),
    (["analyze", "notes.txt", "--model", "m", "--top-k", "0"], "--top-k", "at least 1, got 0"),
    (["analyze", "notes.txt", "--model", "m", "--top-k", "1e400"], "--top-k", "got '1e400'"),
    (["analyze", "notes.txt", "--model", "m", "--clusters", "0"], "--clusters", "at least 2, got 0"),
    (["analyze", "notes.txt", "--model", "m", "--layer", "0"], "--layer", "at least 1, got 0"),
    (["analyze", "notes.txt", "--model", "m", "--layer", "two"], "--layer", "got 'two'"),
    (["cocluster", "--model", "m", "--words", "1"], "--words", "at least 2, got 1"),
    (["cocluster", "--model", "m", "-k", "-3"], "--clusters", "at least 2, got -3"),
    (["cocluster", "--model", "m", "--stability-runs", "1"], "--stability-runs", "at least 2, got 1"),
    (["snapshot", "--model", "m", "--words", "0"], "--words", "at least 2, got 0"),
    (["serve", "--port", "70000"], "--port", "from 0 to 65535, got 70000"),
    (["serve", "--clusters", "65"], "--clusters", "from 2 to 64, got 65"),
]


@pytest.mark.parametrize("argv, option, message", BAD_OPTIONS, ids=[" ".join(c[0][:1] + c[0][-2:]) for c in BAD_OPTIONS])
def test_a_bad_number_is_one_line_naming_the_option(argv, option, message, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.count("\n") == 1 and "Traceback" not in err and "usage:" not in err
    assert err.startswith(f"rnnlens {argv[0]}: error: argument {option}") and message in err


def test_whole_number_accepts_its_range_and_names_it_otherwise():
    parse = whole_number(2, 64)
    assert parse("2") == 2 and parse("64") == 64
    for text in ("1", "65", "3.5", "", "x"):
        with pytest.raises(argparse.ArgumentTypeError, match="from 2 to 64"):
            parse(text)
