"""Hand-built recurrent stacks whose output depends only on known units or a known input word."""

import torch
from rnnlens.models.trace import RecurrentStack
from torch import nn

GROUP = [0, 1]  # the units the output reads (cluster 0 in the tests)
OTHERS = [2, 3, 4, 5]
LABELS = [0, 0, 1, 1, 2, 2]


def _cut(weight: torch.Tensor, gates: int, hidden: int, rows: list[int], columns: list[int]) -> None:
    """Zero weight[rows of every gate block, columns]: no path from `columns` into `rows`."""
    for gate in range(gates):
        for r in rows:
            weight[gate * hidden + r, columns] = 0.0


def group_classifier(seed: int = 0) -> RecurrentStack:
    """2-layer LSTM, 3 classes: layer 2 reads only units 0-1 of layer 1, which never read 2-5."""
    torch.manual_seed(seed)
    embed = nn.Embedding(12, 4)
    first, second = nn.LSTM(4, 6, batch_first=True), nn.LSTM(6, 5, batch_first=True)
    with torch.no_grad():
        _cut(first.weight_hh_l0, 4, 6, GROUP, OTHERS)
        second.weight_ih_l0[:, OTHERS] = 0.0
        second.weight_ih_l0.mul_(3.0)  # layer 2 follows the group closely
        for layer, hidden in ((first, 6), (second, 5)):
            layer.bias_hh_l0[hidden:2 * hidden] += 3.0  # forget gates near 1: a long memory
    head = nn.Linear(5, 3)
    with torch.no_grad():
        head.weight.mul_(5.0)
    return RecurrentStack(embed=embed, layers=[first, second], head=head, cell="lstm")


def group_language_model(seed: int = 0) -> RecurrentStack:
    """1-layer GRU language model whose head reads only units 0-1."""
    torch.manual_seed(seed)
    embed = nn.Embedding(12, 4)
    layer = nn.GRU(4, 6, batch_first=True)
    head = nn.Linear(6, 12)
    with torch.no_grad():
        head.weight[:, OTHERS] = 0.0
        head.weight[:, GROUP] *= 4.0  # a clear effect on the next word
    return RecurrentStack(embed=embed, layers=[layer], head=head, cell="gru")


def one_word_classifier(word: int, seed: int = 0) -> RecurrentStack:
    """1-layer RNN classifier that only one input word can move: that word embeds into
    dimensions 0-1, every other word (non-zero, random) into 2-3, which the layer does not read."""
    torch.manual_seed(seed)
    embed = nn.Embedding(12, 4)
    layer = nn.RNN(4, 6, batch_first=True)
    head = nn.Linear(6, 2)
    with torch.no_grad():
        embed.weight[:, :2] = 0.0
        embed.weight[word] = torch.tensor([1.5, -1.2, 0.0, 0.0])
        layer.weight_ih_l0[:, 2:] = 0.0
        layer.weight_ih_l0.mul_(2.0)
        head.weight.mul_(3.0)
    return RecurrentStack(embed=embed, layers=[layer], head=head, cell="rnn")
