"""Stream encoded documents through a model and accumulate expected-response statistics.

Two passes over the documents: the first only counts words (to know which rows to keep and
which words get percentile sketches), the second traces. Documents are read in buffers,
sorted by length so a batch wastes little padding, and cut into fixed windows; each window
continues from the previous window's final state, so any document length works with bounded
memory. Every document starts from the model's zero state. Progress and cancel per batch.

Batches are a function of the document stream alone (a buffer is every BUFFER_DOCUMENTS
documents, empty ones included), and each occurrence's sketch key is a hash of its (document
index, position): the same batches traced by other processes (analysis/ray_evaluation.py) give
the same float32 partial sums and the same percentile samples, so merged statistics equal
these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from rnnlens.analysis.heap_release import release_free_memory
from rnnlens.analysis.pattern_index import PatternIndexBuilder
from rnnlens.analysis.quantile_sketch import occurrence_codes
from rnnlens.analysis.response_accumulator import ResponseAccumulator
from rnnlens.analysis.response_stats import ResponseStats
from rnnlens.errors import Cancelled, RnnLensError
from rnnlens.models.loaded import LoadedModel

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]

WINDOW = 256  # steps per trace call; long documents continue across windows
BATCH_TOKENS = 16384  # padded tokens per trace call
BUFFER_DOCUMENTS = 256  # documents sorted together by length
SKETCH_WORDS = 300  # the most frequent words get percentile sketches


TRIM_EVERY_TOKENS = 1_000_000  # evaluated tokens between settle_memory() calls


def settle_memory(accumulator: ResponseAccumulator) -> None:
    """Every TRIM_EVERY_TOKENS tokens: fold the sketch's buffered candidates in, then give the
    heap's free pages back to the system (heap_release: glibc's malloc_trim; elsewhere nothing).

    The sketch buffers its candidates in small arrays until PENDING_LIMIT of them wait; as the
    samples fill, candidates get rarer (about size/count of a word's occurrences), so late in a
    long corpus each small array lived for thousands of batches inside holes the batches' tensors
    had left, and the heap grew around them: with Brown repeated to 100M tokens, its address space
    went from 185 to 519 MB (130 MB live) and the peak resident set crept up with it. Folded in here,
    they live at most TRIM_EVERY_TOKENS tokens: the heap stayed at 158-165 MB and the peak flat.
    The statistics are the same: a bottom-k sample does not depend on when candidates are folded
    in (a stricter threshold sooner only skips ones that could not be kept)."""
    accumulator.sketch.flush()
    release_free_memory()


def settle_memory_when_due(accumulator: ResponseAccumulator, done: int, tokens: int) -> None:
    """`settle_memory` when the `tokens` just evaluated, after `done` before them, cross a multiple
    of TRIM_EVERY_TOKENS."""
    if (done + tokens) // TRIM_EVERY_TOKENS != done // TRIM_EVERY_TOKENS:
        settle_memory(accumulator)


def state_sizes(model: LoadedModel) -> dict[str, int]:
    """Every state name of the model (`layer1.h`, `layer1.c`, ...) with its number of units."""
    return {f"layer{index}.{kind}": int(layer.hidden_size)
            for index, layer in enumerate(model.stack.layers, start=1) for kind in model.state_kinds}


def stats_shape_problem(stats: ResponseStats, model: LoadedModel) -> str | None:
    """Why `stats` cannot belong to `model` (vocabulary size, state names, units per state), or None.

    A cache entry's checksum proves the file is intact, not that it was written for this model
    (an older engine, a hash collision, a hand-copied file): check before use.
    """
    if len(stats.words) != len(model.vocab):
        return f"{len(stats.words)} vocabulary words, the model has {len(model.vocab)}"
    sizes = state_sizes(model)
    if sorted(stats.state_names) != sorted(sizes):
        return f"states {', '.join(stats.state_names)}, the model has {', '.join(sizes)}"
    for name, units in sizes.items():
        for part, array in (("mean", stats.mean[name]), ("m2", stats.m2[name])):
            if array.ndim != 2 or array.shape != (len(stats.row_ids), units):
                return f"{part} of {name} has shape {array.shape}, the model's {name} has {units} units"
        sketched = stats.sketch.values.get(name)
        if sketched is not None and (sketched.ndim != 3 or sketched.shape[2] != units):
            return f"the percentile samples of {name} have shape {sketched.shape}, the model's {name} has {units} units"
    if stats.row_ids.size and (stats.row_ids.min() < 0 or stats.row_ids.max() >= len(model.vocab)):
        return "word ids outside the model's vocabulary"
    return None


def indexed_batches(documents: Iterable[np.ndarray]) -> Iterator[tuple[list[np.ndarray], np.ndarray]]:
    """Batches of documents with each document's index in the stream (for the sketch's keys).

    A buffer holds BUFFER_DOCUMENTS consecutive documents of the stream (empty ones counted,
    then dropped), so where batches begin and end depends on the documents only."""
    buffer: list[tuple[int, np.ndarray]] = []
    seen = 0

    def flush() -> Iterator[tuple[list[np.ndarray], np.ndarray]]:
        buffer.sort(key=lambda item: (len(item[1]), item[0]))
        start = 0
        while start < len(buffer):
            longest_window = min(len(buffer[start][1]), WINDOW)
            size = max(1, BATCH_TOKENS // max(longest_window, 1))
            # Sorted ascending: the batch's longest document is its last; shrink until it fits.
            while size > 1 and min(len(buffer[min(start + size, len(buffer)) - 1][1]), WINDOW) * size > BATCH_TOKENS:
                size //= 2
            chunk = buffer[start:start + size]
            yield [doc for _, doc in chunk], np.array([index for index, _ in chunk], dtype=np.int64)
            start += size
        buffer.clear()

    for index, doc in enumerate(documents):
        if len(doc):
            buffer.append((index, doc))
        seen += 1
        if seen % BUFFER_DOCUMENTS == 0:
            yield from flush()
    yield from flush()


def batches(documents: Iterable[np.ndarray]) -> Iterator[list[np.ndarray]]:
    for docs, _ in indexed_batches(documents):
        yield docs


OnWindow = Callable[[torch.Tensor, dict[str, torch.Tensor]], None]
OnStates = Callable[[int, torch.Tensor, dict[str, torch.Tensor]], None]  # window start, real lengths, states


def responses_of(states: torch.Tensor, initial: torch.Tensor) -> torch.Tensor:
    """r_t = s_t - s_{t-1} for a (batch, time, hidden) window, written once (no shifted copy)."""
    out = torch.empty(states.shape, dtype=states.dtype, device=states.device)  # contiguous, whatever the layout
    torch.sub(states[:, 1:], states[:, :-1], out=out[:, 1:])
    torch.sub(states[:, 0], initial, out=out[:, 0])
    return out


def shape_bucket(n: int) -> int:
    """`n` rounded up to one of 4 values an octave (1..8 exact, then 10, 12, 14, 16, 20, 24, ...): at
    most 25 % padding. oneDNN's LSTM (PyTorch's CPU kernel) keeps a primitive, with its buffers,
    for every input shape it sees, up to 1,024 of them, and evicting them fragments the heap: with
    a shape per batch, a 100M-token evaluation grew from 370 MB to 800 MB of resident memory.
    Bucketed rows and steps keep the shapes to a few hundred, whatever the corpus length."""
    if n <= 8:
        return max(n, 1)
    step = 1 << (n.bit_length() - 3)
    return -(-n // step) * step


def padded_width(width: int) -> int:
    """A batch's padded steps: whole windows, then the last window's steps bucketed (at most WINDOW)."""
    whole = (width - 1) // WINDOW * WINDOW
    return whole + min(WINDOW, shape_bucket(width - whole))


def trace_batch(model: LoadedModel, docs: list[np.ndarray], names: list[str], on_window: OnWindow | None,
                on_states: OnStates | None = None, indices: np.ndarray | None = None) -> None:
    """Trace a batch of documents window by window, carrying the state; hand each window's real
    (unpadded) token ids and responses per state name to `on_window` (None: trace only), and its
    padded states with the real lengths to `on_states` (the pattern index). With `indices` (each
    document's index in the corpus) `on_window` also gets each token's occurrence code (document
    index, position) as a third argument: the sketch's keys."""
    rows, width = len(docs), max((len(d) for d in docs), default=0)
    if width == 0:
        return
    # The kernels see a bucketed shape (rows and the last window's steps rounded up, padding
    # masked out); the callbacks see the real rows and steps only, as before.
    lengths = torch.zeros(shape_bucket(rows), dtype=torch.long)
    lengths[:rows] = torch.tensor([len(d) for d in docs])
    padded = torch.full((lengths.shape[0], padded_width(width)), model.vocab.pad_id, dtype=torch.long)
    for row, doc in enumerate(docs):
        padded[row, : len(doc)] = torch.from_numpy(np.asarray(doc, dtype=np.int64))
    state = None
    for start in range(0, width, WINDOW):
        steps = min(WINDOW, width - start)  # real steps of this window
        full_ids = padded[:, start:start + WINDOW]
        trace = model.trace(full_ids, initial=state, lengths=(lengths - start).clamp(min=1, max=full_ids.shape[1]),
                            outputs=False)
        ids = full_ids[:rows, :steps]
        window_lengths = (lengths[:rows] - start).clamp(min=0, max=steps)
        if on_window is not None:
            responses = {name: responses_of(trace[name][:rows, :steps], trace.initial_state[name][:rows])
                         for name in names}
            codes = None
            if indices is not None:
                codes = occurrence_codes(np.repeat(indices[:, None], ids.shape[1], axis=1),
                                         np.broadcast_to(np.arange(start, start + ids.shape[1]), ids.shape))
            if bool((window_lengths == ids.shape[1]).all()):  # no padding: views, no copies
                flat = {name: r.view(-1, r.shape[2]) for name, r in responses.items()}
                if codes is None:
                    on_window(ids.reshape(-1), flat)
                else:
                    on_window(ids.reshape(-1), flat, codes.reshape(-1))  # type: ignore[call-arg]
            else:
                mask = torch.arange(ids.shape[1])[None, :] < window_lengths[:, None]
                on_device = mask.to(trace.final_state[names[0]].device) if names else mask
                kept = {name: r[on_device] for name, r in responses.items()}
                if codes is None:
                    on_window(ids[mask], kept)
                else:
                    on_window(ids[mask], kept, codes[mask.numpy()])  # type: ignore[call-arg]
        if on_states is not None:
            on_states(start, window_lengths, {name: value[:rows, :steps] for name, value in trace.states.items()})
        state = trace.final_state


def count_words(documents: Iterable[np.ndarray], vocab_size: int) -> np.ndarray:
    counts = np.zeros(vocab_size, dtype=np.int64)
    for doc in documents:
        if len(doc):
            counts += np.bincount(doc, minlength=vocab_size)
    return counts


@dataclass
class EvaluationPlan:
    """What the first pass over the corpus decides: the total tokens and the sketched words."""

    total: int
    sketch_ids: np.ndarray


def plan_evaluation(model: LoadedModel, documents: Iterable[np.ndarray]) -> EvaluationPlan:
    """First pass: count the words; the SKETCH_WORDS most frequent (specials aside) get sketches."""
    vocab_size = len(model.vocab)
    counts = count_words(documents, vocab_size)
    total = int(counts.sum())
    if total == 0:
        raise RnnLensError("the corpus holds no tokens to evaluate")
    present = np.flatnonzero(counts)
    ranked = present[np.lexsort((present, -counts[present]))]
    specials = {model.vocab.pad_id, model.vocab.unk_id}
    sketch_ids = np.array([w for w in ranked[: SKETCH_WORDS + 2] if w not in specials][:SKETCH_WORDS], dtype=np.int64)
    return EvaluationPlan(total, sketch_ids)


def new_accumulator(model: LoadedModel, plan: EvaluationPlan, sketch_size: int = 48, seed: int = 0) -> ResponseAccumulator:
    # One row per vocabulary word, whatever occurs: memory is vocabulary x units, the same for
    # a short and a long corpus (the cache stores only rows that occurred).
    return ResponseAccumulator(list(model.vocab.words), state_sizes(model), plan.sketch_ids, sketch_size, seed,
                               device=model.stack.device)


def evaluate_documents(model: LoadedModel, documents: Callable[[], Iterable[np.ndarray]],
                       progress: Progress | None = None, cancel: Cancel | None = None,
                       seed: int = 0, sketch_size: int = 48,
                       patterns: PatternIndexBuilder | None = None) -> ResponseStats:
    """Statistics of `model` over the encoded documents (`documents()` is iterated twice); with
    `patterns`, every token's binarised states go into that pattern index too (same trace)."""
    plan = plan_evaluation(model, documents())
    accumulator = new_accumulator(model, plan, sketch_size, seed)
    names = list(accumulator.sums)
    done = 0
    for docs, indices in indexed_batches(documents()):
        if cancel is not None and cancel():
            raise Cancelled("evaluation cancelled")
        on_states = None
        if patterns is not None:
            def on_states(start: int, lengths: torch.Tensor, states: dict[str, torch.Tensor],
                          indices: np.ndarray = indices) -> None:
                patterns.add_window(indices, start, lengths, states)
        trace_batch(model, docs, names, accumulator.add, on_states, indices=indices)
        tokens = sum(len(d) for d in docs)
        settle_memory_when_due(accumulator, done, tokens)
        done += tokens
        if progress is not None:
            progress(done / plan.total, f"evaluated {done:,} of {plan.total:,} tokens")
    return accumulator.finish()
