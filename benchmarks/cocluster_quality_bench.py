"""Benchmark: co-cluster quality on the shipped models' real response matrices, RNN Lens against the
RNNVis recipe (scikit-learn's SpectralCoclustering fed the matrix shifted to be non-negative).

    .venv/bin/python benchmarks/cocluster_quality_bench.py [--words 1000] [--strongest 100] [--variants]

Same words (the N most frequent, as the service picks them), same k, same statistics (each model's
held-out split of its card corpus), BLAS on one thread:
- language models (brown-lstm, brown-gru, brown-rnn), k = 8, 10, 12: agreement of the word clusters
  with the words' majority Brown part-of-speech tags (service.word_pos): purity and adjusted mutual
  information, over all N words that Brown tags and over each cluster's `--strongest` strongest words;
- rt-gru, k = 2: polarity separation against the AFINN sentiment lexicon (words it scores non-zero):
  balanced accuracy of the better cluster -> polarity mapping, over the same two word sets.
A word's strength is |mean response over its co-cluster's units|, the same for both methods (their
row cluster i goes with column cluster i). "ours, k-means words" is SignedSpectralCocluster with the
words clustered by k-means on the spectral embedding (n_neighbors=None, the default before issue 14),
"ours, word graph" as the service runs it now: the words clustered on their shared-nearest-neighbour
graph (n_neighbors=WORD_GRAPH_NEIGHBORS). `--variants` adds what was
tried on top of the word graph (docs/analysis.md, "Co-cluster quality on real models") and, for
polarity, splits by the sentiment model's own read-out.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from afinn import Afinn
from rnnlens.analysis.cocluster import WORD_GRAPH_NEIGHBORS, SignedSpectralCocluster
from rnnlens.analysis.explanations import EXCLUDED_WORDS
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import MIN_WORD_COUNT, AnalysisService
from sklearn.cluster import SpectralCoclustering
from sklearn.metrics import adjusted_mutual_info_score
from threadpoolctl import threadpool_limits

Labels = tuple[np.ndarray, np.ndarray]  # word labels, unit labels (row cluster i goes with column cluster i)


def rnnvis(matrix: np.ndarray, k: int, seed: int) -> Labels:
    model = SpectralCoclustering(n_clusters=k, random_state=seed).fit(matrix - matrix.min())
    return model.row_labels_, model.column_labels_


def ours(matrix: np.ndarray, k: int, seed: int) -> Labels:
    model = SignedSpectralCocluster(n_clusters=k, random_state=seed, n_neighbors=None).fit(matrix)
    return model.row_labels_, model.column_labels_


def word_graph(matrix: np.ndarray, k: int, seed: int, n_init: int = 3) -> Labels:
    model = SignedSpectralCocluster(n_clusters=k, random_state=seed, n_init=n_init,
                                    n_neighbors=WORD_GRAPH_NEIGHBORS).fit(matrix)
    return model.row_labels_, model.column_labels_


def unit_rows(matrix: np.ndarray, k: int, seed: int) -> Labels:
    """Every word's response scaled to unit length (cosine geometry before the decomposition)."""
    return word_graph(matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12), k, seed)


def row_centred(matrix: np.ndarray, k: int, seed: int) -> Labels:
    """Every word's response less its mean over the units (Pearson-like profiles)."""
    return word_graph(matrix - matrix.mean(axis=1, keepdims=True), k, seed)


def read_out_split(direction: np.ndarray) -> Callable[[np.ndarray, int, int], Labels]:
    """k = 2 from the model's read-out: words by the sign of their response along `direction`
    (positive minus negative logit weights), units by the sign of their weight in it."""
    def run(matrix: np.ndarray, k: int, seed: int) -> Labels:
        return (matrix @ direction > 0).astype(np.int64), (direction > 0).astype(np.int64)
    return run


def top_singular_split(matrix: np.ndarray, k: int, seed: int) -> Labels:
    """k = 2 from the sign of the words' and units' first singular vector of the degree-normalised matrix."""
    u, _, vt = np.linalg.svd(matrix / np.sqrt(np.abs(matrix).sum(axis=1))[:, None]
                             / np.sqrt(np.abs(matrix).sum(axis=0))[None, :], full_matrices=False)
    return (u[:, 0] > 0).astype(np.int64), (vt[0] > 0).astype(np.int64)


def standardised(matrix: np.ndarray, k: int, seed: int) -> Labels:
    """Every unit on the same scale (column / its standard deviation over the words)."""
    return word_graph(matrix / np.maximum(matrix.std(axis=0), 1e-12), k, seed)


def more_restarts(matrix: np.ndarray, k: int, seed: int) -> Labels:
    return word_graph(matrix, k, seed, n_init=20)


