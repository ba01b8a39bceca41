"""The zoo's network: embedding -> stack of single-layer recurrent modules -> LM or classifier head.

Layers are separate single-layer `nn.RNN/GRU/LSTM` modules (not one multi-layer module) so
that trace capture can read every layer's sequence of states with the fused kernels.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlens.models.config import ModelConfig


def _recurrent_layer(cell: str, size_in: int, hidden: int) -> nn.RNNBase:
    if cell == "lstm":
        return nn.LSTM(size_in, hidden, batch_first=True)
    if cell == "gru":
        return nn.GRU(size_in, hidden, batch_first=True)
    return nn.RNN(size_in, hidden, batch_first=True)


State = dict[str, torch.Tensor]  # "layer1.h" -> (batch, hidden)


class RecurrentModel(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embed_size)
        # Small embeddings: with N(0, 1) and a tied head the first logits are huge and a
        # vanilla RNN diverges (the PyTorch word-language-model example uses the same range).
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        sizes = [config.embed_size] + [config.hidden_size] * config.num_layers
        self.layers = nn.ModuleList(_recurrent_layer(config.cell, sizes[i], sizes[i + 1])
                                    for i in range(config.num_layers))
        self.dropout = nn.Dropout(config.dropout)
        out = config.vocab_size if config.task == "lm" else len(config.labels)
        self.head = nn.Linear(config.hidden_size, out)
        if config.task == "lm" and config.tie_weights:
            self.head.weight = self.embedding.weight

    def recurrent_layers(self) -> list[nn.RNNBase]:
        return [layer for layer in self.layers if isinstance(layer, nn.RNNBase)]

    def forward(self, ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Training forward: logits for every step (batch, time, out) and the final state."""
        x = self.dropout(self.embedding(ids))
        final: State = {}
        for index, layer in enumerate(self.recurrent_layers(), start=1):
            hx = _initial_for(layer, state, index)
            x, last = layer(x, hx)
            _store_final(final, last, index)
            x = self.dropout(x)
        return self.head(x), final


def _initial_for(layer: nn.RNNBase, state: State | None, index: int):
    if state is None:
        return None
    h = state[f"layer{index}.h"].unsqueeze(0).contiguous()
    if isinstance(layer, nn.LSTM):
        return (h, state[f"layer{index}.c"].unsqueeze(0).contiguous())
    return h


def _store_final(final: State, last, index: int) -> None:
    if isinstance(last, tuple):
        final[f"layer{index}.h"] = last[0][0]
        final[f"layer{index}.c"] = last[1][0]
    else:
        final[f"layer{index}.h"] = last[0]


def detach_state(state: State) -> State:
    return {k: v.detach() for k, v in state.items()}
