"""Evaluation on a Ray cluster: the batches of `evaluation.indexed_batches` traced by worker actors,
their statistics merged exactly on the driver.

Why Ray: the statistics are sums, squares, counts and a bottom-k sketch, so shards merge
exactly; what a cluster adds is scheduling, transport and failure handling, which Ray already
does (`pip install rnnlens[ray]`; a local cluster for `--workers N`, an existing one for
`--ray-address`).

The driver reads and tokenises the corpus (once: the tracing pass reads the ids the counting pass
spilled, store/encoded_spill.py), cuts it into the same batches one process would trace, and
sends each batch's token ids to the least busy actor. An actor holds the model once (one torch
thread) and one accumulator (vocabulary x units, as a single process), folds each batch in and
remembers the batch numbers. At the end the driver
takes every actor's raw float64 sums and sketch and adds them: because the batches are the same
and each occurrence's sketch key is a hash of (document, position), the result equals the
single-process one (float64 rounding of the order of addition aside), for any number of workers.

With a pattern index asked for, each actor also binarises the states of each batch it traces and
returns those bits with the batch (none for tokens past what the driver's index can still take).
The driver adds them to its `PatternIndexBuilder` at once, as if it had traced those windows
itself, once per batch (a batch traced again after its actor died brings none): the index equals
one process's too, it stays bounded, and a query after `--workers` needs no second evaluation.

An actor that dies loses everything it accumulated: every batch ever sent to it is traced
again (the corpus is re-streamed for those batches only) by a new actor, and the driver checks
that the batch numbers it merged cover every batch exactly once.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from rnnlens.analysis.evaluation import (
    Cancel,
    EvaluationPlan,
    Progress,
    indexed_batches,
    new_accumulator,
    plan_evaluation,
    settle_memory_when_due,
    trace_batch,
)
from rnnlens.analysis.pattern_index import IndexPart, PatternIndexBuilder
from rnnlens.analysis.response_accumulator import AccumulatorPart, ResponseAccumulator
from rnnlens.analysis.response_stats import ResponseStats
from rnnlens.errors import Cancelled, RnnLensError
from rnnlens.models.loaded import LoadedModel

INSTALL_HINT = "distributed evaluation needs Ray: pip install 'rnnlens[ray]'"
IN_FLIGHT = 2  # batches queued per actor: one tracing, one waiting, so an actor never idles
# A local cluster's object store: batches, their pattern bits (copied out as they arrive) and the
# statistics parts are small, and only those in flight are held.
OBJECT_STORE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class RayOptions:
    """Where to evaluate: `workers` actors on a local cluster started here (and stopped after),
    or on the cluster at `address` (`workers` None: one per CPU the cluster has)."""

    workers: int | None = None
    address: str | None = None


@dataclass
class RayReport:
    """What a run did, for benchmarks and logs."""

    workers: int = 0
    batches: int = 0
    retried_batches: int = 0
    worker_deaths: int = 0
    startup_s: float = 0.0  # waiting for the actors to start (import torch, load the model) after the counting pass
    trace_s: float = 0.0  # from the first batch sent to the last acknowledged
    merge_s: float = 0.0  # after the last batch came back, until every part was added: what merging adds
    merge_work_s: float = 0.0  # fetching and adding the actors' parts, overlapped with tracing or not
    worker_rss: list[int] = field(default_factory=list)  # peak resident bytes of each actor


def import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise RnnLensError(INSTALL_HINT) from exc
    return ray


@dataclass(frozen=True)
class IndexSpec:
    """The pattern index a worker builds beside its statistics (the driver's builder's settings)."""

    units: dict[str, int]
    thresholds: tuple[float, ...]
    max_tokens: int

    @classmethod
    def of(cls, builder: PatternIndexBuilder) -> IndexSpec:
        return cls(dict(builder.units), builder.thresholds, builder.max_tokens)


class EvaluationWorker:
    """A Ray actor: the model once, one accumulator, the batch numbers folded into it (a batch's
    pattern bits go back with the batch)."""

    def __init__(self, model: LoadedModel):
        # Started before the driver's counting pass: importing torch and loading the model here
        # overlaps that pass; the accumulator waits for its sketch words (begin).
        torch.set_num_threads(1)
        self.model = model
        self.folded: list[int] = []
        self.traced = 0  # tokens traced by this worker
        self.index: IndexSpec | None = None

    def begin(self, sketch_ids: np.ndarray, sketch_size: int, seed: int, index: IndexSpec | None = None) -> int:
        self.accumulator = new_accumulator(self.model, EvaluationPlan(0, sketch_ids), sketch_size, seed)
        self.names = list(self.accumulator.sums)
        self.index = index
        return os.getpid()

    def run(self, ordinal: int, docs: list[np.ndarray], indices: np.ndarray,
            refuse_from: int | None = None) -> tuple[int, IndexPart | None]:
        """Trace one batch into the accumulator; return its tokens and, with an index asked for, the
        batch's pattern bits (none for tokens at or past `refuse_from`, which the driver's index
        cannot take). The bits go back with the batch, so the driver gathers them while others trace."""
        on_states = None
        patterns = None
        if self.index is not None:
            patterns = PatternIndexBuilder(self.index.units, self.index.thresholds, self.index.max_tokens)
            patterns.refuse_from(refuse_from)

            def on_states(start: int, lengths: torch.Tensor, states: dict[str, torch.Tensor]) -> None:
                patterns.add_window(indices, start, lengths, states)
        trace_batch(self.model, docs, self.names, self.accumulator.add, on_states, indices=indices)
        self.folded.append(ordinal)
        tokens = int(sum(len(d) for d in docs))
        settle_memory_when_due(self.accumulator, self.traced, tokens)
        self.traced += tokens
        return tokens, None if patterns is None else patterns.take_part()

    def take(self) -> AccumulatorPart:
        """Everything accumulated so far (then forgotten here, so nothing is sent twice)."""
        part = self.accumulator.part(self.folded)
        self.accumulator = ResponseAccumulator(self.accumulator.words,
                                               {n: s.shape[1] for n, s in self.accumulator.sums.items()},
                                               self.accumulator.sketch.word_ids, self.accumulator.sketch.size,
                                               self.accumulator.seed)
        self.folded = []
        return part

    def peak_rss(self) -> int:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024

    def pid(self) -> int:
        return os.getpid()


def connect(ray: Any, options: RayOptions) -> bool:
    """Join the cluster at `options.address`, or start a local one; True when started here."""
    if ray.is_initialized():
        return False
    if options.address:
        try:
            ray.init(address=options.address, logging_level=logging.WARNING, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise RnnLensError(f"cannot reach the Ray cluster at {options.address}: {exc}") from exc
        return True
    ray.init(num_cpus=options.workers or 1, include_dashboard=False, logging_level=logging.WARNING,
             log_to_driver=False, object_store_memory=OBJECT_STORE_BYTES)
    return True


class _Pool:
    """The actors, what each has been sent, and replacing one that died."""

    def __init__(self, ray: Any, workers: int, make: Callable[[], Any]):
        self.ray = ray
        self.make = make
        self.actors = [make() for _ in range(workers)]
        self.sent: list[list[int]] = [[] for _ in range(workers)]  # batch numbers since the last take
        self.in_flight: dict[Any, tuple[int, int, int]] = {}  # ref -> (slot, batch number, tokens)

    def busy(self, slot: int) -> int:
        return sum(1 for s, _, _ in self.in_flight.values() if s == slot)

    def free_slot(self) -> int | None:
        slot = min(range(len(self.actors)), key=self.busy)
        return slot if self.busy(slot) < IN_FLIGHT else None

    def submit(self, slot: int, ordinal: int, docs: list[np.ndarray], indices: np.ndarray,
               refuse_from: int | None) -> None:
        ref = self.actors[slot].run.remote(ordinal, docs, indices, refuse_from)
        self.in_flight[ref] = (slot, ordinal, int(sum(len(d) for d in docs)))
        self.sent[slot].append(ordinal)

    def replace(self, slot: int) -> list[int]:
        """A new actor in `slot`; returns the batch numbers the dead one took with it."""
        lost = self.sent[slot]
        for ref in [r for r, (s, _, _) in self.in_flight.items() if s == slot]:
            del self.in_flight[ref]
        try:
            self.ray.kill(self.actors[slot], no_restart=True)
        except Exception:  # already gone
            pass
        self.actors[slot] = self.make()
        self.sent[slot] = []
        return lost

    def kill_all(self) -> None:
        for actor in self.actors:
            try:
                self.ray.kill(actor, no_restart=True)
            except Exception:
                pass


AfterBatch = Callable[[int, list[Any]], None]  # (batches acknowledged, live actors): tests kill one here


def evaluate_on_ray(model: LoadedModel, documents: Callable[[], Iterable[np.ndarray]], options: RayOptions,
                    progress: Progress | None = None, cancel: Cancel | None = None, seed: int = 0,
                    sketch_size: int = 48, report: RayReport | None = None,
                    after_batch: AfterBatch | None = None, patterns: PatternIndexBuilder | None = None) -> ResponseStats:
    """`evaluation.evaluate_documents` on Ray actors; the same statistics for any number of them.
    With `patterns`, the actors binarise the states they trace too, and each batch's bits go into
    that builder: the same pattern index one process builds."""
    ray = import_ray()
    report = report if report is not None else RayReport()
    started = connect(ray, options)
    pool: _Pool | None = None
    try:
        workers = options.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        # Workers never tokenise: the user's tokenizer need not be importable there.
        model_ref = ray.put(replace(model, tokenizer=_no_tokenizer))
        actor_class = ray.remote(num_cpus=1, max_restarts=0)(EvaluationWorker)
        plan: EvaluationPlan | None = None
        index = IndexSpec.of(patterns) if patterns is not None else None

        def make() -> Any:
            actor = actor_class.remote(model_ref)
            if plan is not None:  # a replacement: the plan is known (calls on an actor run in the order sent)
                actor.begin.remote(plan.sketch_ids, sketch_size, seed, index)
            return actor

        # The actors start (import torch, load the model) while this process counts the words.
        pool = _Pool(ray, workers, make)
        report.workers = workers
        plan = plan_evaluation(model, documents())
        final = new_accumulator(model, plan, sketch_size, seed)
        ready_started = time.perf_counter()
        try:  # the part of the actors' start-up the counting pass did not hide
            ray.get([actor.begin.remote(plan.sketch_ids, sketch_size, seed, index) for actor in pool.actors])
        except ray.exceptions.RayActorError:
            pass  # a failed start shows again when work is sent, and is handled there
        report.startup_s = time.perf_counter() - ready_started
        merged: list[int] = []
        acknowledged: set[int] = set()
        indexed: set[int] = set()  # batches whose pattern bits are in `patterns`
        state = {"done": 0, "shown": 0.0}
        started_at = time.perf_counter()
        lost: set[int] = set()
        takes: dict[Any, int] = {}  # ref of an actor's part -> its slot

        def acknowledge(ref: Any) -> None:
            """A batch came back (or its actor died)."""
            if ref not in pool.in_flight:  # its actor was replaced meanwhile
                return
            slot, ordinal, tokens = pool.in_flight.pop(ref)
            try:
                _, bits = ray.get(ref)
            except ray.exceptions.RayActorError:
                lost.update(pool.replace(slot))
                report.worker_deaths += 1
                return
            if patterns is not None and bits is not None and ordinal not in indexed:
                # A batch's bits are a function of the batch: kept even if this actor dies before its
                # statistics are merged (then only the statistics are traced again). Added at once, so
                # the index stays bounded and the actors learn where it is full (refusing_from).
                patterns.absorb(bits.copied())  # out of the object store, which would keep it pinned
                indexed.add(ordinal)
            acknowledged.add(ordinal)
            state["done"] += tokens
            report.batches = len(acknowledged)
            if progress is not None:
                # Monotone: batches lost with a worker are traced again without going back.
                state["shown"] = max(state["shown"], min(state["done"], plan.total) / plan.total)
                progress(state["shown"], f"evaluated {min(state['done'], plan.total):,} of {plan.total:,} "
                                         f"tokens on {workers} workers")
            if after_batch is not None:
                after_batch(len(acknowledged), list(pool.actors))

        def absorb(ref: Any) -> None:
            """An actor's part came back: add it (or note what its death lost)."""
            slot = takes.pop(ref)
            merge_started = time.perf_counter()
            try:
                part = ray.get(ref)
            except ray.exceptions.RayActorError:
                lost.update(pool.replace(slot))
                report.worker_deaths += 1
                return
            pool.sent[slot] = []
            final.absorb(part)
            merged.extend(part.batches)
            report.merge_work_s += time.perf_counter() - merge_started

        def settle(block: bool) -> None:
            ready, _ = ray.wait(list(pool.in_flight), num_returns=1, timeout=None if block else 0)
            for ref in ready:
                acknowledge(ref)

        wanted: set[int] | None = None  # None: every batch (the first pass)
        expected = 0
        while True:
            for ordinal, (docs, indices) in enumerate(indexed_batches(documents())):
                if wanted is None:
                    expected = ordinal + 1
                elif ordinal not in wanted:
                    continue
                if cancel is not None and cancel():
                    raise Cancelled("evaluation cancelled")
                while (slot := pool.free_slot()) is None:
                    settle(block=True)
                # A batch traced again after its actor died needs no bits if they came back before.
                refuse_from = None if patterns is None else 0 if ordinal in indexed else patterns.refusing_from
                pool.submit(slot, ordinal, docs, indices, refuse_from)
                settle(block=False)
            # Every batch is sent: an actor that is done gives its part at once, so adding it here
            # overlaps the others' last batches; what is left after the last batch is the merge's cost.
            traced_at: float | None = None
            while True:
                for slot in range(len(pool.actors)):
                    if pool.sent[slot] and pool.busy(slot) == 0 and slot not in takes.values():
                        takes[pool.actors[slot].take.remote()] = slot
                if not pool.in_flight and traced_at is None:
                    traced_at = time.perf_counter()
                if not pool.in_flight and not takes:
                    break
                if cancel is not None and cancel():
                    raise Cancelled("evaluation cancelled")
                [ref], _ = ray.wait(list(pool.in_flight) + list(takes), num_returns=1)
                if ref in takes:
                    absorb(ref)
                else:
                    acknowledge(ref)
            assert traced_at is not None
            report.trace_s = traced_at - started_at
            report.merge_s += time.perf_counter() - traced_at
            if not lost:
                break
            report.retried_batches += len(lost)
            acknowledged -= lost
            wanted, lost = set(lost), set()
        try:
            report.worker_rss = [int(ray.get(a.peak_rss.remote())) for a in pool.actors]
        except ray.exceptions.RayActorError:
            pass
        if sorted(merged) != list(range(expected)):
            raise RnnLensError(f"distributed evaluation merged batches {_describe(merged, expected)}; "
                               f"the statistics were not kept")
        return final.finish()
    finally:
        if pool is not None:
            pool.kill_all()
        if started:
            ray.shutdown()


def _no_tokenizer(text: str) -> list[Any]:
    raise RnnLensError("an evaluation worker does not tokenise; the driver sends token ids")


def _describe(merged: list[int], expected: int) -> str:
    seen: set[int] = set()
    twice: set[int] = set()
    for ordinal in merged:
        (twice if ordinal in seen else seen).add(ordinal)
    missing = sorted(set(range(expected)) - seen)
    return f"with {len(twice)} counted twice and {len(missing)} missing (of {expected})"
