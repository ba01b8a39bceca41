"""'Evaluate corpus -> Workspace text files' reads each file once (clients send the same folder as
rootUri and as a workspace folder) and reports the distinct words actually seen."""

from __future__ import annotations

from pathlib import Path

import pytest_lsp
from pytest_lsp import LanguageClient
from rnnlens.lsp.commands import workspace_files, workspace_roots

from tests.lsp.conftest import CONFIG, execute, initialize


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient, tiny_models: Path, workspace: Path):
    await initialize(lsp_client, workspace, {"model": "tiny-gru-lm", "modelPaths": [str(tiny_models)]})
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_workspace_files_are_counted_once(client: LanguageClient, workspace: Path):
    one_file = await execute(client, "evaluate", {"corpus": str(workspace / "corpus.txt")})
    whole_workspace = await execute(client, "evaluate")  # the workspace folder is also the rootUri
    assert "error" not in whole_workspace, whole_workspace
    assert whole_workspace["tokens"] == one_file["tokens"]


async def test_distinct_words_are_the_words_seen_not_the_vocabulary(client: LanguageClient, tmp_path: Path):
    small = tmp_path / "small.txt"
    small.write_text("the food was good . the food was bad .\n", encoding="utf-8")
    result = await execute(client, "evaluate", {"corpus": str(small)})
    assert 1 <= result["words"] <= 6  # the, food, was, good, bad, "." of a vocabulary of 20-odd words


def test_roots_and_files_are_deduplicated_by_resolved_path(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "sub" / "b.md").write_text("b")
    (tmp_path / "link").symlink_to(tmp_path / "sub")
    roots = workspace_roots([tmp_path.as_uri(), tmp_path.as_uri() + "/", (tmp_path / "sub").as_uri()])
    assert len(roots) == 2
    files = workspace_files(roots)
    assert sorted(path.name for path in files) == ["a.txt", "b.md"]  # sub/ and link/ hold the same file
