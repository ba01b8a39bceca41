"""Odd text never crashes the model path: empty, huge single lines, unknown words, binary files."""

import pytest
import torch
from rnnlens.data.corpora import read_text_file
from rnnlens.errors import RnnLensError
from rnnlens.models.storage import load_model


@pytest.fixture(scope="module")
def model(tiny_models):
    return load_model(tiny_models / "tiny-lstm-lm")


def test_empty_text_gives_an_empty_trace(model):
    tokens, trace = model.trace_text("   \n")
    assert tokens == []
    assert trace["layer2.c"].shape == (1, 0, model.hidden_size)


def test_unknown_words_are_traced_as_unk(model):
    tokens, trace = model.trace_text("zyzzyva quokka")
    assert model.encode(tokens) == [model.vocab.unk_id] * 2
    assert trace["layer1.h"].shape[1] == 2


def test_a_one_megabyte_line_tokenises_with_exact_spans(model):
    text = "the food was good but the staff " * 32_000  # ~1 MB, no newline
    tokens = model.tokenize(text)
    assert len(tokens) == 7 * 32_000
    assert text[tokens[-1].start:tokens[-1].end] == "staff"


def test_long_text_can_be_traced_in_chunks_without_outputs(model):
    tokens, whole = model.trace_text("the food was good but the staff " * 300, outputs=False)
    ids = torch.tensor([model.encode(tokens)])
    first = model.trace(ids[:, :1000], outputs=False)
    second = model.trace(ids[:, 1000:], initial=first.final_state, outputs=False)
    assert whole.outputs is None
    assert torch.allclose(second["layer2.c"], whole["layer2.c"][:, 1000:], atol=1e-5)


def test_binary_and_non_utf8_files_get_clear_errors(tmp_path):
    binary = tmp_path / "weights.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(RnnLensError, match="binary"):
        read_text_file(binary)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café".encode("latin-1"))
    with pytest.raises(RnnLensError, match="not UTF-8"):
        read_text_file(latin)
    with pytest.raises(RnnLensError, match="file not found"):
        read_text_file(tmp_path / "missing.txt")
