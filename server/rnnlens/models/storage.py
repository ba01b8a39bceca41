"""Models on disk: config.json + weights.safetensors + vocab.json (+ card.json, README.md).

Nothing here unpickles: weights are safetensors, everything else is JSON. Every failure names
the file at fault.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from rnnlens.data.vocabulary import Vocabulary
from rnnlens.errors import RnnLensError
from rnnlens.models.config import ModelConfig
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.network import RecurrentModel
from rnnlens.models.trace import RecurrentStack

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
VOCAB_FILE = "vocab.json"
CARD_FILE = "card.json"


def save_model(directory: Path, model: RecurrentModel, vocab: Vocabulary, card: dict[str, Any] | None = None,
               half: bool = False) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    if model.config.tie_weights and model.config.task == "lm":
        state.pop("head.weight")  # shared with the embedding; safetensors refuses aliases
    if half:
        state = {k: v.half() for k, v in state.items()}
    save_file(state, str(directory / WEIGHTS_FILE), metadata={"format": "rnnlens-1"})
    (directory / CONFIG_FILE).write_text(json.dumps(model.config.to_dict(), indent=2) + "\n")
    vocab.save(directory / VOCAB_FILE)
    if card is not None:
        (directory / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RnnLensError(f"missing file: {path}") from exc
    except IsADirectoryError as exc:
        raise RnnLensError(f"{path} is a folder, not a JSON file") from exc
    except OSError as exc:
        raise RnnLensError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RnnLensError(f"{path} is not valid JSON: {exc}") from exc


def load_config(directory: Path) -> ModelConfig:
    path = directory / CONFIG_FILE
    data = read_json(path)
    if not isinstance(data, dict):
        raise RnnLensError(f"{path} must hold a JSON object")
    return ModelConfig.from_dict(data, source=str(path))


def load_network(directory: Path) -> tuple[RecurrentModel, ModelConfig]:
    config = load_config(directory)
    weights_path = directory / WEIGHTS_FILE
    if not weights_path.is_file():
        raise RnnLensError(f"missing weights file: {weights_path}")
    try:
        tensors = load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise RnnLensError(f"weights file {weights_path} is corrupt or truncated ({exc})") from exc
    model = RecurrentModel(config)
    expected = model.state_dict()
    tied = config.tie_weights and config.task == "lm"
    _check_tied_head(tied, tensors, weights_path, directory / CONFIG_FILE)
    optional = {"head.weight"} if tied else set()
    missing = sorted(set(expected) - set(tensors) - optional)
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise RnnLensError(f"weights file {weights_path} does not match {directory / CONFIG_FILE}: "
                           f"missing {missing[:5]}, unexpected {extra[:5]}")
    head = tensors.get("head.weight")
    outputs = config.vocab_size if config.task == "lm" else len(config.labels)
    if head is not None and head.dim() == 2 and head.shape[0] != outputs:
        what = f"vocab_size is {outputs}" if config.task == "lm" else f"labels lists {outputs} classes"
        raise RnnLensError(f"{directory / CONFIG_FILE}: {what} but {weights_path} has a head with {head.shape[0]} "
                           f"outputs (task {config.task!r})")
    for key, tensor in tensors.items():
        if tuple(tensor.shape) != tuple(expected[key].shape):
            raise RnnLensError(f"weights file {weights_path}: {key} has shape {tuple(tensor.shape)}, "
                               f"config {directory / CONFIG_FILE} implies {tuple(expected[key].shape)}")
    for key, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise RnnLensError(f"weights file {weights_path}: tensor {key} holds NaN or infinity")
    model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=False)
    model.eval()
    return model, config


def load_model(directory: Path, name: str | None = None) -> LoadedModel:
    directory = Path(directory)
    if not directory.is_dir():
        raise RnnLensError(f"model folder not found: {directory}")
    model, config = load_network(directory)
    vocab_path = directory / VOCAB_FILE
    if vocab_path.exists() and not vocab_path.is_file():
        raise RnnLensError(f"vocabulary file {vocab_path} is not a regular file")
    vocab = Vocabulary.load(vocab_path)
    if len(vocab) != config.vocab_size:
        raise RnnLensError(f"{directory / VOCAB_FILE} has {len(vocab)} words but {directory / CONFIG_FILE} "
                           f"says vocab_size {config.vocab_size}")
    card_path = directory / CARD_FILE
    card = read_card(card_path) if card_path.exists() else {}
    stack = RecurrentStack(embed=model.embedding, layers=model.recurrent_layers(), head=model.head, cell=config.cell)
    return LoadedModel(name=name or directory.name, task=config.task, cell=config.cell, stack=stack, vocab=vocab,
                       module=model, labels=list(config.labels), card=card,
                       path=directory)


def _check_tied_head(tied: bool, tensors: dict[str, Any], weights_path: Path, config_path: Path) -> None:
    """tie_weights must say what the weights hold: a stored head with `true` would be silently
    replaced by the embedding; no head with `false` has nothing to predict with."""
    if tied and "head.weight" in tensors:
        raise RnnLensError(f"{config_path}: tie_weights is true, but {weights_path} holds its own head.weight "
                           f"(set tie_weights to false to use it)")
    if not tied and "head.weight" not in tensors:
        raise RnnLensError(f"{config_path}: tie_weights is false, but {weights_path} has no head.weight "
                           f"(set tie_weights to true if the head shares the embedding)")


def read_card(path: Path) -> dict[str, Any]:
    """card.json: an object whose `data` and `test_metric`, when present, are objects."""
    card = read_json(path)
    if not isinstance(card, dict):
        raise RnnLensError(f"{path} must hold a JSON object")
    for key in ("data", "test_metric", "training", "baseline"):
        if key in card and not isinstance(card[key], dict):
            raise RnnLensError(f"{path}: {key} must be a JSON object, got {json.dumps(card[key])[:40]}")
    corpus = card.get("data", {}).get("corpus")
    if corpus is not None and not isinstance(corpus, str):
        raise RnnLensError(f"{path}: data.corpus must be a corpus name (a string)")
    return card


def model_to_stack(model: RecurrentModel) -> RecurrentStack:
    return RecurrentStack(embed=model.embedding, layers=model.recurrent_layers(), head=model.head, cell=model.config.cell)


def is_model_dir(path: Path) -> bool:
    try:
        return (path / CONFIG_FILE).is_file() and (path / WEIGHTS_FILE).is_file()
    except OSError:  # a folder we may not look into (another user's models folder) holds no model we can load
        return False


