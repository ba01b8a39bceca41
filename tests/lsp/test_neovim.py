"""A real third-party editor: headless Neovim starts `rnnlens lsp`, opens a file, and gets a hover
and inlay hints whose UTF-16 positions are checked (Neovim 0.7 counts UTF-16 code units)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.lsp.conftest import CACHE, make_workspace

LUA = Path(__file__).with_name("neovim_client.lua")
TEXT = "the 😀 food was good .\nthe staff was helpful .\n"


def test_neovim_gets_hover_and_inlay_hints_at_the_right_places(tmp_path: Path, tiny_models: Path):
    nvim = shutil.which("nvim")
    assert nvim, "Neovim is needed: run scripts/install_system_deps.sh"
    workspace = make_workspace(tmp_path / "ws")
    document = workspace / "review.md"  # Neovim's language id for .txt is "text"; markdown is analysed by default
    document.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "result.json"
    # The statistics are chosen as the command below evaluates them: the workspace's text files.
    options = {"model": "tiny-lstm-lm", "modelPaths": [str(tiny_models)], "clusters": 3,
               "corpus": [str(workspace / "corpus.txt"), str(document)],
               "inlayHints": {"density": "words"}, "hover": {"image": False}}
    env = {**os.environ, "RNNLENS_CACHE": CACHE, "RNNLENS_PYTHON": sys.executable, "RNNLENS_FILE": str(document),
           "RNNLENS_OUT": str(out), "RNNLENS_OPTIONS": json.dumps(options)}
    subprocess.run([nvim, "--headless", "--clean", "-c", f"luafile {LUA}"], env=env, timeout=300, check=True,
                   capture_output=True)
    result = json.loads(out.read_text())
    assert "error" not in result, result.get("error")
    assert result["filetype"] == "markdown"
    assert result["evaluate"]["tokens"] > 100
    hover = result["hover"]
    assert "**food**" in hover["contents"]["value"] and "kept rate" in hover["contents"]["value"]
    # "food" starts after "the ", a two-unit emoji and a space: UTF-16 column 7.
    assert hover["range"] == {"start": {"line": 0, "character": 7}, "end": {"line": 0, "character": 11}}
    positions = [(hint["position"]["line"], hint["position"]["character"]) for hint in result["inlay"]]
    assert positions == [(0, 3), (0, 11), (0, 15), (0, 20)]  # after the, food, was, good (words only)
    assert all(len(hint["label"]) == 3 for hint in result["inlay"])
