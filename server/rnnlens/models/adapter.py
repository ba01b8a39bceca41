"""Point RNN Lens at your own PyTorch model.

Write a function that builds your model (loading weights however you trust) and returns a
`UserModel`, then declare it as an entry point, `path/to/lens.py:load` or `mypkg.lens:load`
(a module importable by RNN Lens' Python), with `--model-path` or in the `modelPaths` setting;
the spec is then also the model's name. Only declared entry points are ever imported. Example::

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
your own `tokenize(text) -> list[Token]`. `vocabulary` is a list in id order, or a mapping
word -> id or id -> word with ids exactly 0..n-1. The model is checked when it loads: field
types, `labels` against the head's outputs, `task` against the head (an LM head has one output
per word), the embedding size against the RNN's input size, and `unk` in the vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from rnnlens.data.tokenizer import Token, tokenize
from rnnlens.data.vocabulary import UNK, Vocabulary
from rnnlens.errors import RnnLensError
from rnnlens.models.entry_points import call_entry_point, parse_entry_point
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.trace import RecurrentStack
from rnnlens.models.user_model_checks import check_fields, probe_sizes, vocabulary_words


@dataclass
class UserModel:
    embedding: Callable[[torch.Tensor], torch.Tensor]
    rnn: nn.RNNBase
    head: Callable[[torch.Tensor], torch.Tensor] | None
    vocabulary: Sequence[str] | Mapping[str, int] | Mapping[int, str]  # a list, or ids 0..n-1 either way
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
    """Validate `spec` (types, vocabulary order, sizes) and wrap it as a LoadedModel."""
    if not isinstance(spec, UserModel):
        raise RnnLensError(f"{name} must return rnnlens.models.adapter.UserModel, got {type(spec).__name__}")
    check_fields(spec, name)
    words = vocabulary_words(spec.vocabulary, name)
    if spec.unk not in words:
        raise RnnLensError(f"{name}: UserModel.vocabulary lacks its unknown-word symbol UserModel.unk={spec.unk!r}")
    if spec.unk != UNK:
        if UNK in words:
            raise RnnLensError(f"{name}: UserModel.vocabulary holds both {UNK!r} and UserModel.unk={spec.unk!r}; "
                               f"set unk to the one that stands for unknown words")
        words = [UNK if w == spec.unk else w for w in words]
    vocab = Vocabulary(words)
    layers = split_layers(spec.rnn)
    probe_sizes(spec, layers, len(vocab), vocab.unk_id, name)
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


def load_entry_point(spec: str) -> LoadedModel:
    """Import a declared `module:function` or `path/to/file.py:function`, call it, adapt its UserModel.

    Callers must only pass specs the user declared (--model-path, modelPaths): see registry.py.
    """
    entry = parse_entry_point(spec)
    if entry is None:
        raise RnnLensError(f"{spec!r} is not an entry point: expected module:function or path/to/file.py:function")
    return from_user_model(call_entry_point(entry), name=entry.spec)
