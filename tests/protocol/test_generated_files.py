"""The generated Python and TypeScript message files match protocol/messages.json."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


generate = _load("protocol_generate", ROOT / "protocol" / "generate.py")


def test_generated_files_are_current():
    for path, text in generate.outputs(generate.load_schema()).items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run python protocol/generate.py"


def test_check_mode_reports_a_stale_file(tmp_path, monkeypatch):
    stale = tmp_path / "messages.py"
    stale.write_text("# edited by hand\n")
    monkeypatch.setattr(generate, "PYTHON_OUT", stale)
    assert generate.main(["--check"]) == 1
    assert stale.read_text() == "# edited by hand\n"


def test_python_module_carries_the_schema_and_version():
    from rnnlens.protocol import messages

    schema = generate.load_schema()
    assert messages.SCHEMA == schema
    assert messages.PROTOCOL_VERSION == schema["version"]
    assert messages.SERVER_MESSAGE_TYPES | messages.PANEL_MESSAGE_TYPES == set(schema["messages"])
    assert messages.PANEL_ENDPOINT_NOTIFICATION == "rnnlens/panelEndpoint"


def test_every_message_has_a_python_and_typescript_type():
    from rnnlens.protocol import messages

    ts = (ROOT / "extension" / "src" / "protocol" / "messages.ts").read_text(encoding="utf-8")
    for name, spec in generate.load_schema()["messages"].items():
        cls = generate.class_name(name)
        annotations = getattr(messages, cls).__annotations__
        assert list(annotations) == ["type", *(["id"] if spec.get("request") else []), *spec["fields"]]
        assert f"export interface {cls} {{" in ts and f"export function is{cls}(" in ts
