"""The JSON config that, with safetensors weights and a vocabulary, makes a model on disk."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rnnlens.errors import RnnLensError
from rnnlens.models.field_checks import require_int, require_number, require_type

Cell = Literal["rnn", "gru", "lstm"]
Task = Literal["lm", "classifier"]
CELLS: tuple[str, ...] = ("rnn", "gru", "lstm")
TASKS: tuple[str, ...] = ("lm", "classifier")
# Bounds that catch typos (1e10 words) before torch tries to allocate them.
MAX_VOCAB = 10_000_000
MAX_UNITS = 100_000
MAX_LAYERS = 64
DEFAULT_SOURCE = "model config"


def require_layer_shape(source: str, num_layers: Any, embed_size: Any, hidden_size: Any, dropout: Any,
                        tie_weights: Any) -> None:
    """The recurrent stack's fields as a model config and a training config both give them."""
    require_int(source, "num_layers", num_layers, 1, MAX_LAYERS)
    require_int(source, "embed_size", embed_size, 1, MAX_UNITS)
    require_int(source, "hidden_size", hidden_size, 1, MAX_UNITS)
    require_number(source, "dropout", dropout, 0.0, 1.0, high_open=True)
    require_type(source, "tie_weights", tie_weights, bool)


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
        self.validate(DEFAULT_SOURCE)

    def validate(self, source: str) -> None:
        """Types and ranges of every field; the message names `source` (the file) and the field."""
        for name in ("cell", "task"):
            require_type(source, name, getattr(self, name), str)
        if self.cell not in CELLS:
            raise RnnLensError(f"{source}: unknown cell {self.cell!r}; expected one of {', '.join(CELLS)}")
        if self.task not in TASKS:
            raise RnnLensError(f"{source}: unknown task {self.task!r}; expected one of {', '.join(TASKS)}")
        require_int(source, "vocab_size", self.vocab_size, 3, MAX_VOCAB)
        require_layer_shape(source, self.num_layers, self.embed_size, self.hidden_size, self.dropout,
                            self.tie_weights)
        if not isinstance(self.labels, list) or not all(isinstance(x, str) for x in self.labels):
            raise RnnLensError(f"{source}: labels must be a list of strings")
        if self.task == "classifier" and len(self.labels) < 2:
            raise RnnLensError(f"{source}: labels: a classifier config needs at least two labels")
        if self.tie_weights and self.task == "lm" and self.embed_size != self.hidden_size:
            raise RnnLensError(f"{source}: tie_weights needs embed_size == hidden_size")

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
        except TypeError as exc:  # a required key is missing
            raise RnnLensError(f"{source}: {exc}") from None
        except RnnLensError as exc:  # __post_init__ names the field; say which file it is in
            raise RnnLensError(f"{source}: {str(exc).removeprefix(DEFAULT_SOURCE + ': ')}") from None
