"""A model ready for analysis: its recurrent stack, vocabulary, tokenizer and card, under one name."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from rnnlens.data.tokenizer import Token, tokenize
from rnnlens.data.vocabulary import Vocabulary
from rnnlens.errors import RnnLensError
from rnnlens.models.trace import RecurrentStack, State, Trace, capture_trace

Tokenize = Callable[[str], list[Token]]


@dataclass
class LoadedModel:
    name: str
    task: str  # "lm" | "classifier"
    cell: str  # "rnn" | "gru" | "lstm"
    stack: RecurrentStack
    vocab: Vocabulary
    module: nn.Module
    labels: list[str] = field(default_factory=list)
    card: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    tokenizer: Tokenize = tokenize
    _weights_hash: str | None = field(default=None, repr=False)

    @property
    def num_layers(self) -> int:
        return self.stack.num_layers

    @property
    def hidden_size(self) -> int:
        return self.stack.hidden_size

    @property
    def state_kinds(self) -> tuple[str, ...]:
        return self.stack.state_kinds

    @property
    def default_state(self) -> str:
        """The paper's choice: the cell state for LSTMs, h otherwise."""
        return "c" if self.cell == "lstm" else "h"

    @property
    def weights_hash(self) -> str:
        """Content hash of the weights (cache keys depend on it, not on file names)."""
        if self._weights_hash is None:
            digest = hashlib.sha256()
            for key, tensor in sorted(self.module.state_dict().items()):
                digest.update(key.encode())
                digest.update(tensor.detach().to(torch.float32).contiguous().numpy().tobytes())
            digest.update("\n".join(self.vocab.words).encode())
            self._weights_hash = digest.hexdigest()[:20]
        return self._weights_hash

    @property
    def tokenizer_identity(self) -> str:
        """Names the tokenizer and its options for cache keys and provenance (store/keys.py)."""
        from rnnlens.store.keys import callable_identity

        return callable_identity(self.tokenizer)

    def tokenize(self, text: str) -> list[Token]:
        return self.tokenizer(text)

    def encode(self, tokens: list[Token]) -> list[int]:
        return self.vocab.encode([t.norm for t in tokens])

    def output_index(self, name: str | None) -> int | None:
        """The output row a class (classifier) or word (LM) names; None stays None (the caller's default)."""
        if name is None:
            return None
        if self.task == "classifier":
            if name not in self.labels:
                raise RnnLensError(f"model {self.name} has classes {', '.join(self.labels)}; not {name!r}")
            return self.labels.index(name)
        if name not in self.vocab:
            raise RnnLensError(f"{name!r} is not in the vocabulary of model {self.name}")
        return self.vocab.index[name]

    def trace(self, ids: torch.Tensor, initial: State | None = None, lengths: torch.Tensor | None = None,
              gates: bool = False, outputs: bool = True, names: Collection[str] | None = None) -> Trace:
        return capture_trace(self.stack, ids, initial=initial, lengths=lengths, gates=gates, outputs=outputs,
                             names=names)

    def trace_text(self, text: str, gates: bool = False, outputs: bool = True) -> tuple[list[Token], Trace]:
        """Tokenise and trace one text (batch of one). Text without tokens gives an empty trace."""
        tokens = self.tokenize(text)
        if not tokens:
            return tokens, self.empty_trace()
        ids = torch.tensor([self.encode(tokens)], dtype=torch.long).view(1, -1)
        return tokens, self.trace(ids, gates=gates, outputs=outputs)

    def empty_trace(self) -> Trace:
        """A trace of zero steps (the recurrent kernels refuse empty sequences)."""
        initial = self.stack.zero_state(1)
        states = {name: value.unsqueeze(1)[:, :0] for name, value in initial.items()}
        return Trace(states=states, initial_state=initial, final_state=dict(initial), outputs=None,
                     names=list(states))

    def describe(self) -> dict[str, Any]:
        """The row `rnnlens models --json` prints."""
        metric = self.card.get("test_metric", {})
        return {
            "name": self.name,
            "task": self.task,
            "cell": self.cell,
            "layers": self.num_layers,
            "hidden_size": self.hidden_size,
            "vocab_size": len(self.vocab),
            "labels": self.labels,
            "test_metric": metric,
            "corpus": self.card.get("data", {}).get("corpus"),
            "path": str(self.path) if self.path else None,
        }
