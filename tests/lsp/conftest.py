"""Shared helpers for the end-to-end language-server tests: a real `rnnlens lsp` over stdio."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

# One analysis cache per test run, shared by every server the tests start (a real user cache too).
CACHE = tempfile.mkdtemp(prefix="rnnlens-lsp-tests-")
SERVER_ENV = {**os.environ, "RNNLENS_CACHE": CACHE}
SERVER_COMMAND = [sys.executable, "-m", "rnnlens", "lsp"]

CORPUS = ("the food was good and the staff was helpful . i love it . the movie was bad but the staff was great . "
          "the food is not good , though . i love the movie ! it was terrible . was it good ? ") * 20


def recording_client() -> LanguageClient:
    """The pytest-lsp client, plus handlers that record our custom status and inlay refresh requests."""
    client = make_test_lsp_client()
    client.statuses = []  # type: ignore[attr-defined]
    client.inlay_refreshes = 0  # type: ignore[attr-defined]

    @client.feature("rnnlens/status")
    def status(client_: LanguageClient, params: Any) -> None:
        client.statuses.append(_plain(params))  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def refresh(client_: LanguageClient, params: Any) -> None:
        client.inlay_refreshes += 1  # type: ignore[attr-defined]

    return client


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {k: _plain(v) for k, v in vars(value).items()}
    return value


CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, server_env=SERVER_ENV, client_factory=recording_client)


def capabilities(refresh: bool = True) -> types.ClientCapabilities:
    """Neovim's capabilities with inlay hints (and their refresh) switched on or off."""
    caps = client_capabilities("neovim")
    # VS Code counts UTF-16 code units (Neovim offers UTF-8 first; pygls would pick that).
    caps.general = types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16])
    caps.workspace = caps.workspace or types.WorkspaceClientCapabilities()
    caps.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(refresh_support=refresh)
    caps.workspace.configuration = True
    caps.text_document = caps.text_document or types.TextDocumentClientCapabilities()
    caps.text_document.inlay_hint = types.InlayHintClientCapabilities(
        resolve_support=types.ClientInlayHintResolveOptions(properties=["tooltip"]))
    caps.window = caps.window or types.WindowClientCapabilities()
    caps.window.work_done_progress = True
    return caps


def make_workspace(root: Path) -> Path:
    """A workspace folder with a text file to evaluate the tiny models on."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "corpus.txt").write_text(CORPUS, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of text files for the workspace commands, one per test module."""
    return make_workspace(tmp_path_factory.mktemp("ws"))


async def initialize(client: LanguageClient, workspace: Path, options: dict[str, Any],
                     refresh: bool = True) -> types.InitializeResult:
    return await client.initialize_session(types.InitializeParams(
        capabilities=capabilities(refresh), initialization_options=options,
        root_uri=workspace.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")]))


def open_document(client: LanguageClient, uri: str, text: str, language: str = "plaintext", version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version, text=text)))


async def wait_until(predicate: Any, timeout: float = 60.0, interval: float = 0.05) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        await asyncio.sleep(interval)


def ready_count(client: LanguageClient) -> int:
    return sum(1 for s in client.statuses if s.get("clusters") == "ready")  # type: ignore[attr-defined]


async def wait_for_clusters(client: LanguageClient, timeout: float = 120.0, after: int = 0) -> None:
    """Wait for a "clusters ready" status beyond the first `after` ones."""
    await wait_until(lambda: ready_count(client) > after, timeout)


async def evaluate_and_wait(client: LanguageClient, *arguments: Any) -> Any:
    """Evaluate, choose those statistics (rnnlens.corpus, as a user does: evaluating alone changes
    nothing), then wait for the clusters made from them (not older ones)."""
    before = ready_count(client)
    result = await execute(client, "evaluate", *arguments)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"rnnlens": {"corpus": result["setting"]}}))
    await wait_for_clusters(client, after=before)
    return result


async def execute(client: LanguageClient, command: str, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=f"rnnlens.server.{command}", arguments=list(arguments)))


async def inlay(client: LanguageClient, uri: str, first_line: int = 0, last_line: int = 10_000) -> list[types.InlayHint]:
    result = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(types.Position(first_line, 0), types.Position(last_line, 0))))
    return list(result or [])


async def hover(client: LanguageClient, uri: str, line: int, character: int) -> types.Hover | None:
    return await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character)))
