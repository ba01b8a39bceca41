"""Golden vectors: protocol/golden/*.msgpack decode to their .json description and re-encode byte for
byte (extension/src/protocol/golden.test.ts checks the same files from TypeScript)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from rnnlens.protocol import SCHEMA, decode_message, encode_message, to_json_description

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "protocol" / "golden"
NAMES = sorted(path.stem for path in GOLDEN.glob("*.msgpack"))


def _golden_samples():
    spec = importlib.util.spec_from_file_location("protocol_golden_samples", ROOT / "protocol" / "golden_samples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_there_is_a_golden_vector_for_every_message_type():
    assert NAMES == sorted(SCHEMA["messages"])


@pytest.mark.parametrize("name", NAMES)
def test_golden_decodes_to_its_description_and_reencodes_identically(name):
    frame = (GOLDEN / f"{name}.msgpack").read_bytes()
    message = decode_message(frame, direction=SCHEMA["messages"][name]["direction"])
    expected = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    assert to_json_description(message) == expected
    assert encode_message(message) == frame


@pytest.mark.parametrize("name", NAMES)
def test_golden_is_what_the_sample_encodes_to_now(name):
    """A codec change that alters bytes must be deliberate: regenerate with protocol/golden_samples.py."""
    sample = _golden_samples().samples()[name]
    assert encode_message(sample) == (GOLDEN / f"{name}.msgpack").read_bytes()
