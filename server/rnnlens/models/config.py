"""The JSON config that, with safetensors weights and a vocabulary, makes a model on disk."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rnnlens.errors import RnnLensError

Cell = Literal["rnn", "gru", "lstm"]
Task = Literal["lm", "classifier"]
CELLS: tuple[str, ...] = ("rnn", "gru", "lstm")
TASKS: tuple[str, ...] = ("lm", "classifier")


@dataclass
class ModelConfig:
    cell: str
    task: str
    vocab_size: int
    embed_size: int
    hidden_size: int
    num_layers: int = 1
    dropout: float = 0.0
    tie_weights: bool = False
    labels: list[str] = field(default_factory=list)  # classifier only

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise RnnLensError(f"unknown cell {self.cell!r}; expected one of {', '.join(CELLS)}")
        if self.task not in TASKS:
            raise RnnLensError(f"unknown task {self.task!r}; expected one of {', '.join(TASKS)}")
        if min(self.vocab_size, self.embed_size, self.hidden_size, self.num_layers) < 1:
            raise RnnLensError("vocab_size, embed_size, hidden_size and num_layers must be positive")
        if self.task == "classifier" and len(self.labels) < 2:
            raise RnnLensError("a classifier config needs at least two labels")
        if self.tie_weights and self.task == "lm" and self.embed_size != self.hidden_size:
            raise RnnLensError("tie_weights needs embed_size == hidden_size")

    @property
    def state_kinds(self) -> tuple[str, ...]:
        return ("h", "c") if self.cell == "lstm" else ("h",)

    @property
    def gate_names(self) -> tuple[str, ...]:
        return {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n"), "rnn": ()}[self.cell]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> ModelConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise RnnLensError(f"{source}: unknown config keys {sorted(unknown)}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise RnnLensError(f"{source}: {exc}") from exc
