"""A researcher's own network: nothing here knows RNN Lens."""
import torch.nn as nn


class MyLanguageModel(nn.Module):
    def __init__(self, vocab_size: int, size: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, size)
        self.lstm = nn.LSTM(size, size, num_layers=2, batch_first=True)
        self.decoder = nn.Linear(size, vocab_size)
