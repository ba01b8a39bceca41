"""What the model outputs at each step, from the top layer's h: the next-word top-k of a language
model, or every class's probability for a classifier.

The one definition used by `analyze`, the language server's hover and the panel stream. The
head runs on blocks of `block` steps and only the top k of each step is kept, so a long text
never holds its steps x vocabulary distributions at once (issue 11: a 1 MB line asked 4.2 GB).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rnnlens.models.loaded import LoadedModel

OUTPUT_BLOCK = 256  # steps whose full logits exist at once: 256 x vocabulary floats (5 MB at 5,000 words)
DEFAULT_TOP_K = 5


@dataclass(frozen=True)
class StepOutputs:
    """Per step t: `ids[t]` (ranked word ids, or the class ids in label order) with `probs[t]`."""

    kind: str  # "next" (language model, top-k ranked) | "classes" (classifier, every class) | "none"
    names: Sequence[str]  # id -> word or class label
    ids: np.ndarray  # (T, k) int32
    probs: np.ndarray  # (T, k) float32

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def items(self, t: int) -> list[tuple[str, float]]:
        """Step t's outputs as (word or label, probability) pairs, in display order."""
        return [(self.names[int(i)], float(p)) for i, p in zip(self.ids[t], self.probs[t], strict=True)]

    def json_at(self, t: int) -> dict[str, Any]:
        """Step t as the CLI's JSON writes it: {"next": [{word, p}]} or {"classes": {label: p}}."""
        if self.kind == "classes":
            return {"classes": {name: round(p, 6) for name, p in self.items(t)}}
        if self.kind == "next":
            return {"next": [{"word": name, "p": round(p, 6)} for name, p in self.items(t)]}
        return {}

    def rows(self, start: int, stop: int) -> StepOutputs:
        return StepOutputs(self.kind, self.names, self.ids[start:stop], self.probs[start:stop])


def no_outputs(steps: int = 0) -> StepOutputs:
    """For a model without a head: nothing to show at any step."""
    return StepOutputs("none", [], np.zeros((steps, 0), dtype=np.int32), np.zeros((steps, 0), dtype=np.float32))


def output_kind(model: LoadedModel) -> str:
    if model.stack.head is None:
        return "none"
    return "classes" if model.task == "classifier" else "next"


def output_names(model: LoadedModel, width: int) -> Sequence[str]:
    if model.task == "classifier":
        return list(model.labels) or [str(i) for i in range(width)]
    return model.vocab.words


def step_outputs(model: LoadedModel, top_hidden: np.ndarray | torch.Tensor, top_k: int = DEFAULT_TOP_K,
                 block: int = OUTPUT_BLOCK) -> StepOutputs:
    """The outputs after each of T steps, from the top layer's h (T, H). Pure: arrays in, arrays out."""
    hidden = torch.as_tensor(np.asarray(top_hidden, dtype=np.float32) if isinstance(top_hidden, np.ndarray)
                             else top_hidden.float())
    if hidden.ndim != 2:
        raise ValueError(f"top_hidden must be (steps, hidden); got {tuple(hidden.shape)}")
    kind = output_kind(model)
    steps = int(hidden.shape[0])
    if kind == "none":
        return no_outputs(steps)
    head = model.stack.head
    assert head is not None
    ids: np.ndarray | None = None
    probs: np.ndarray | None = None
    with torch.inference_mode():
        for lo in range(0, max(steps, 1), block):
            logits = head(hidden[lo:lo + block]).float()
            width = int(logits.shape[-1])
            k = width if kind == "classes" else max(1, min(top_k, width))
            if ids is None or probs is None:
                ids, probs = np.zeros((steps, k), dtype=np.int32), np.zeros((steps, k), dtype=np.float32)
            if steps == 0:
                break
            # p = exp(logit - logsumexp): the top k need no softmax over the whole vocabulary
            norm = torch.logsumexp(logits, dim=-1, keepdim=True)
            if kind == "classes":
                chosen = torch.arange(width).expand(logits.shape[0], width)
                values = logits
            else:
                values, chosen = torch.topk(logits, k, dim=-1)
            ids[lo:lo + block] = chosen.numpy()
            probs[lo:lo + block] = torch.exp(values - norm).numpy()
    assert ids is not None and probs is not None
    return StepOutputs(kind, output_names(model, int(ids.shape[1])), ids, probs)
