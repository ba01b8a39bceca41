"""A training run described by one JSON file (see samples/train/*.json)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from rnnlens.errors import RnnLensError
from rnnlens.models.config import CELLS, MAX_VOCAB, require_layer_shape
from rnnlens.models.field_checks import require_int, require_number, require_type

# Keys that change what is learned. Resuming with any of them changed needs --force; `epochs`
# and `patience` may grow to train longer, `name`, `output`, `half` and `extra` only change the
# finished files.
TRAINING_KEYS = ("corpus", "task", "cell", "num_layers", "embed_size", "hidden_size", "dropout", "tie_weights",
                 "min_count", "max_vocab", "batch_size", "bptt", "max_length", "lr", "weight_decay", "clip", "seed",
                 "max_train_tokens", "init_from", "aux_loss",
                 "average_epochs")


@dataclass
class TrainConfig:
    name: str
    corpus: str
    output: str | None = None  # the finished model's folder, relative to the config file; None: user models folder
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
    init_from: str | None = None  # a model folder (relative to the config) whose embedding and layers start this run
    aux_loss: float = 0.0  # classifier: weight of the classification loss at every step (besides the last one)
    average_epochs: int = 1  # odd: save the mean weights of this many epochs centred on the best-valid one
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        path = Path(path)
        if path.exists() and not path.is_file():
            raise RnnLensError(f"training config {path} is a folder, not a JSON file")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise RnnLensError(f"training config not found: {path}") from exc
        except OSError as exc:
            raise RnnLensError(f"cannot read training config {path}: {exc.strerror or exc}") from exc
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
        config.validate(f"training config {path}")
        return config

    def validate(self, source: str) -> None:
        """Every key's type and range (docs/training.md lists them); one line naming the key."""
        for key in ("name", "corpus", "task", "cell"):
            require_type(source, key, getattr(self, key), str)
        if not self.name or self.name != Path(self.name).name or self.name.startswith("."):
            raise RnnLensError(f"{source}: name must be a plain folder name (no '/'), got {self.name!r}")
        if self.output is not None:
            require_type(source, "output", self.output, str)
        if self.task not in ("lm", "classifier"):
            raise RnnLensError(f"{source}: task must be lm or classifier, got {self.task!r}")
        if self.cell not in CELLS:
            raise RnnLensError(f"{source}: cell must be one of {', '.join(CELLS)}, got {self.cell!r}")
        require_layer_shape(source, self.num_layers, self.embed_size, self.hidden_size, self.dropout,
                            self.tie_weights)
        require_type(source, "half", self.half, bool)
        require_int(source, "min_count", self.min_count, 1)
        require_int(source, "max_vocab", self.max_vocab, 4, MAX_VOCAB)
        for key in ("batch_size", "bptt", "max_length"):
            require_int(source, key, getattr(self, key), 1, 1_000_000)
        require_number(source, "lr", self.lr, 0.0, 10.0, low_open=True)
        require_number(source, "weight_decay", self.weight_decay, 0.0, 1.0)
        require_number(source, "clip", self.clip, 0.0, None, low_open=True)
        require_int(source, "epochs", self.epochs, 1, 10_000)
        require_int(source, "patience", self.patience, 1, 10_000)
        require_int(source, "seed", self.seed, 0, 2**63 - 1)
        if self.max_train_tokens is not None:
            require_int(source, "max_train_tokens", self.max_train_tokens, 2 * self.batch_size)
        if self.init_from is not None:
            require_type(source, "init_from", self.init_from, str)
            if not self.init_from:
                raise RnnLensError(f"{source}: init_from must name a model folder, got an empty string")
        require_number(source, "aux_loss", self.aux_loss, 0.0, 10.0)
        if self.aux_loss and self.task != "classifier":
            raise RnnLensError(f"{source}: aux_loss is for task 'classifier' (a language model already learns "
                               f"at every step), got task {self.task!r}")
        require_int(source, "average_epochs", self.average_epochs, 1, 99)
        if self.average_epochs % 2 == 0:
            raise RnnLensError(f"{source}: average_epochs must be odd (the kept epoch and as many on either "
                               f"side), got {self.average_epochs}")
        require_type(source, "extra", self.extra, dict)
        if self.tie_weights and self.task == "lm" and self.embed_size != self.hidden_size:
            raise RnnLensError(f"{source}: tie_weights needs embed_size == hidden_size "
                               f"(got {self.embed_size} and {self.hidden_size})")

    def training_settings(self) -> dict[str, Any]:
        """The keys that decide what is learned (a resumed run must not change them silently)."""
        return {key: getattr(self, key) for key in TRAINING_KEYS}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Each key's default (a checkpoint or card written before a key existed had it at its default).
DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(TrainConfig)}
