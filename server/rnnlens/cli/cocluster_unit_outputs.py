"""`cocluster --unit-outputs`: which outputs each unit cluster pushes, measured on the statistics' corpus."""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable, Sequence

import torch

from rnnlens.analysis.cocluster import CoclusterResult
from rnnlens.analysis.unit_outputs import UnitOutputs, classifier_pushes, lm_pushes
from rnnlens.errors import Cancelled
from rnnlens.service import AnalysisService
from rnnlens.store.corpus_source import resolve_corpus

CLASSIFIER_TEXTS = 300  # texts whose last token is ablated
# Tokens ablated, from the first documents: each costs k + 1 passes through the head (5,000
# words x 150 units for the Brown models), about 3 s on one core for 1,000 tokens.
LM_TOKENS = 1000
LM_DOCUMENT_TOKENS = 200  # at most this many from one document, so a sample spans several


def add_unit_outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit-outputs", action="store_true",
                        help="also measure which outputs each unit cluster pushes (ablation over a sample of the "
                             f"corpus: {CLASSIFIER_TEXTS} texts for a classifier, {LM_TOKENS:,} tokens for an LM)")


class _Cancellable(Sequence[torch.Tensor]):
    """The sample's sequences, read one at a time: `cancel()` is asked before each (a panel request
    that is no longer wanted stops within one sequence instead of after the whole sample)."""

    def __init__(self, items: list[torch.Tensor], cancel: Callable[[], bool]) -> None:
        self._items = items
        self._cancel = cancel

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> torch.Tensor:  # type: ignore[override]  # no slices needed
        if self._cancel():
            raise Cancelled("the request was cancelled")
        return self._items[index]


def unit_outputs(service: AnalysisService, model_name: str, result: CoclusterResult,
                 cancel: Callable[[], bool] | None = None) -> UnitOutputs:
    model = service.model(model_name)
    wrap = (lambda items: items) if cancel is None else (lambda items: _Cancellable(items, cancel))
    texts = resolve_corpus(service.chosen_corpus(model)).texts()  # read lazily: only the first are needed
    if model.task == "classifier":
        sequences = []
        for text in itertools.islice(texts, CLASSIFIER_TEXTS):
            ids = model.encode(model.tokenize(text))
            if ids:
                sequences.append(torch.tensor([ids], dtype=torch.long))
        push = classifier_pushes(model.stack, wrap(sequences), result.layer, result.unit_labels, result.k)
        return UnitOutputs("classes", push, list(model.labels), len(sequences))
    sequences, total = [], 0
    for text in texts:
        if total >= LM_TOKENS:
            break
        ids = model.encode(model.tokenize(text))[:min(LM_DOCUMENT_TOKENS, LM_TOKENS - total)]
        if ids:
            sequences.append(torch.tensor([ids], dtype=torch.long))
            total += len(ids)
    push, tokens = lm_pushes(model.stack, wrap(sequences), result.layer, result.unit_labels, result.k)
    return UnitOutputs("words", push, list(model.vocab.words), tokens)