def strengths(matrix: np.ndarray, rows: np.ndarray, cols: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros(matrix.shape[0])
    for c in range(k):
        units = cols == c
        if units.any():
            out[rows == c] = np.abs(matrix[np.ix_(rows == c, units)].mean(axis=1))
    return out


def strongest(rows: np.ndarray, strength: np.ndarray, k: int, n: int) -> np.ndarray:
    keep = np.zeros(rows.size, dtype=bool)
    for c in range(k):
        members = np.flatnonzero(rows == c)
        keep[members[np.argsort(-strength[members])[:n]]] = True
    return keep


def purity_ami(labels: np.ndarray, tags: list[str | None], keep: np.ndarray) -> tuple[float, float]:
    picked = [(label, tag) for label, tag, kept in zip(labels, tags, keep, strict=True) if kept and tag is not None]
    clusters = np.array([label for label, _ in picked])
    names = np.array([tag for _, tag in picked])
    purity = sum(np.unique(names[clusters == c], return_counts=True)[1].max() for c in np.unique(clusters))
    return purity / len(picked), adjusted_mutual_info_score(names, clusters)


def balanced_polarity(labels: np.ndarray, polarity: np.ndarray, keep: np.ndarray) -> float:
    """Balanced accuracy of the better mapping of clusters 0/1 to negative/positive (polarity +-1, 0 unscored)."""
    scored = keep & (polarity != 0) & (labels < 2)
    positive = polarity[scored] > 0
    guess = labels[scored] == 1
    best = 0.0
    for flip in (False, True):
        g = guess ^ flip
        best = max(best, 0.5 * (g[positive].mean() + (~g[~positive]).mean()))
    return best


def response_matrix(service: AnalysisService, model: str, states: list[str], n_words: int) -> tuple[np.ndarray, list[str]]:
    statistics = service.statistics(model, states=states)
    stats = statistics.stats
    rows = stats.frequent_rows(n_words, MIN_WORD_COUNT, EXCLUDED_WORDS)
    matrix = np.concatenate([stats.mean[s][rows].astype(np.float64) for s in states], axis=1)
    return matrix, [stats.word(r) for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--strongest", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=3, help="random states averaged (default 3)")
    parser.add_argument("--variants", action="store_true", help="also what was tried on top of ours")
    parser.add_argument("--lms", default="brown-lstm,brown-gru,brown-rnn")
    args = parser.parse_args()
    service = AnalysisService(ModelRegistry([]))
    methods: dict[str, Callable[[np.ndarray, int, int], Labels]] = {"rnnvis": rnnvis, "ours, k-means words": ours,
                                                                     "ours, word graph": word_graph}
    if args.variants:
        methods.update({"graph, standardised": standardised, "graph, 20 restarts": more_restarts,
                        "graph, unit rows": unit_rows, "graph, row-centred": row_centred})
    with threadpool_limits(limits=1):
        print(f"part of speech (Brown majority tags), {args.words} most frequent words; mean over {args.seeds} seeds")
        print(f"{'model':12} {'k':>3} {'method':26} {'purity':>7} {'AMI':>6} | strongest {args.strongest}: "
              f"{'purity':>7} {'AMI':>6}")
        for name in args.lms.split(","):
            model = service.model(name)
            view = f"layer{model.num_layers}.{model.default_state}"
            inputs = {"": response_matrix(service, name, [view], args.words)}
            if args.variants:
                inputs["2x words"] = response_matrix(service, name, [view], 2 * args.words)
                if model.cell == "lstm":
                    inputs["h+c"] = response_matrix(service, name, [f"layer{model.num_layers}.h", view], args.words)
            words = inputs[""][1]
            tags = [service.word_pos(w) for w in words]
            for k in (8, 10, 12):
                for label, (matrix, _) in inputs.items():  # the first N rows are the N words scored
                    for method, run in methods.items():
                        if label and method != "ours, word graph":
                            continue
                        figures = []
                        for seed in range(args.seeds):
                            rows, cols = run(matrix, k, seed)
                            rows, cols, sub = rows[: len(words)], cols, matrix[: len(words)]  # evaluate the N words
                            keep_all = np.ones(len(words), dtype=bool)
                            keep_top = strongest(rows, strengths(sub, rows, cols, k), k, args.strongest)
                            figures.append([*purity_ami(rows, tags, keep_all), *purity_ami(rows, tags, keep_top)])
                        p, a, tp, ta = np.mean(figures, axis=0)
                        shown = f"{method}, {label}" if label else method
                        print(f"{name:12} {k:3d} {shown:26} {p:7.3f} {a:6.3f} | {'':>10} {tp:7.3f} {ta:6.3f}")
        lexicon = Afinn(emoticons=False)
        matrix, words = response_matrix(service, "rt-gru", ["layer1.h"], args.words)
        polarity = np.sign([lexicon.score(w) for w in words])
        print(f"\npolarity (AFINN: {int((polarity > 0).sum())} positive, {int((polarity < 0).sum())} negative of "
              f"{len(words)} words), rt-gru k = 2: balanced accuracy, mean over {args.seeds} seeds")
        polarity_methods = dict(methods)
        if args.variants:
            weights = service.model("rt-gru").module.head.weight.detach().double().numpy()
            positive = service.model("rt-gru").labels.index("positive")
            polarity_methods.update({"read-out sign": read_out_split(weights[positive] - weights[1 - positive]),
                                     "1st singular sign": top_singular_split})
        for method, run in polarity_methods.items():
            figures = []
            for seed in range(args.seeds):
                rows, cols = run(matrix, 2, seed)
                keep_top = strongest(rows, strengths(matrix, rows, cols, 2), 2, args.strongest)
                figures.append([balanced_polarity(rows, polarity, np.ones(len(words), dtype=bool)),
                                balanced_polarity(rows, polarity, keep_top)])
            a, t = np.mean(figures, axis=0)
            print(f"rt-gru         2 {method:26} all {a:6.3f} | strongest {args.strongest}: {t:6.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
