"""Checks on a `UserModel` before RNN Lens trusts it: field types, the vocabulary's id order,
and sizes that agree (probed with a tiny forward pass), so that a wrong model is refused with
one line instead of giving plausible-looking garbage."""

from __future__ import annotations

import numbers
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from rnnlens.errors import RnnLensError
from rnnlens.models.entry_points import run_guarded

RNN_TYPES = (nn.RNN, nn.GRU, nn.LSTM)


def vocabulary_words(vocabulary: Any, where: str) -> list[str]:
    """The words in id order from a list/tuple, a word->id mapping or an id->word mapping.

    A mapping's iteration order is never trusted: ids must be exactly 0..n-1 and decide the order.
    """
    field = f"{where}: UserModel.vocabulary"
    if isinstance(vocabulary, (list, tuple)):
        words = list(vocabulary)
    elif isinstance(vocabulary, Mapping):
        items = list(vocabulary.items())
        if items and all(isinstance(k, str) for k, _ in items):
            by_id = {int(v): k for k, v in items if _is_id(v)}
            if len(by_id) != len(items):
                raise RnnLensError(f"{field} maps words to ids: every id must be an int, each used once")
        elif items and all(_is_id(k) for k, _ in items):
            by_id = {int(k): v for k, v in items}
        else:
            raise RnnLensError(f"{field} must map words to int ids (or int ids to words)")
        if sorted(by_id) != list(range(len(by_id))):
            raise RnnLensError(f"{field}: ids must be exactly 0..{len(by_id) - 1} (found {_id_summary(by_id)})")
        words = [by_id[i] for i in range(len(by_id))]
    else:
        raise RnnLensError(f"{field} must be a list of words or an id-ordered mapping, "
                           f"not {type(vocabulary).__name__}")
    if not words:
        raise RnnLensError(f"{field} is empty")
    bad = [w for w in words if not isinstance(w, str) or not w]
    if bad:
        raise RnnLensError(f"{field} must hold non-empty strings, found {bad[0]!r}")
    twice = [w for w, n in Counter(words).items() if n > 1]
    if twice:
        raise RnnLensError(f"{field} lists {twice[0]!r} twice")
    return words


def _is_id(value: Any) -> bool:
    """An integer id (numpy integers too), never a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _id_summary(by_id: Mapping[int, Any]) -> str:
    ids = sorted(by_id)
    return f"{len(ids)} ids from {ids[0]} to {ids[-1]}" if ids else "none"


def check_fields(spec: Any, where: str) -> None:
    """Types of every field, before any of them is used."""
    def need(ok: bool, field: str, expected: str) -> None:
        if not ok:
            value = getattr(spec, field)
            raise RnnLensError(f"{where}: UserModel.{field} must be {expected}, got {type(value).__name__}")

    need(callable(spec.embedding), "embedding", "callable (e.g. an nn.Embedding)")
    need(isinstance(spec.rnn, RNN_TYPES), "rnn", "an nn.RNN, nn.GRU or nn.LSTM")
    need(spec.head is None or callable(spec.head), "head", "callable (e.g. an nn.Linear) or None")
    need(isinstance(spec.task, str), "task", "'lm' or 'classifier'")
    if spec.task not in ("lm", "classifier"):
        raise RnnLensError(f"{where}: UserModel.task must be 'lm' or 'classifier', not {spec.task!r}")
    need(isinstance(spec.labels, (list, tuple)) and all(isinstance(x, str) for x in spec.labels),
         "labels", "a list of strings")
    need(isinstance(spec.unk, str), "unk", "a string")
    need(isinstance(spec.lowercase, bool), "lowercase", "True or False")
    need(spec.tokenize is None or callable(spec.tokenize), "tokenize", "callable or None")
    need(spec.corpus is None or isinstance(spec.corpus, str), "corpus", "a corpus name or path, or None")
    if spec.task == "classifier" and len(spec.labels) < 2:
        raise RnnLensError(f"{where}: a classifier needs UserModel.labels, one per class (got {len(spec.labels)})")
    if len(set(spec.labels)) != len(spec.labels):
        raise RnnLensError(f"{where}: UserModel.labels lists a label twice")


def probe_sizes(spec: Any, layers: Sequence[nn.RNNBase], vocab_size: int, unk_id: int, where: str) -> None:
    """Run two tokens through embedding -> layers -> head and check every size on the way."""
    table = getattr(spec.embedding, "num_embeddings", None)
    if isinstance(spec.embedding, nn.Embedding) and table is not None and table < vocab_size:
        raise RnnLensError(f"{where}: UserModel.embedding has {table} rows but UserModel.vocabulary has "
                           f"{vocab_size} words (ids up to {vocab_size - 1})")
    ids = torch.tensor([[unk_id, vocab_size - 1]], dtype=torch.long)  # the highest id must embed too

    def call(part: str, fn: Callable[[torch.Tensor], Any], x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            out = run_guarded(where, f"UserModel.{part}", lambda: fn(x))
        if not isinstance(out, torch.Tensor):
            raise RnnLensError(f"{where}: UserModel.{part} must return a tensor, got {type(out).__name__}")
        return out

    x = call("embedding", spec.embedding, ids)
    if x.dim() != 3 or tuple(x.shape[:2]) != (1, 2):
        raise RnnLensError(f"{where}: UserModel.embedding maps ids of shape (batch, time) = (1, 2) to "
                           f"{tuple(x.shape)}; expected (1, 2, embedding size)")
    if x.shape[-1] != spec.rnn.input_size:
        raise RnnLensError(f"{where}: UserModel.embedding gives vectors of size {x.shape[-1]} but UserModel.rnn "
                           f"expects input_size {spec.rnn.input_size}")
    x = x.float()
    with torch.no_grad():
        for layer in layers:
            x, _ = layer(x)
    if spec.head is None:
        if spec.task == "classifier":
            raise RnnLensError(f"{where}: a classifier needs UserModel.head (hidden state -> class scores)")
        return
    out = call("head", spec.head, x)
    if tuple(out.shape[:2]) != (1, 2) or out.dim() != 3:
        raise RnnLensError(f"{where}: UserModel.head maps the top layer's states {tuple(x.shape)} to "
                           f"{tuple(out.shape)}; expected (1, 2, outputs)")
    outputs = int(out.shape[-1])
    if spec.task == "lm" and outputs != vocab_size:
        hint = " (a classifier? set task='classifier' and labels)" if outputs < vocab_size else ""
        raise RnnLensError(f"{where}: UserModel.task is 'lm' but UserModel.head gives {outputs} outputs for a "
                           f"vocabulary of {vocab_size} words{hint}")
    if spec.task == "classifier" and outputs != len(spec.labels):
        raise RnnLensError(f"{where}: UserModel.head gives {outputs} class scores but UserModel.labels has "
                           f"{len(spec.labels)} labels")
