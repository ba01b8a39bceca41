"""The standalone page: the built bundle is served, nothing outside its folder, a placeholder when unbuilt."""

from __future__ import annotations

from pathlib import Path

import pytest
from rnnlens.stream import start_stream
from rnnlens.stream.panel_files import resolve_panel_file
from stream_helpers import raw_http


@pytest.fixture
def panel(tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_text("outside")
    folder = tmp_path / "panel"
    folder.mkdir()
    (folder / "index.html").write_text("<html>panel</html>")
    (folder / "panel.js").write_text("console.log('panel')")
    (folder / "panel.css").write_text("body{}")
    (folder / ".hidden").write_text("dotfile")
    (folder / "link.txt").symlink_to(tmp_path / "secret.txt")
    return folder


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/link.txt",
                                  "/.hidden", "//etc/passwd", "/panel.js%00.html", "/..\\secret.txt",
                                  "/nothing.js"])
def test_paths_outside_or_hidden_resolve_to_nothing(panel: Path, path: str):
    assert resolve_panel_file(panel, path) is None


def test_bundle_files_resolve(panel: Path):
    assert resolve_panel_file(panel, "/") == (panel / "index.html").resolve()
    assert resolve_panel_file(panel, "/panel.js?v=3") == (panel / "panel.js").resolve()


async def test_page_and_bundle_are_served_and_traversal_is_not(service, panel: Path):
    server = await start_stream(service, dict, serve_page=True, panel_dir=panel)
    try:
        status, body = await raw_http(server.port, f"/?token={server.token}")
        assert status == 200 and body.endswith(b"<html>panel</html>")
        assert body.startswith(b'<meta http-equiv="Content-Security-Policy"')
        status, body = await raw_http(server.port, "/panel.js")
        assert (status, body) == (200, b"console.log('panel')")
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/link.txt"):
            status, body = await raw_http(server.port, path)
            assert status == 404 and b"outside" not in body
    finally:
        await server.close()


async def test_placeholder_page_says_how_to_build_when_the_bundle_is_missing(service, tmp_path: Path):
    server = await start_stream(service, dict, serve_page=True, panel_dir=tmp_path / "not-built")
    try:
        status, body = await raw_http(server.port, "/")
        assert status == 200 and b"npm run build" in body
    finally:
        await server.close()
