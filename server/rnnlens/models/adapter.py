"""Point RNN Lens at your own PyTorch model.

Write a function that builds your model (loading weights however you trust) and returns a
`UserModel`, then name it as `module:function`, e.g. `--model mypkg.lens:load` or in the
`modelPaths` setting. Example::

    from rnnlens.models.adapter import UserModel

    def load():
        net = MyNet()
        net.load_state_dict(torch.load("mynet.pt", weights_only=True))
        return UserModel(embedding=net.emb, rnn=net.lstm, head=net.out,
                         vocabulary=net.words, task="lm", unk="<unk>")

Requirements: `rnn` is an `nn.RNN`, `nn.GRU` or `nn.LSTM` (any number of layers,
unidirectional, batch_first either way) fed by `embedding(ids)`; `head` maps the top layer's
h to logits (next word for "lm", classes for "classifier"), or is None. Text is split by RNN
Lens' tokenizer and looked up in `vocabulary` (lower-cased unless `lowercase=False`), or by
your own `tokenize(text) -> list[Token]`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from rnnlens.data.tokenizer import Token, tokenize
from rnnlens.data.vocabulary import UNK, Vocabulary
from rnnlens.errors import RnnLensError
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.trace import RecurrentStack


@dataclass
class UserModel:
    embedding: Callable[[torch.Tensor], torch.Tensor]
    rnn: nn.RNNBase
    head: Callable[[torch.Tensor], torch.Tensor] | None
    vocabulary: Sequence[str]
    task: str = "lm"
    labels: list[str] = field(default_factory=list)
    unk: str = UNK
    lowercase: bool = True
    tokenize: Callable[[str], list[Token]] | None = None
    corpus: str | None = None  # the corpus it was trained on, if RNN Lens can fetch it


def split_layers(rnn: nn.RNNBase) -> list[nn.RNNBase]:
    """One batch-first single-layer module per layer, sharing the user's parameters."""
    if rnn.bidirectional:
        raise RnnLensError("bidirectional RNNs are not supported: a hidden state must summarise the past only")
    if getattr(rnn, "proj_size", 0):
        raise RnnLensError("LSTMs with proj_size are not supported")
    cell = {nn.LSTM: "lstm", nn.GRU: "gru", nn.RNN: "rnn"}.get(type(rnn))
    if cell is None:
        raise RnnLensError(f"rnn must be nn.RNN, nn.GRU or nn.LSTM, got {type(rnn).__name__}")
    layers: list[nn.RNNBase] = []
    for k in range(rnn.num_layers):
        size_in = rnn.input_size if k == 0 else rnn.hidden_size
        layer: nn.RNNBase
        if isinstance(rnn, nn.RNN):
            layer = nn.RNN(size_in, rnn.hidden_size, nonlinearity=rnn.nonlinearity, bias=rnn.bias, batch_first=True)
        elif isinstance(rnn, nn.GRU):
            layer = nn.GRU(size_in, rnn.hidden_size, bias=rnn.bias, batch_first=True)
        else:
            layer = nn.LSTM(size_in, rnn.hidden_size, bias=rnn.bias, batch_first=True)
        with torch.no_grad():
            for part in ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if rnn.bias else ()):
                getattr(layer, f"{part}_l0").copy_(getattr(rnn, f"{part}_l{k}"))
        layers.append(layer.eval())
    return layers


def _cell_name(rnn: nn.RNNBase) -> str:
    return {nn.LSTM: "lstm", nn.GRU: "gru"}.get(type(rnn), "rnn")


def from_user_model(spec: UserModel, name: str) -> LoadedModel:
    if spec.task not in ("lm", "classifier"):
        raise RnnLensError(f"{name}: task must be 'lm' or 'classifier', not {spec.task!r}")
    words = list(spec.vocabulary)
    if spec.unk not in words:
        raise RnnLensError(f"{name}: the vocabulary lacks its unknown-word symbol {spec.unk!r}")
    if spec.unk != UNK:
        words = [UNK if w == spec.unk else w for w in words]
    vocab = Vocabulary(words)
    layers = split_layers(spec.rnn)
    owned: list[nn.Module] = [m for m in (spec.embedding, spec.head) if isinstance(m, nn.Module)]
    holder = nn.ModuleList(owned + list(layers))
    holder.eval()
    base_tokenize = spec.tokenize or tokenize
    tokenizer = base_tokenize
    if not spec.lowercase and spec.tokenize is None:
        def tokenizer(text: str) -> list[Token]:
            return [Token(t.text, t.start, t.end, t.text) for t in tokenize(text)]
    stack = RecurrentStack(embed=spec.embedding, layers=layers, head=spec.head, cell=_cell_name(spec.rnn))
    card = {"source": "user", "data": {"corpus": spec.corpus}} if spec.corpus else {"source": "user"}
    return LoadedModel(name=name, task=spec.task, cell=stack.cell, stack=stack, vocab=vocab, module=holder,
                       labels=list(spec.labels), card=card, tokenizer=tokenizer)


def is_entry_point(text: str) -> bool:
    module, sep, func = text.partition(":")
    return bool(sep) and bool(func) and all(p.isidentifier() for p in module.split(".")) and func.isidentifier()


def load_entry_point(spec: str, search_path: Path | None = None) -> LoadedModel:
    """Import `module:function`, call it, and adapt the `UserModel` it returns."""
    module_name, _, func_name = spec.partition(":")
    if search_path is not None and str(search_path) not in sys.path:
        sys.path.insert(0, str(search_path))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RnnLensError(f"cannot import {module_name!r} for model {spec!r}: {exc}") from exc
    func = getattr(module, func_name, None)
    if not callable(func):
        raise RnnLensError(f"{module_name} has no function {func_name!r} (model {spec!r})")
    try:
        result = func()
    except Exception as exc:  # the user's code: report, don't crash the server
        raise RnnLensError(f"model {spec!r} failed to load: {type(exc).__name__}: {exc}") from exc
    if not isinstance(result, UserModel):
        raise RnnLensError(f"{spec} must return rnnlens.models.adapter.UserModel, got {type(result).__name__}")
    return from_user_model(result, name=spec)
