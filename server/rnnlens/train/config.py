"""A training run described by one JSON file (see samples/train/*.json)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from rnnlens.errors import RnnLensError


@dataclass
class TrainConfig:
    name: str
    corpus: str
    output: str  # folder for the finished model (relative to the config file)
    task: str = "lm"
    cell: str = "lstm"
    num_layers: int = 2
    embed_size: int = 200
    hidden_size: int = 200
    dropout: float = 0.3
    tie_weights: bool = True
    min_count: int = 3
    max_vocab: int = 8000
    batch_size: int = 32
    bptt: int = 35
    max_length: int = 60  # classifier: longest snippet in tokens
    lr: float = 2e-3
    weight_decay: float = 0.0
    clip: float = 0.5
    epochs: int = 10
    patience: int = 2
    seed: int = 1234
    half: bool = True  # store fp16 weights
    max_train_tokens: int | None = None  # for quick runs
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise RnnLensError(f"training config not found: {path}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RnnLensError(f"training config {path} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise RnnLensError(f"training config {path} must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise RnnLensError(f"training config {path}: unknown keys {unknown}")
        try:
            config = cls(**data)
        except TypeError as exc:
            raise RnnLensError(f"training config {path}: {exc}") from exc
        if config.task not in ("lm", "classifier"):
            raise RnnLensError(f"training config {path}: task must be lm or classifier")
        return config

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
