"""Options and helpers shared by the analysis subcommands (evaluate, cocluster, analyze, compare)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rnnlens.models.registry import ModelRegistry
from rnnlens.service import AnalysisService


def add_model_path(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model-path", action="append", default=[], metavar="PATH",
                        help="a model folder, a folder of model folders, or module:function (repeatable)")


def add_layer_state(parser: argparse.ArgumentParser, clusters: bool = True) -> None:
    parser.add_argument("--layer", type=int, default=None, help="layer, 1-based (default: the last)")
    parser.add_argument("--state", choices=("h", "c"), default=None,
                        help="state kind (default: c for an LSTM, h otherwise)")
    if clusters:
        parser.add_argument("--clusters", "-k", type=int, default=8, help="number of clusters (default 8)")


def make_service(args: argparse.Namespace) -> AnalysisService:
    return AnalysisService(ModelRegistry(args.model_path))


class ProgressBar:
    """A tqdm bar on stderr fed by the service's (fraction, message) progress callback."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self._bar: Any = None  # a tqdm bar, created on the first update

    def __call__(self, fraction: float, message: str) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=1000, file=sys.stderr, leave=False, bar_format="{l_bar}{bar}| {elapsed}<{remaining}")
        self._bar.set_description(message, refresh=False)
        self._bar.n = int(1000 * min(max(fraction, 0.0), 1.0))
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

