"""The hover says what each memory chip does at the token (cluster ablation) and which earlier
words drive the output (integrated gradients), through a real `rnnlens lsp` over stdio, on the
sample models brown-lstm (a language model) and rt-gru (a sentiment classifier)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import CONFIG, hover, initialize, open_document, wait_for_clusters

LM_URI = "file:///tmp/rnnlens-hover-effects/notes.txt"
LM_TEXT = "The committee said that the new law would be passed next year .\nIt was not .\n"
REVIEW_URI = "file:///tmp/rnnlens-hover-effects/review.txt"
REVIEW_TEXT = "a dull, lifeless film\n"
SIGNED = r"[+-]\d+\.\d+"


async def _open_with_clusters(client: LanguageClient, workspace: Path, model: str, uri: str, text: str) -> None:
    """A server on `model` (text-only hovers) with `text` open and its clusters ready."""
    await initialize(client, workspace, {"model": model, "hover": {"image": False}})
    open_document(client, uri, text)
    await wait_for_clusters(client)


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def lm(lsp_client: LanguageClient, workspace: Path):
    await _open_with_clusters(lsp_client, workspace, "brown-lstm", LM_URI, LM_TEXT)
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def classifier(lsp_client: LanguageClient, workspace: Path):
    await _open_with_clusters(lsp_client, workspace, "rt-gru", REVIEW_URI, REVIEW_TEXT)
    yield lsp_client
    await lsp_client.shutdown_session()


async def hover_text(client: LanguageClient, uri: str, text: str, word: str) -> str:
    line_number = next(i for i, line in enumerate(text.splitlines()) if word in line)
    result = await hover(client, uri, line_number, text.splitlines()[line_number].index(word))
    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    return result.contents.value


def line_starting(markdown: str, prefix: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith(prefix))


def driving_words(markdown: str) -> list[tuple[str, float]]:
    """The (word, score) pairs of the hover's "words driving" line, strongest first."""
    listed = line_starting(markdown, "**words driving**").split("integrated gradients): ", 1)[1]
    return [(word, float(score)) for word, score in re.findall(rf"`([^`]+)` ({SIGNED})", listed)]


async def test_a_language_model_hover_shows_each_chips_effect_on_the_next_word_and_the_top_prediction(lm):
    markdown = await hover_text(lm, LM_URI, LM_TEXT, "law")
    assert "**what each chip does here**: layer 2's chips zeroed at this token, change in log-probability" in markdown
    next_word = line_starting(markdown, "next word `would`")  # the actual next word of the text
    chips = re.findall(rf"chip (\d) ({SIGNED})", next_word)
    assert len(chips) == 4 and "others within ±" in next_word  # the four strongest of k = 8
    sizes = [abs(float(value)) for _, value in chips]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > 0
    assert line_starting(markdown, "top prediction `") or "also the top prediction" in next_word


async def test_a_language_model_hover_names_the_earlier_words_that_drive_the_next_word(lm):
    markdown = await hover_text(lm, LM_URI, LM_TEXT, "law")
    head = line_starting(markdown, "**words driving**")
    assert head.startswith("**words driving** the next word `would` (the last 7 words of the line")
    words = driving_words(markdown)
    assert len(words) == 5
    assert {word for word, _ in words} <= set("The committee said that the new law".split())


async def test_the_window_stops_at_the_start_of_the_line(lm):
    markdown = await hover_text(lm, LM_URI, LM_TEXT, "not")
    assert "(the last 3 words of the line" in markdown  # "It was not", not the line above
    assert {word for word, _ in driving_words(markdown)} == {"It", "was", "not"}


async def test_a_classifier_hover_shows_each_chips_effect_on_the_class_probability(classifier):
    markdown = await hover_text(classifier, REVIEW_URI, REVIEW_TEXT, "film")
    assert "change in class probability at this token" in markdown  # "film" ends the line: the class is read here
    row = line_starting(markdown, "class `negative`")
    assert "(`positive` the opposite)" in row
    chips = [float(value) for _, value in re.findall(rf"chip (\d) ({SIGNED})", row)]
    assert chips[0] < -0.05  # zeroing the strongest chip makes the review less negative


async def test_the_negative_words_of_a_review_drive_its_negative_class(classifier):
    markdown = await hover_text(classifier, REVIEW_URI, REVIEW_TEXT, "film")
    assert line_starting(markdown, "**words driving**").startswith("**words driving** the class `negative`")
    words = driving_words(markdown)
    assert [word for word, _ in words[:2]] == ["dull", "lifeless"]
    assert all(score > 0 for _, score in words[:2])  # both raise the log-probability of "negative"


async def test_a_classifier_word_early_in_the_line_reads_the_class_at_the_lines_end(classifier):
    markdown = await hover_text(classifier, REVIEW_URI, REVIEW_TEXT, "dull")
    assert "read at the end of the line (token 5)" in markdown


async def test_attribution_can_be_switched_off_and_the_chips_stay(classifier):
    classifier.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"rnnlens": {"hover": {"attribution": False}}}))
    try:
        markdown = await hover_text(classifier, REVIEW_URI, REVIEW_TEXT, "film")
        assert "**words driving**" not in markdown
        assert "**what each chip does here**" in markdown
    finally:
        classifier.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"rnnlens": {"hover": {"attribution": True}}}))
