"""The results file of "Find similar memory patterns": every location covers its match's text, in
the client's column units, and the file is read-only."""

import os

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec
from rnnlens.analysis.pattern_search import MatchedSpan, PatternQuery, PatternSearch
from rnnlens.analysis.provenance import Provenance
from rnnlens.lsp.pattern_matches import write_results
from rnnlens.lsp.positions import lsp_lines

PROVENANCE = Provenance(model="m", weights="0" * 12, corpus="c.txt", split=None, tokens=10, distinct_words=5,
                        unknown_rate=0.0, tokenizer="t@0")


def search() -> PatternSearch:
    query = PatternQuery("layer1.h", 0.3, [1, 4], ["the", "food"], 0, 8)
    matches = [MatchedSpan(1, 0, 10, 18, "the food", ["the", "food"], 1.0, 1.0, 2, "I 😀 love\r\n\t", " a lot"),
               MatchedSpan(2, 3, 0, 9, "the\nstaff", ["the", "staff"], 0.5, 0.5, 1, "", "")]
    return PatternSearch("m", "c.txt", query, matches, PROVENANCE)


def test_every_location_covers_its_match_in_utf16_columns(tmp_path):
    data = write_results(tmp_path, search(), PositionCodec(types.PositionEncodingKind.Utf16))
    path = to_fs_path(data["uri"])
    lines = lsp_lines(open(path, encoding="utf-8").read())
    assert len(data["locations"]) == 2
    for location, text in zip(data["locations"], ["the food", "the staff"], strict=True):  # a line break shown as a space
        start, end = location["range"]["start"], location["range"]["end"]
        assert start["line"] == end["line"]
        line = lines[start["line"]].encode("utf-16-le")
        assert line[2 * start["character"]:2 * end["character"]].decode("utf-16-le") == text
    assert not os.access(path, os.W_OK) or os.geteuid() == 0
    assert oct(os.stat(path).st_mode & 0o777) == "0o444"


def test_a_second_search_replaces_the_read_only_file(tmp_path):
    codec = PositionCodec(types.PositionEncodingKind.Utf16)
    write_results(tmp_path, search(), codec)
    data = write_results(tmp_path, PatternSearch("m", "c.txt", search().query, [], PROVENANCE), codec)
    assert "no span of the corpus" in open(to_fs_path(data["uri"]), encoding="utf-8").read()
