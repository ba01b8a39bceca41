"""`cocluster --stability`: how reproducible the co-clustering is for k and its neighbours."""

from __future__ import annotations

import argparse

import numpy as np

from rnnlens.analysis.cluster_stability import (
    DEFAULT_RUNS,
    StabilityReport,
    cluster_stability,
    neighbouring_ks,
)
from rnnlens.analysis.cocluster import CoclusterResult
from rnnlens.cli.analysis_common import whole_number
from rnnlens.errors import RnnLensError
from rnnlens.service import AnalysisService


def add_stability(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stability", action="store_true",
                        help="also score the clustering's stability for k-2..k+2 (mean adjusted Rand index "
                             "between runs on bootstrap samples of the words) and suggest a k")
    parser.add_argument("--stability-runs", type=whole_number(2), default=DEFAULT_RUNS,
                        help=f"runs compared per k (default {DEFAULT_RUNS})")


def clustered_matrix(service: AnalysisService, model_name: str, result: CoclusterResult) -> np.ndarray:
    """The (words x units) expected responses the result was clustered from."""
    model = service.model(model_name)
    stats = service.statistics(model_name, states=(f"layer{result.layer}.{result.state}",)).stats
    found = [stats.row_of(model.vocab.index[w]) for w in result.words]
    rows = [r for r in found if r is not None]
    if len(rows) != len(found):
        raise RnnLensError(f"the statistics of model {model_name} lack some clustered words; evaluate it again")
    return np.asarray(stats.mean[f"layer{result.layer}.{result.state}"][rows], dtype=np.float64)


def stability_report(service: AnalysisService, model_name: str, result: CoclusterResult,
                     runs: int = DEFAULT_RUNS) -> StabilityReport:
    if runs < 2:
        raise RnnLensError(f"--stability-runs must be at least 2, got {runs}")
    matrix = clustered_matrix(service, model_name, result)
    try:
        return cluster_stability(matrix, neighbouring_ks(result.k, min(matrix.shape)), runs=runs)
    except ValueError as exc:
        raise RnnLensError(f"cannot score the stability of model {model_name}'s clusters: {exc}") from None


def stability_line(report: StabilityReport) -> str:
    scores = ", ".join(f"k={k} {v:.2f}" for k, v in report.scores.items())
    return f"stability (mean adjusted Rand index, {report.runs} runs): {scores}; suggested k = {report.suggested_k}"
