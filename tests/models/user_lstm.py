"""A model that is not from the zoo: the kind of thing a user brings (used by test_adapter.py)."""

import torch
from rnnlens.models.adapter import UserModel
from torch import nn

WORDS = ["<pad>", "<UNK>", "the", "cat", "sat", "on", "mat", "."]


class TinyTagger(nn.Module):
    """Time-major 2-layer LSTM with its own vocabulary and head, unlike the zoo's layout."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(7)
        self.emb = nn.Embedding(len(WORDS), 12)
        self.lstm = nn.LSTM(12, 10, num_layers=2)  # batch_first=False on purpose
        self.out = nn.Linear(10, len(WORDS))

    def forward(self, ids):  # ids: (time, batch)
        hidden, _ = self.lstm(self.emb(ids))
        return self.out(hidden)


def load() -> UserModel:
    net = TinyTagger().eval()
    return UserModel(embedding=net.emb, rnn=net.lstm, head=net.out, vocabulary=WORDS, task="lm", unk="<UNK>")


def not_a_model():
    return 42
