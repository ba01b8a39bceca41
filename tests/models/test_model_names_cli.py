"""The real command line: a model name runs no code, a declared entry point's failure is one
line, and a folder path works wherever a model name does."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_model_dir

REPO = Path(__file__).resolve().parents[2]


def rnnlens(cwd, *args, env_extra=None):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update({"RNNLENS_CACHE": str(cwd / "cache"), "RNNLENS_MODELS": str(cwd / "user-models"), **(env_extra or {})})
    return subprocess.run([sys.executable, "-m", "rnnlens", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture()
def workdir(tmp_path):
    (tmp_path / "ok.txt").write_text("the food was good .\n")
    (tmp_path / "evilmod.py").write_text("import pathlib\npathlib.Path(__file__).with_name('RAN').write_text('x')\n"
                                         "def load():\n    raise SystemExit(0)\n")
    return tmp_path


@pytest.mark.parametrize("name", ["os:abort", "sys:exit", "_thread:interrupt_main", "evilmod:load"])
def test_an_entry_point_given_as_a_model_name_is_unknown_and_runs_nothing(workdir, name):
    result = rnnlens(workdir, "analyze", "ok.txt", "--model", name)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"rnnlens: error: unknown model {name!r}")
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert not (workdir / "RAN").exists()


@pytest.mark.parametrize("name, message", [
    ("sys:exit", "model 'sys:exit': exit() called sys.exit(None)"),
    ("_thread:interrupt_main", "interrupt_main() was interrupted (KeyboardInterrupt)"),
    ("evilmod:load", "it is not on this Python's path"),  # the working directory is not on sys.path
    ("evilmod.py:load", "load() called sys.exit(0)"),
])
def test_a_declared_entry_point_that_misbehaves_is_one_line(workdir, name, message):
    result = rnnlens(workdir, "analyze", "ok.txt", "--model", name, "--model-path", name)
    assert result.returncode == 2 and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert (workdir / "RAN").exists() == name.endswith(".py:load")  # only the file named explicitly ran


def test_a_model_folder_path_works_as_a_model_name(workdir):
    folder = make_model_dir(workdir / "elsewhere", "my-model", cell="gru")
    result = rnnlens(workdir, "analyze", "ok.txt", "--model", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    assert "food" in result.stdout
    relative = rnnlens(workdir, "analyze", "ok.txt", "--model", "elsewhere/my-model", "--json")
    assert relative.returncode == 0, relative.stderr


def test_a_declared_file_entry_point_is_analysed(workdir):
    (workdir / "lens.py").write_text("from tests.models.user_lstm import load\n")
    env = {"PYTHONPATH": str(REPO)}  # lens.py imports the test's model module from the checkout
    result = rnnlens(workdir, "models", "--json", "--model-path", "lens.py:load", env_extra=env)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["lens.py:load"].get("cell") == "lstm", rows["lens.py:load"]


def test_files_in_the_working_directory_never_replace_a_library(workdir):
    # `python -m` puts the working directory on sys.path; a workspace's safetensors.py must not load.
    (workdir / "safetensors.py").write_text("import pathlib\npathlib.Path(__file__).with_name('RAN').write_text('x')\n")
    result = rnnlens(workdir, "models", "--json")
    assert result.returncode == 0, result.stderr
    assert not (workdir / "RAN").exists()
