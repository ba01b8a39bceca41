"""A cache folder that cannot be used (a file where a folder should be, folders where the entries
should be, another user's read-only files): the analysis still runs, uncached, with one notice."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from rnnlens.cli.main import main
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import AnalysisService
from rnnlens.store.cache import AnalysisCache

MODEL = "tiny-gru-lm"
NOBODY = 65534


def cache_notices(notices: list[str]) -> list[str]:
    return [n for n in notices if "analysis cache" in n]


def folders_where_entries_should_be(root: Path) -> int:
    """Every cache file replaced by a folder of the same name (with a file inside, so it is not empty)."""
    entries = [p for p in root.rglob("*") if p.is_file()]
    for path in entries:
        path.unlink()
        path.mkdir()
        (path / "inside").write_text("x")
    return len(entries)


# ----- the cache itself

def test_a_file_where_the_cache_folder_should_be_fails_no_save_and_reports_once(tmp_path):
    (tmp_path / "cache").write_text("not a folder")
    notices: list[str] = []
    cache = AnalysisCache(tmp_path / "cache", report=notices.append)
    for key in ("a", "b", "c"):
        cache.save("stats", key, {"x": np.ones(3)}, {"n": 1})
        assert cache.load("stats", key) is None
    assert len(notices) == 1
    assert str(tmp_path / "cache") in notices[0] and "without caching" in notices[0] and "\n" not in notices[0]


def test_folders_where_entries_should_be_are_left_alone_and_reported_once(tmp_path):
    notices: list[str] = []
    AnalysisCache(tmp_path).save("stats", "k", {"x": np.ones(3)}, {"n": 1})
    assert folders_where_entries_should_be(tmp_path) == 2
    cache = AnalysisCache(tmp_path, report=notices.append)
    assert cache.load("stats", "k") is None
    cache.save("stats", "k", {"x": np.ones(3)}, {"n": 1})
    assert cache.load("stats", "k") is None
    assert len(notices) == 1 and "without caching" in notices[0]
    assert (tmp_path / "stats" / "k.json" / "inside").exists()  # not "corrupt": nothing of ours removed


def test_a_usable_cache_still_reports_nothing(tmp_path):
    notices: list[str] = []
    cache = AnalysisCache(tmp_path, report=notices.append)
    cache.save("stats", "k", {"x": np.arange(3)}, {"n": 1})
    arrays, meta = cache.load("stats", "k") or ({}, {})
    assert np.array_equal(arrays["x"], np.arange(3)) and meta == {"n": 1} and notices == []


def test_the_service_analyses_without_a_usable_cache(tiny_models, tmp_path, corpus_file):
    (tmp_path / "cache").write_text("not a folder")
    service = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path / "cache",
                              corpus=[corpus_file])
    result = service.cocluster(MODEL, k=3)
    analysis = service.analyze_text(MODEL, "the food was good .", k=3)
    assert result.k == 3 and analysis is not None
    assert len(cache_notices(service.notices)) == 1


# ----- the command line, as a user meets it

@pytest.fixture()
def shared_dir() -> Iterator[Path]:
    """A folder another user can read (pytest's own temporary folders are private to root)."""
    path = Path(tempfile.mkdtemp(prefix="rnnlens-cache-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture()
def cli_inputs(shared_dir, tiny_models, corpus_file) -> dict[str, Path]:
    shutil.copytree(tiny_models / MODEL, shared_dir / "models" / MODEL)
    shutil.copy(corpus_file, shared_dir / "corpus.txt")
    (shared_dir / "notes.txt").write_text("the staff was not helpful , though i love the food .\n")
    for path in shared_dir.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return {"root": shared_dir, "cache": shared_dir / "cache"}


def analyze_args(inputs: dict[str, Path]) -> list[str]:
    root = inputs["root"]
    return ["analyze", str(root / "notes.txt"), "--model", MODEL, "--model-path", str(root / "models"),
            "--corpus", str(root / "corpus.txt"), "--clusters", "3"]


def populate(inputs: dict[str, Path], monkeypatch, capsys) -> str:
    """The expected output, from an in-process run that fills the cache (fast: torch is loaded)."""
    monkeypatch.setenv("RNNLENS_CACHE", str(inputs["cache"]))
    assert main(analyze_args(inputs)) == 0
    out = capsys.readouterr().out
    assert list((inputs["cache"] / "analysis").rglob("*.json"))
    return out


def run_cli(inputs: dict[str, Path], as_other_user: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "RNNLENS_CACHE": str(inputs["cache"]), "HOME": str(inputs["root"]),
           "RNNLENS_MODELS": str(inputs["root"] / "user-models")}
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if as_other_user else []
    return subprocess.run([*prefix, sys.executable, "-m", "rnnlens", *analyze_args(inputs)], env=env,
                          cwd=inputs["root"], capture_output=True, text=True, timeout=180)


def assert_ran_uncached_with_one_notice(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == expected
    notices = [line for line in result.stderr.splitlines() if "analysis cache" in line]
    assert len(notices) == 1 and "without caching" in notices[0], result.stderr


def test_cli_with_a_file_where_the_cache_folder_should_be(cli_inputs, monkeypatch, capsys):
    expected = populate(cli_inputs, monkeypatch, capsys)
    shutil.rmtree(cli_inputs["cache"] / "analysis")
    (cli_inputs["cache"] / "analysis").write_text("not a folder")
    assert_ran_uncached_with_one_notice(run_cli(cli_inputs), expected)


def test_cli_with_a_file_where_the_whole_cache_should_be(cli_inputs, monkeypatch, capsys):
    expected = populate(cli_inputs, monkeypatch, capsys)
    shutil.rmtree(cli_inputs["cache"])
    cli_inputs["cache"].write_text("RNNLENS_CACHE names a file")
    assert_ran_uncached_with_one_notice(run_cli(cli_inputs), expected)


def test_cli_with_folders_where_the_cache_entries_should_be(cli_inputs, monkeypatch, capsys):
    expected = populate(cli_inputs, monkeypatch, capsys)
    assert folders_where_entries_should_be(cli_inputs["cache"] / "analysis") > 0
    assert_ran_uncached_with_one_notice(run_cli(cli_inputs), expected)


def test_cli_with_another_users_read_only_cache(cli_inputs, monkeypatch, capsys):
    expected = populate(cli_inputs, monkeypatch, capsys)
    as_root = os.geteuid() == 0
    # setpriv is util-linux's (Debian's essential set): as root it is how the CLI runs as another user.
    assert not as_root or shutil.which("setpriv"), "root needs setpriv (util-linux) to run the CLI as another user"
    # The entries belong to this user, unreadable by others; the folders are read-only to others.
    # Run as another user (as root), or with our own permissions removed (as a normal user).
    for path in (cli_inputs["cache"] / "analysis").rglob("*"):
        path.chmod(0o555 if path.is_dir() else (0o600 if as_root else 0o000))
    if not as_root:
        (cli_inputs["cache"] / "analysis").chmod(0o555)
    try:
        assert_ran_uncached_with_one_notice(run_cli(cli_inputs, as_other_user=as_root), expected)
    finally:
        for path in [cli_inputs["cache"], *cli_inputs["cache"].rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
