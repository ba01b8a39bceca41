"""The test metrics the model cards report, as functions of a network and encoded data."""

from __future__ import annotations

import math

import torch
from torch import nn

from rnnlens.train import batches

EVAL_ROWS = 8  # test streams are read as this many contiguous rows (the baseline is scored on the same)


def _device_of(network: nn.Module) -> torch.device:
    return next(network.parameters()).device


def lm_eval_rows(stream: torch.Tensor, rows: int = EVAL_ROWS) -> list[list[int]]:
    """The rows `lm_perplexity` reads; it scores every token of a row after the first."""
    return batches.batchify(stream, rows).tolist()


def lm_perplexity(network: nn.Module, stream: torch.Tensor, rows: int = EVAL_ROWS, window: int = 200) -> float:
    """Perplexity of a language model over a token stream, read as `rows` contiguous rows."""
    data = batches.batchify(stream, rows)
    network.eval()
    state = None
    total, count = 0.0, 0
    with torch.inference_mode():
        device = _device_of(network)
        for inputs, targets in batches.lm_windows(data, window):
            inputs, targets = inputs.to(device), targets.to(device)
            logits, state = network(inputs, state)
            total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                                 reduction="sum").item()
            count += targets.numel()
    return math.exp(total / count)


def last_real_step(logits: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(batch, classes): each padded sequence's logits at its last real token, from every step's."""
    return logits[torch.arange(logits.shape[0], device=logits.device), lengths.to(logits.device) - 1]


def final_step_logits(network: nn.Module, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """A classifier's logits at each padded sequence's last real token."""
    logits, _ = network(ids)
    return last_real_step(logits, lengths)


def classifier_accuracy(network: nn.Module, seqs: list[list[int]], gold: torch.Tensor, pad: int) -> float:
    network.eval()
    correct = 0
    with torch.inference_mode():
        for ids, lengths, target in batches.padded_batches(seqs, gold, 256, pad, range(len(seqs))):
            device = _device_of(network)
            predicted = final_step_logits(network, ids.to(device), lengths).argmax(1)
            correct += int((predicted == target.to(device)).sum())
    return correct / max(1, len(seqs))


def majority_baseline(train_gold: torch.Tensor, test_gold: torch.Tensor, labels: list[str]) -> tuple[str, float]:
    """The training split's most frequent class and its accuracy on the test split."""
    majority = int(torch.bincount(train_gold, minlength=len(labels)).argmax())
    return labels[majority], float((test_gold == majority).float().mean()) if test_gold.numel() else 0.0
