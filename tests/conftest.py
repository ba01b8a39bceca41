"""Shared fixtures: small real models built and saved the way the zoo saves them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import torch
from rnnlens.data.vocabulary import Vocabulary
from rnnlens.models.config import ModelConfig
from rnnlens.models.network import RecurrentModel
from rnnlens.models.storage import save_model

# The tests share 2 cores with the servers they start; torch's spinning worker threads then
# slow everything several-fold, so the test process computes on one thread.
torch.set_num_threads(1)

# The registry lists the user's models folder; the developer's own trained models must not change
# what the tests (and the servers they start, which inherit the environment) see.
os.environ.setdefault("RNNLENS_MODELS", tempfile.mkdtemp(prefix="rnnlens-test-user-models-"))

TINY_WORDS = ("the a food staff is not helpful though i love it was good bad movie great terrible "
              "and but very , . ! ?").split()


def make_model_dir(root: Path, name: str, cell: str = "lstm", task: str = "lm", layers: int = 2,
                   hidden: int = 16, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    vocab = Vocabulary.from_tokens(TINY_WORDS)
    labels = ["negative", "positive"] if task == "classifier" else []
    config = ModelConfig(cell=cell, task=task, vocab_size=len(vocab), embed_size=hidden, hidden_size=hidden,
                         num_layers=layers, labels=labels, tie_weights=(task == "lm"))
    model = RecurrentModel(config).eval()
    directory = root / name
    save_model(directory, model, vocab, card={"name": name, "test_metric": {"name": "none", "value": None}})
    return directory


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of tiny untrained models, one per cell and task (for plumbing, not for quality)."""
    root = tmp_path_factory.mktemp("tiny-models")
    for cell in ("rnn", "gru", "lstm"):
        make_model_dir(root, f"tiny-{cell}-lm", cell=cell)
    make_model_dir(root, "tiny-gru-classifier", cell="gru", task="classifier")
    return root
