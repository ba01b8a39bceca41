"""Input files are checked before they are read, and one size limit is shared by every front end.

Each case failed on the old code: /dev/zero was read until MemoryError, a FIFO blocked forever,
and a text of any size was analysed (a 20 MB file asked 22 GB).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from rnnlens.cli.main import main
from rnnlens.data.corpora import read_analysed_text, read_text_file
from rnnlens.errors import RnnLensError
from rnnlens.limits import MAX_TEXT_CHARS, MAX_TEXT_FILE_BYTES, TextTooLarge, check_text_size
from rnnlens.lsp.settings import DEFAULT_MAX_DOCUMENT_SIZE, Settings, apply_settings
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import AnalysisService

LIMIT_NAME = "rnnlens.limits.MAX_TEXT_CHARS"


def _read_within(path: Path, seconds: float = 10.0) -> str:
    """The error message of reading `path`, failing (not hanging) if the read blocks."""
    outcome: list[str] = []

    def read() -> None:
        try:
            read_analysed_text(path)
            outcome.append("read without error")
        except RnnLensError as exc:
            outcome.append(str(exc))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(seconds)
    assert outcome, f"reading {path} blocked for {seconds} s"
    return outcome[0]


def test_a_device_is_refused_before_reading():
    assert "not a regular file (a character device)" in _read_within(Path("/dev/zero"))


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert "not a regular file (a FIFO or pipe)" in _read_within(fifo)


def test_a_folder_and_a_missing_file(tmp_path: Path):
    assert "is a folder" in _read_within(tmp_path)
    assert "file not found" in _read_within(tmp_path / "nope.txt")


def test_an_oversize_file_is_refused_from_its_size_alone(tmp_path: Path):
    sparse = tmp_path / "huge.txt"
    with sparse.open("wb") as handle:  # a sparse file: takes no disk, would take memory if read
        handle.truncate(MAX_TEXT_FILE_BYTES + 1)
    message = _read_within(sparse)
    assert f"{MAX_TEXT_FILE_BYTES + 1:,} bytes" in message and LIMIT_NAME in message
    assert f"{MAX_TEXT_CHARS:,} characters" in message


def test_a_text_over_the_limit_in_characters_is_refused_naming_the_limit(tmp_path: Path):
    path = tmp_path / "long.txt"
    path.write_text("a " * (MAX_TEXT_CHARS // 2) + "b")
    message = _read_within(path)
    assert f"{MAX_TEXT_CHARS + 1:,} characters" in message and LIMIT_NAME in message
    with pytest.raises(TextTooLarge, match="size limit"):
        check_text_size("x" * (MAX_TEXT_CHARS + 1))
    check_text_size("x" * MAX_TEXT_CHARS)  # at the limit: fine


def test_binary_and_non_utf8_files(tmp_path: Path):
    binary, latin = tmp_path / "blob.bin", tmp_path / "latin.txt"
    binary.write_bytes(b"PK\x03\x04\x00\x00" * 10)
    latin.write_bytes("caf\xe9".encode("latin-1"))
    assert "binary file (it has NUL bytes)" in _read_within(binary)
    assert "not UTF-8" in _read_within(latin)


def test_corpus_files_keep_their_own_larger_bound(tmp_path: Path):
    path = tmp_path / "corpus.txt"
    path.write_text("the food was good\n")
    assert read_text_file(path) == "the food was good\n"
    with pytest.raises(RnnLensError, match="corpus file"):
        read_text_file(path, max_bytes=4)


def test_the_cli_refuses_in_one_line(tiny_models: Path, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target, message in ((fifo, "not a regular file"), (Path("/dev/zero"), "not a regular file")):
        code = main(["analyze", str(target), "--model", "tiny-gru-lm", "--model-path", str(tiny_models)])
        err = capsys.readouterr().err
        assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_the_service_refuses_a_text_over_the_limit_for_every_front_end(tiny_models: Path, tmp_path: Path):
    service = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path)
    with pytest.raises(TextTooLarge, match=LIMIT_NAME.replace(".", r"\.")):
        service.analyze_text("tiny-gru-lm", "food " * (MAX_TEXT_CHARS // 5 + 1))


def test_the_language_server_setting_cannot_pass_the_limit():
    assert DEFAULT_MAX_DOCUMENT_SIZE == MAX_TEXT_CHARS
    settings, problems = apply_settings(Settings(), {"maxDocumentSize": MAX_TEXT_CHARS + 1})
    assert settings.max_document_size == MAX_TEXT_CHARS and "maxDocumentSize" in problems[0]
    settings, problems = apply_settings(Settings(), {"maxDocumentSize": 1000})
    assert settings.max_document_size == 1000 and not problems
