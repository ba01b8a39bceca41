"""modelPaths declares the code RNN Lens may import, so the language server takes it from
initializationOptions only: workspace/configuration and didChangeConfiguration can carry a
project's settings (Neovim project configs and the like), and there it is ignored, with a log line."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import CONFIG, execute, hover, initialize, open_document, wait_until

URI = "file:///tmp/rnnlens-model-paths/notes.txt"
TEXT = "the food was good .\n"


def entry_point(folder: Path, name: str) -> str:
    """A file entry point that leaves `<name>.ran` next to itself when imported."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text("import pathlib\npathlib.Path(__file__).with_suffix('.ran').write_text('x')\n"
                    "def load():\n    raise ValueError('not a real model')\n")
    return f"{path}:load"


@pytest.fixture(scope="module")
def entry_points(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {name: tmp_path_factory.mktemp(name) for name in ("declared", "workspace")}


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient, tiny_models: Path, workspace: Path, entry_points: dict[str, Path]):
    from_workspace = entry_point(entry_points["workspace"], "project")
    lsp_client.set_configuration({"model": from_workspace, "modelPaths": [from_workspace]}, section="rnnlens")
    await initialize(lsp_client, workspace, {
        "model": "tiny-gru-lm", "modelPaths": [str(tiny_models), entry_point(entry_points["declared"], "user")]})
    yield lsp_client
    await lsp_client.shutdown_session()


def logs(client: LanguageClient, text: str) -> list[str]:
    return [m.message for m in client.log_messages if text in m.message]


async def test_model_paths_from_workspace_configuration_is_ignored_with_a_log_line(client, entry_points):
    await wait_until(lambda: logs(client, "ignored rnnlens.modelPaths"))
    line = logs(client, "ignored rnnlens.modelPaths")[0]
    assert "initializationOptions" in line and "\n" not in line
    # the model setting from the same place names the undeclared entry point: an unknown model
    open_document(client, URI, TEXT)
    assert await hover(client, URI, 0, 5) is None
    await wait_until(lambda: any("unknown model" in m.message for m in client.messages))
    assert not (entry_points["workspace"] / "project.ran").exists()


async def test_model_paths_from_initialization_options_are_honoured(client, entry_points):
    listing = await execute(client, "selectModel")
    names = {row["name"]: row for row in listing["models"]}
    assert "tiny-gru-lm" in names  # the folder declared in initializationOptions
    declared = next(name for name in names if name.endswith("user.py:load"))
    assert "not a real model" in names[declared]["error"]
    assert (entry_points["declared"] / "user.ran").exists()  # declared there: imported
    assert not any(name.endswith("project.py:load") for name in names)
    assert not (entry_points["workspace"] / "project.ran").exists()


async def test_pushed_model_paths_are_ignored_too_and_the_declared_ones_stay(client, entry_points):
    pushed = entry_point(entry_points["workspace"], "pushed")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"rnnlens": {"model": "tiny-gru-lm", "modelPaths": [pushed]}}))
    await wait_until(lambda: logs(client, "pushed.py"))
    result = await hover(client, URI, 0, 5)  # tiny-gru-lm comes from initializationOptions' folder
    assert result is not None and "food" in result.contents.value
    assert not (entry_points["workspace"] / "pushed.ran").exists()
