"""Options and helpers shared by the analysis subcommands (evaluate, cocluster, analyze, compare)."""

from __future__ import annotations

import argparse
import glob
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnnlens.analysis.provenance import Provenance
from rnnlens.models.device import DEVICE_CHOICES, resolve_device
from rnnlens.models.registry import MODEL_PATH_HELP, ModelRegistry
from rnnlens.service import AnalysisService, CorpusChoice
from rnnlens.store.corpus_source import JSONL_SUFFIXES

CORPUS_HELP = ("the statistics to use: a corpus name (brown, sotu, rotten-tomatoes; NAME:SPLIT picks "
               "train/valid/test/all), text files (.txt, .gz), JSON Lines (data.jsonl#FIELD, one document a "
               "line), folders of those or a glob, read as a stream (default: the held-out split of the "
               "corpus the model card names)")
DEVICE_HELP = ("where corpus evaluation runs: cpu (default), cuda, or auto (cuda when available); a single "
               "text's trace stays on the CPU")


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse `type`: a whole number in [minimum, maximum]; anything else is argparse's usage
    error naming the option (`--top-k -1` used to reach the analysis and end in a traceback)."""
    bound = f"at least {minimum}" if maximum is None else f"from {minimum} to {maximum}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number {bound}, got {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"must be a whole number {bound}, got {value}")
        return value

    return parse


def add_model_path(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model-path", action="append", default=[], metavar="PATH",
                        help=MODEL_PATH_HELP)


def add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="model name or folder")


def add_layer(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layer", type=whole_number(1), default=None, help="layer, 1-based (default: the last)")


def add_layer_state(parser: argparse.ArgumentParser, clusters: bool = True) -> None:
    add_layer(parser)
    parser.add_argument("--state", choices=("h", "c"), default=None,
                        help="state kind (default: c for an LSTM, h otherwise)")
    if clusters:
        parser.add_argument("--clusters", "-k", type=whole_number(2), default=8, help="number of clusters (default 8)")


def make_registry(args: argparse.Namespace) -> ModelRegistry:
    """The models `--model-path` declares, plus samples and the user's models; unusable paths warned once."""
    registry = ModelRegistry(args.model_path)
    for problem in registry.problems:
        print(f"rnnlens: warning: {problem}", file=sys.stderr)
    return registry


def add_corpus(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", nargs="+", default=None, metavar="NAME_OR_PATH", help=CORPUS_HELP)
    parser.add_argument("--text-field", default=None, metavar="FIELD",
                        help="the text field of --corpus JSON Lines files named without #FIELD (default: text)")


def add_device(parser: argparse.ArgumentParser, help: str = DEVICE_HELP) -> None:
    parser.add_argument("--device", default="cpu", choices=DEVICE_CHOICES, help=help)


def corpus_choice(args: argparse.Namespace) -> CorpusChoice:
    """`--corpus` as the service takes it: one name or path, a list of files, or None (the card's)."""
    corpus = getattr(args, "corpus", None)
    if not corpus:
        return None
    field = getattr(args, "text_field", None)
    if field:  # JSON Lines named without a field read this one
        corpus = [f"{c}#{field}" if c.endswith(JSONL_SUFFIXES) or Path(c).is_dir() or glob.has_magic(c) else c
                  for c in corpus]
    return corpus[0] if len(corpus) == 1 else list(corpus)


def make_service(args: argparse.Namespace) -> AnalysisService:
    show_service_notices()
    service = AnalysisService(make_registry(args), corpus=corpus_choice(args))
    if getattr(args, "device", None) is not None:
        service.device = resolve_device(args.device)
    return service


def warn(message: str) -> None:
    print(f"rnnlens: warning: {message}", file=sys.stderr)


class _NoticesOnStderr(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        warn(record.getMessage())  # sys.stderr as it is now (tests capture it per test)


def show_service_notices() -> None:
    """The service's notices (an unusable cache, statistics not used), each once on stderr as it
    happens. Without a handler, Python's last-resort one printed them bare, and the commands
    printed them again at the end."""
    service_log = logging.getLogger("rnnlens.service")
    if not any(isinstance(handler, _NoticesOnStderr) for handler in service_log.handlers):
        service_log.addHandler(_NoticesOnStderr(logging.WARNING))


def report_provenance(provenance: Provenance | None) -> None:
    """An out-of-domain warning on stderr (stdout stays the result); notices went out as they came."""
    warning = provenance.unknown_warning() if provenance is not None else None
    if warning:
        warn(warning)


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

