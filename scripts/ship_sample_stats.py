"""Regenerate the statistics that ship with the sample models (samples/models/*/shipped-stats.*).

Usage: .venv/bin/python scripts/ship_sample_stats.py [MODEL ...]   (default: all four samples)

Each sample is evaluated on the held-out split of its card's corpus exactly as `rnnlens evaluate
--model NAME` does (or its statistics are taken from the analysis cache, which holds the same
numbers), and the part a fresh install needs for its first glyphs is written next to the weights
(and named in the card, card.json and README.md):
the default view (last layer, default state) of every seen word in float16, and the co-clustering
input (the 300 most frequent words) in float32, and its co-clustering at the default k (word and
unit labels, fitted here exactly as the service fits them), so the first glyphs cluster nothing. Run it after retraining a sample, changing the
tokenizer or bumping ENGINE_VERSION: the service ignores shipped statistics that no longer fit
(docs/analysis.md, "Shipped statistics"). Needs the corpora (`rnnlens data fetch brown
rotten-tomatoes`).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from rnnlens.analysis.provenance import ENGINE_VERSION
from rnnlens.analysis.results import Statistics
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.registry import ModelRegistry
from rnnlens.models.storage import read_card
from rnnlens.paths import SAMPLE_MODELS_DIR
from rnnlens.service import (
    DEFAULT_CLUSTERS,
    DEFAULT_WORDS,
    AnalysisService,
    cocluster_rows,
    fit_cocluster,
    stats_key,
)
from rnnlens.store.corpus_source import resolve_corpus
from rnnlens.store.shipped_stats import (
    ARRAYS,
    SHIPPED,
    ShippedIdentity,
    ShippedLabels,
    corpus_package,
    write_shipped,
)
from rnnlens.train.card import write_card

SAMPLES = ("brown-lstm", "brown-gru", "brown-rnn", "rt-gru")


def ship(service: AnalysisService, name: str) -> None:
    model = service.model(name)
    if model.path is None or Path(model.path).resolve().parent != SAMPLE_MODELS_DIR.resolve():
        raise SystemExit(f"{name} is not a sample model in {SAMPLE_MODELS_DIR}")
    spec = service.chosen_corpus(model)  # the card's corpus, held-out split: what a fresh install uses
    source = resolve_corpus(spec)
    package = corpus_package(source.name)
    if package is None or source.split is None:
        raise SystemExit(f"{name}: its card's corpus {spec} is not a named corpus; nothing to ship")
    statistics = service.statistics(name, spec)  # complete: evaluated, or the cache's identical numbers
    if statistics.key != stats_key(model, source.content_hash):
        raise SystemExit(f"{name}: the statistics' key does not match the corpus as read")
    view = f"layer{model.num_layers}.{model.default_state}"
    identity = ShippedIdentity(ENGINE_VERSION, model.weights_hash, model.tokenizer_identity, source.label, package)
    rows = cocluster_rows(statistics.stats)
    sizes = write_shipped(Path(model.path), identity, statistics.stats, replace(statistics.provenance, origin=SHIPPED),
                          source.content_hash, [view], rows, [default_labels(model, statistics, rows)])
    total = sum(sizes.values())
    card = read_card(Path(model.path) / "card.json")  # the card names what ships and how to remake it
    card["shipped_statistics"] = {"file": ARRAYS, "view": view, "corpus": source.label,
                                  "tokens": statistics.provenance.tokens,
                                  "words": statistics.provenance.distinct_words, "bytes": total,
                                  "made_by": f"scripts/ship_sample_stats.py {name}"}
    write_card(Path(model.path), card)
    print(f"{name}: {view} on {source.label} ({statistics.provenance.tokens:,} tokens, "
          f"{statistics.provenance.distinct_words:,} words): {total / 1e6:.2f} MB")


def default_labels(model: LoadedModel, statistics: Statistics, rows: np.ndarray) -> ShippedLabels:
    """The default view's co-clustering (default k, DEFAULT_WORDS words, seed 0), fitted afresh here
    (never taken from labels shipped before) from the float32 input that ships."""
    layer, state = model.num_layers, model.default_state
    name = f"layer{layer}.{state}"
    if rows.size != DEFAULT_WORDS:
        raise SystemExit(f"{model.name}: {rows.size} words to co-cluster, not {DEFAULT_WORDS}")
    matrix = statistics.stats.mean[name][rows].astype(np.float32)
    words = [statistics.stats.word(r) for r in rows]
    result, _ = fit_cocluster(matrix.astype(np.float64), words, DEFAULT_CLUSTERS, layer, state, 0)
    return ShippedLabels(name, DEFAULT_CLUSTERS, DEFAULT_WORDS, 0, statistics.stats.row_ids[rows].astype(np.int64),
                         matrix, result.word_labels, result.unit_labels)


def main() -> None:
    names = sys.argv[1:] or list(SAMPLES)
    service = AnalysisService(ModelRegistry([]))
    for name in names:
        ship(service, name)


if __name__ == "__main__":
    main()
