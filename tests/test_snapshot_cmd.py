"""`rnnlens snapshot`: a standalone panel page whose embedded frames are real protocol messages."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from pathlib import Path

import pytest
from rnnlens.cli.main import main
from rnnlens.data.tokenizer import tokenize
from rnnlens.protocol.codec import decode_message

MODEL = "rt-gru"  # the trained sample (a real co-clustering, cached after the first run)
TEXT = "The acting is wonderful, the plot is not."


@pytest.fixture(scope="module")
def panel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("panel")
    (folder / "panel.css").write_text("body { color: red }", encoding="utf-8")
    (folder / "panel.js").write_text("console.log('</script> must not end the element');", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def page(panel_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("snap") / "panel.html"
    assert main(["snapshot", "--model", MODEL, "-k", "4", "--text", TEXT, "--panel-dir", str(panel_dir),
                 "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def frames(page: str) -> list[dict]:
    body = re.search(r'<script type="text/plain" id="rnnlens-snapshot">(.*?)</script>', page, re.S)
    assert body is not None
    return [decode_message(base64.b64decode(line), "server") for line in body.group(1).split()]


def test_embeds_hello_view_and_glyphs_as_protocol_messages(page: str) -> None:
    messages = frames(page)
    assert [m["type"] for m in messages] == ["hello", "cocluster_view", "glyph_view"]
    view = messages[1]["view"]
    assert view["model"] == MODEL and view["k"] == 4
    assert sorted(set(view["unit_labels"].tolist())) == [0, 1, 2, 3]
    glyphs = messages[2]["glyphs"]
    assert [t["text"] for t in glyphs["tokens"]] == [t.text for t in tokenize(TEXT)]
    assert glyphs["positive"].shape == (len(glyphs["tokens"]), 4)


def test_inlines_the_bundle_so_no_script_can_end_early(page: str) -> None:
    assert "body { color: red }" in page
    assert "<\\/script> must not end the element" in page
    assert page.count("</script>") == 2  # the frames element and the bundle's own


def policy_of(page: str) -> dict[str, list[str]]:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert match, "the snapshot carries its Content-Security-Policy"
    parts = (part.split() for part in html.unescape(match.group(1)).split(";"))
    return {part[0]: part[1:] for part in parts if part}


def inline_hash(page: str, pattern: str) -> str:
    body = re.search(pattern, page, re.S)
    assert body is not None
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.group(1).encode()).digest()).decode() + "'"


def test_policy_allows_exactly_the_inlined_script_and_styles_and_no_connection(page: str) -> None:
    policy = policy_of(page)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == [inline_hash(page, r"<script>(.*?)</script>")]
    assert policy["style-src"] == [inline_hash(page, r"<style>(.*?)</style>")]
    assert policy["connect-src"] == ["'none'"]
    assert not any("unsafe" in s or s == "*" for sources in policy.values() for s in sources)
    # The policy is in force before the first element that loads or runs anything.
    assert page.index("Content-Security-Policy") < page.index("<style>")


def test_styles_cannot_end_their_element_early(tmp_path: Path) -> None:
    from rnnlens.cli.snapshot_cmd import snapshot_html

    page = snapshot_html("a::after { content: '</style><script>alert(1)</script>' }", "run()", [], "t")
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style is not None and style.group(1).endswith("alert(1)</script>' }")  # the whole rule, one element
    assert policy_of(page)["style-src"] == [inline_hash(page, r"<style>(.*?)</style>")]


def test_missing_bundle_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "--model", MODEL, "--panel-dir", str(tmp_path), "-o", str(tmp_path / "x.html")]) == 2
    error = capsys.readouterr().err
    assert "panel.js" in error and "npm run build" in error


def test_empty_text_file_is_a_clear_error(panel_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    assert main(["snapshot", "--model", MODEL, "--text-file", str(empty), "--panel-dir", str(panel_dir),
                 "-o", str(tmp_path / "x.html")]) == 2
    assert "empty" in capsys.readouterr().err
