"""One sample message of every type, the source of the golden vectors in protocol/golden/.

    python protocol/golden_samples.py   # rewrite protocol/golden/*.msgpack and *.json

The samples exercise what two encoders can disagree on: float16 and int32 arrays, empty and 2-D
arrays, nulls, integral floats, non-ASCII text, negative numbers, and a key unknown to the schema.
Python tests (tests/protocol/) and TypeScript tests (extension/src/protocol/golden.test.ts) decode
each .msgpack, compare it with the .json description, and re-encode it byte for byte.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "protocol" / "golden"
sys.path.insert(0, str(ROOT / "server"))

from rnnlens.protocol.codec import decode_message, encode_message, to_json_description  # noqa: E402


def _floats(seed: int, *shape: int, dtype: str = "float32") -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def _cursor() -> dict[str, Any]:
    return {"uri": "file:///home/ana/notes/review.txt", "line": 3, "character": 14, "offset": 120,
            "token": "café", "sentence": "The café was not good 🙂 though.", "sentence_start": 106}


def _provenance(model: str) -> dict[str, Any]:
    return {"model": model, "weights": "0123456789ab", "corpus": "brown", "split": "test", "tokens": 116062,
            "distinct_words": 4987, "unknown_rate": 0.0625, "tokenizer": "rnnlens.data.tokenizer.tokenize@a1b2c3d4e5f6",
            "engine_version": 2}


def _coclustering(model: str, seed: int) -> dict[str, Any]:
    return {
        "model": model, "layer": 2, "state": "c", "k": 3, "hidden_size": 6,
        "unit_labels": np.array([0, 2, 1, 1, 0, 2], dtype=np.int32),
        "unit_strength": _floats(seed, 6),
        "words": ["the", "good", "bad", "naïve"],
        "word_labels": np.array([1, 0, 2, 0], dtype=np.int32),
        "word_strength": np.abs(_floats(seed + 1, 4)),
        "word_pos": ["AT", "JJ", "JJ", None],
        "links": _floats(seed + 2, 3, 3),
        "order": np.array([2, 0, 1], dtype=np.int32),
        "responses": _floats(seed + 3, 4, 6, dtype="float16"),
        "provenance": _provenance(model),
    }


def _glyphs(model: str, seed: int) -> dict[str, Any]:
    text = "not good 🙂"
    return {
        "model": model, "layer": 1, "state": "h", "k": 2, "text": text,
        "tokens": [{"text": "not", "start": 0, "end": 3}, {"text": "good", "start": 4, "end": 8},
                   {"text": "🙂", "start": 9, "end": 10}],
        "positive": np.abs(_floats(seed, 3, 2)), "negative": np.abs(_floats(seed + 1, 3, 2)),
        "delta_positive": np.abs(_floats(seed + 2, 3, 2)), "delta_negative": np.abs(_floats(seed + 3, 3, 2)),
        "update": _floats(seed + 4, 3, 2), "kept": np.clip(np.abs(_floats(seed + 5, 3, 2)), 0, 1),
        "responses": None,
        "outputs": [["negative", "positive"]] * 3,
        "output_probs": np.array([[0.5, 0.5], [0.25, 0.75], [0.125, 0.875]], dtype=np.float32),
        "provenance": {**_provenance(model), "corpus": "the analysed text", "split": None},
    }


def samples() -> dict[str, dict[str, Any]]:
    """name -> message. Names are the message types (one sample each)."""
    distribution = {"words": ["good", "great"], "mean": np.array([0.5, 0.25], dtype=np.float32),
                    "percentiles": _floats(7, 2, 5), "counts": np.array([412, 38], dtype=np.int32)}
    return {
        "hello": {"type": "hello", "protocol": 1, "server": "rnnlens 0.1.0",
                  "models": [{"name": "brown-lstm", "task": "lm", "cell": "lstm", "layers": 2, "hidden_size": 600,
                              "state_kinds": ["h", "c"], "default_state": "c", "labels": [], "error": None},
                             {"name": "broken", "task": "", "cell": "", "layers": 0, "hidden_size": 0,
                              "state_kinds": [], "default_state": "", "labels": [],
                              "error": "unknown model 'broken'"}],
                  "settings": {"model": "brown-lstm", "clusters": 8, "inlay": True, "threshold": 0.35,
                               "layer": None, "words": ["a", "b"]},
                  "cursor": _cursor()},
        "error": {"type": "error", "id": None, "code": "malformed", "message": "not a msgpack message"},
        "progress": {"type": "progress", "id": 7, "fraction": 1.0, "message": "evaluating 100%"},
        "ack": {"type": "ack", "id": 4294967296},
        "pong": {"type": "pong", "id": 0, "payload": ""},
        "cursor": {"type": "cursor", "cursor": {**_cursor(), "token": None}},
        "cocluster_view": {"type": "cocluster_view", "id": 12, "view": _coclustering("brown-lstm", 1)},
        "glyph_view": {"type": "glyph_view", "id": 13, "glyphs": _glyphs("rt-gru", 20),
                       "uri": None, "sentence_start": None},
        "unit_detail": {"type": "unit_detail", "id": 14, "model": "brown-gru", "layer": 1, "state": "h",
                        "unit": 599, "cluster": 3, "positive": distribution,
                        "negative": {"words": [], "mean": np.zeros(0, np.float32),
                                     "percentiles": np.zeros((0, 5), np.float32), "counts": None},
                        "min_count": 20, "provenance": _provenance("brown-gru")},
        "word_detail": {"type": "word_detail", "id": 15, "model": "brown-rnn", "layer": 2, "state": "h",
                        "word": "never", "cluster": None, "pos": "RB", "count": 1234,
                        "profile": _floats(30, 8), "provenance": None,
                        "percentiles": np.sort(_floats(31, 5, 8), axis=0),
                        "future_field": {"added": "later", "n": -3}},
        "compare_view": {"type": "compare_view", "id": 16, "a": _coclustering("brown-lstm", 40),
                         "b": {**_coclustering("brown-gru", 50), "responses": None, "provenance": None},
                         "matching": np.array([1, 0, 2], dtype=np.int32), "similarity": 0.8125,
                         "glyphs_a": _glyphs("brown-lstm", 60), "glyphs_b": None},
        "effects_view": {"type": "effects_view", "id": 17, "model": "brown-lstm", "layer": 2, "state": "c", "k": 3,
                         "text": "It was a dark night.", "token": 3, "output_step": 3, "mode": "zero",
                         "measure": "log_probability",
                         "targets": [{"role": "next", "name": "night", "base": -2.5},
                                     {"role": "top", "name": ",", "base": -1.0}],
                         "delta": np.array([[-0.75, 0.125], [0.0, -2.0], [0.5, 0.25]], dtype=np.float32),
                         "share": np.array([0.6, 0.0, 0.4], dtype=np.float32), "provenance": _provenance("brown-lstm")},
        "attribution_view": {"type": "attribution_view", "id": 18, "model": "rt-gru", "text": "not good 🙂",
                             "token": 2, "start": 0, "target": "positive", "target_role": "class",
                             "scores": np.array([-1.5, 0.75, 0.0625], dtype=np.float32), "output": -0.25,
                             "baseline_output": -0.6875, "convergence_delta": 0.0012, "steps": 32, "refused": None},
        "cluster_insight_view": {"type": "cluster_insight_view", "id": 19, "model": "rt-gru", "layer": 1, "state": "h",
                                 "k": 3, "stability": {"k": np.array([2, 3, 4, 5], dtype=np.int32),
                                                       "score": np.array([0.5, 0.875, 0.25, 0.0], dtype=np.float32),
                                                       "suggested_k": 3, "runs": 10},
                                 "unit_outputs": [{"label": "→ positive", "raises": ["positive"], "lowers": ["negative"]},
                                                  {"label": "", "raises": [], "lowers": ["positive", "negative"]},
                                                  {"label": "→ nouns", "raises": ["café", "film"], "lowers": ["the"]}],
                                 "notes": ["no stability at k = 6: too few words"], "provenance": None},
        "match_view": {"type": "match_view", "id": 23, "model": "rt-gru", "layer": 1, "state": "h", "k": 2,
                       "text": "It was not good 🙂 at all.", "first": 2, "stop": 5, "tokens": ["not", "good", "🙂"],
                       "threshold": 0.1, "units": np.array([3, 17, 599], dtype=np.int32),
                       "matches": [{"rank": 1, "document": 41, "start": 12, "end": 22, "text": "not good 🙂",
                                    "before": "The café was ", "after": " though.", "score": 1.0, "jaccard": 1.0,
                                    "shared": 3, "pos": ["*", "JJ", "?"], "label": "negative",
                                    "glyphs": _glyphs("rt-gru", 70), "first": 0, "stop": 3}],
                       "shared_patterns": [{"kind": "pos", "pattern": "* JJ ?", "matches": 1},
                                           {"kind": "label", "pattern": "negative", "matches": 1}],
                       "corpus": "rotten-tomatoes:test", "searched_tokens": 116062, "searched_documents": 1066,
                       "provenance": _provenance("rt-gru")},
        "ping": {"type": "ping", "id": 1, "payload": "héllo"},
        "cocluster_request": {"type": "cocluster_request", "id": 2, "model": "brown-lstm", "layer": None,
                              "state": None, "k": 20, "n_words": 300},
        "glyph_request": {"type": "glyph_request", "id": 3, "model": "rt-gru", "text": None, "layer": 1,
                          "state": "h", "k": 8},
        "unit_request": {"type": "unit_request", "id": 4, "model": "brown-lstm", "layer": 2, "state": "c",
                         "unit": 17, "top": 10, "k": 8},
        "word_request": {"type": "word_request", "id": 5, "model": "brown-lstm", "word": "señor", "layer": None,
                         "state": None, "k": 8},
        "compare_request": {"type": "compare_request", "id": 6, "model_a": "brown-lstm", "model_b": "brown-gru",
                            "text": "It was a dark night.", "layer": None, "state": None, "k": 10},
        "effects_request": {"type": "effects_request", "id": 20, "model": "brown-lstm", "text": None, "token": 3,
                            "layer": None, "state": "c", "k": 8, "mode": "mean"},
        "attribution_request": {"type": "attribution_request", "id": 21, "model": "rt-gru", "text": "not good 🙂",
                                "token": 1, "target": None},
        "cluster_insight_request": {"type": "cluster_insight_request", "id": 22, "model": "brown-lstm", "layer": 2,
                                    "state": None, "k": 8, "n_words": 300},
        "match_request": {"type": "match_request", "id": 24, "model": "brown-lstm", "text": None, "first": 1,
                          "stop": 4, "layer": None, "state": "c", "threshold": None, "top": 20, "k": 8},
        "cancel": {"type": "cancel", "id": 8, "target": 2},
        "reveal": {"type": "reveal", "id": 9, "uri": "untitled:Untitled-1", "start": 106, "end": 110},
    }


def write_golden(directory: Path = GOLDEN_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, message in samples().items():
        frame = encode_message(message)
        (directory / f"{name}.msgpack").write_bytes(frame)

        description = to_json_description(decode_message(frame))
        (directory / f"{name}.json").write_text(json.dumps(description, indent=1, ensure_ascii=False) + "\n",
                                                encoding="utf-8")
        written.append(directory / f"{name}.msgpack")
    return written


if __name__ == "__main__":
    for path in write_golden():
        print(f"wrote {path.relative_to(ROOT)}")
