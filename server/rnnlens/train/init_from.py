"""Starting a training run from another model's embedding and recurrent layers (`init_from`).

The usual use: pretrain a language model on a corpus's text, then train a classifier from it
(ULMFiT-style). Only the embedding and the recurrent layers are copied; the head is new. The
source must have been trained with the same vocabulary (word for word) and the same layer
shapes, so every copied weight means what it meant there.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from rnnlens.data.vocabulary import Vocabulary
from rnnlens.errors import RnnLensError
from rnnlens.models.network import RecurrentModel
from rnnlens.models.storage import VOCAB_FILE, WEIGHTS_FILE, load_config


def copy_body_weights(folder: Path, model: RecurrentModel, vocab: Vocabulary, source: str) -> list[str]:
    """Copy `folder`'s embedding and recurrent weights into `model`; the names copied.

    `source` names the training config in errors. Refused, with the reason, when the folder is
    not a model, its cell or layer shapes differ, or its vocabulary is not this run's.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise RnnLensError(f"{source}: init_from folder not found: {folder}")
    theirs = load_config(folder)
    ours = model.config
    for key in ("cell", "num_layers", "embed_size", "hidden_size"):
        if getattr(theirs, key) != getattr(ours, key):
            raise RnnLensError(f"{source}: init_from model {folder} has {key} {getattr(theirs, key)!r}, this "
                               f"config {getattr(ours, key)!r}; they must match")
    their_vocab = Vocabulary.load(folder / VOCAB_FILE)
    if their_vocab.words != vocab.words:
        raise RnnLensError(f"{source}: init_from model {folder} has another vocabulary ({len(their_vocab)} words, "
                           f"this run builds {len(vocab)}); train it on the same corpus with the same min_count "
                           f"and max_vocab")
    weights_path = folder / WEIGHTS_FILE
    try:
        tensors = load_file(str(weights_path))
    except FileNotFoundError as exc:
        raise RnnLensError(f"{source}: init_from model {folder} has no {WEIGHTS_FILE}") from exc
    except (SafetensorError, OSError, ValueError) as exc:
        raise RnnLensError(f"weights file {weights_path} is corrupt or truncated ({exc})") from exc
    expected = {k: v for k, v in model.state_dict().items() if not k.startswith("head.")}
    missing = sorted(set(expected) - set(tensors))
    if missing:
        raise RnnLensError(f"{source}: init_from weights {weights_path} lack {missing[:5]}")
    for key, target in expected.items():
        tensor = tensors[key]
        if tuple(tensor.shape) != tuple(target.shape):
            raise RnnLensError(f"{source}: init_from weights {weights_path}: {key} has shape {tuple(tensor.shape)}, "
                               f"this config needs {tuple(target.shape)}")
        if not bool(torch.isfinite(tensor).all()):
            raise RnnLensError(f"{source}: init_from weights {weights_path}: {key} holds NaN or infinity")
    model.load_state_dict({k: tensors[k].float() for k in expected}, strict=False)
    return sorted(expected)
