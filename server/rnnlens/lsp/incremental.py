"""Hidden states of a changing document, recomputed only where an edit reached them.

The sequence of token ids is split into chunks of `chunk_size` tokens; computed chunks keep
their states in a bounded LRU. A checkpoint is the complete recurrent state (all layers)
before a chunk's first token. An edit changes the ids from some index on: the chunks and
checkpoints after it are dropped, everything before is kept, so the next request runs the
model from the checkpoint of the chunk the edit fell in. A request for a range runs the
model only up to that range's last token. Work is cut into slices so that a stale request
(the document moved on, or the client cancelled) stops within one slice.

Checkpoints are completed lazily. Chunks keep every layer's h (the recurrent kernels return
it anyway) but an LSTM's cell state only where it is shown, so a checkpoint inside a slice
lacks the other layers' c. The slice's end gets a complete checkpoint for free (the kernel's
final state); the ones inside are solved only when an edit needs to resume there, once, from
the kept h's (`states_every`). Typing keeps resuming from the same checkpoint, so the
requests after the first pay nothing for checkpoints at all.

A document read in units (`rnnlens.reset`: lines or paragraphs, text_units.py) restarts the
state from zero at marked tokens: `set_ids` takes that mask with the ids, a change of either
invalidates from its first difference, and a slice runs its units one by one.

No LSP here: ids in, numpy arrays out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import numpy as np
import torch

from rnnlens.analysis.glyphs import Glyphs, compute_glyphs
from rnnlens.lsp.stale import Stale
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.trace import State, states_every

ShouldStop = Callable[[], bool]
T = TypeVar("T")


@dataclass
class ChunkStates:
    """States for tokens [start, start + length): every state name -> (length, H) float32."""

    start: int
    states: dict[str, np.ndarray]
    initial: dict[str, np.ndarray]  # name -> (H,): the state before `start`
    # chunk-local indices where the state restarted from zero: their previous state is zero
    restarts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    glyph_cache: dict[Hashable, Glyphs] = field(default_factory=dict)
    # Values derived from this chunk's states only (e.g. inlay labels), memoised: an edit that
    # reaches the chunk replaces the whole object, so nothing here can outlive its states.
    derived: dict[Hashable, Any] = field(default_factory=dict)
    # read for every token of every request: plain ints set once, not derived at each read
    length: int = field(init=False)
    end: int = field(init=False)

    def __post_init__(self) -> None:
        self.length = int(next(iter(self.states.values())).shape[0])
        self.end = self.start + self.length

    def current(self, name: str) -> np.ndarray:
        return self.states[name]

    def previous(self, name: str) -> np.ndarray:
        seq = self.states[name]
        previous = np.concatenate([self.initial[name][None, :], seq[:-1]], axis=0)
        previous[self.restarts] = 0.0
        return previous

    def memo(self, key: Hashable, make: Callable[[], T]) -> T:
        """`make()` once per key for this chunk; it must depend only on the chunk's states and the key."""
        if key not in self.derived:
            self.derived[key] = make()
        value: T = self.derived[key]
        return value

    def glyphs(self, name: str, unit_labels: np.ndarray, n_clusters: int, key: Hashable) -> Glyphs:
        cache_key = (name, key)
        if cache_key not in self.glyph_cache:
            self.glyph_cache[cache_key] = compute_glyphs(self.current(name), self.previous(name), unit_labels,
                                                         n_clusters)
        return self.glyph_cache[cache_key]


def fill_glyphs(chunks: Sequence[ChunkStates], name: str, unit_labels: np.ndarray, n_clusters: int,
                key: Hashable) -> None:
    """Compute the missing glyphs of many chunks in one call (one call per chunk costs more in overhead)."""
    missing = [chunk for chunk in chunks if (name, key) not in chunk.glyph_cache]
    if not missing:
        return
    glyphs = compute_glyphs(np.concatenate([chunk.current(name) for chunk in missing]),
                            np.concatenate([chunk.previous(name) for chunk in missing]), unit_labels, n_clusters)
    offset = 0
    for chunk in missing:
        rows = slice(offset, offset + chunk.length)
        chunk.glyph_cache[(name, key)] = Glyphs(**{f.name: getattr(glyphs, f.name)[rows] for f in fields(Glyphs)})
        offset += chunk.length


def first_difference(old: np.ndarray, new: np.ndarray) -> int:
    """The first index where two id sequences differ (the shorter length when one extends the other)."""
    n = min(len(old), len(new))
    if n == 0:
        return 0
    unequal = np.flatnonzero(old[:n] != new[:n])
    return int(unequal[0]) if unequal.size else n


class StateTimeline:
    """One model's states along one document, kept incrementally. Thread-safe."""

    def __init__(self, model: LoadedModel, keep: Collection[str] | None = None, chunk_size: int = 32,
                 max_cached_chunks: int = 1024, slice_chunks: int = 16):
        self.model = model
        # the states kept for every token: what hover and hints read, plus every layer's h, from
        # which a checkpoint's missing cell states can be solved later
        self.keep = frozenset(keep if keep is not None else model.stack.state_names())
        self._names = self.keep | {f"layer{index}.h" for index in range(1, model.num_layers + 1)}
        self.chunk_size = chunk_size
        # a checkpoint must solve an LSTM layer's cell state when the chunks do not keep it
        self._solves_cells = model.cell == "lstm" and any(
            f"layer{index}.c" not in self._names for index in range(1, model.num_layers + 1))
        self.max_cached_chunks = max_cached_chunks
        self.slice_chunks = slice_chunks
        self.ids = np.zeros(0, dtype=np.int64)
        self.resets = np.zeros(0, dtype=bool)  # True: the state restarts from zero before this token
        self._checkpoints: dict[int, State] = {0: model.stack.zero_state(1)}
        self._chunks: OrderedDict[int, ChunkStates] = OrderedDict()
        self.lock = threading.RLock()  # hold it across set_ids + reads to see one version
        self.tokens_computed = 0  # a counter for tests and benchmarks: how much model work ran

    def set_ids(self, ids: Sequence[int] | np.ndarray, resets: np.ndarray | None = None) -> int:
        """Adopt a new id sequence and its restart mask ((T,) bool, None: one unit); drop what the
        change invalidated. Returns the first changed index."""
        new = np.asarray(ids, dtype=np.int64)
        mask = np.zeros(len(new), dtype=bool) if resets is None else np.asarray(resets, dtype=bool)
        if mask.shape != new.shape:
            raise ValueError(f"resets must have one flag per token ({len(new)}); got {mask.shape}")
        with self.lock:
            changed = min(first_difference(self.ids, new),
                          first_difference(self.resets.view(np.int8), mask.view(np.int8)))
            self.resets = mask
            if changed == len(self.ids) == len(new):
                return changed
            size = self.chunk_size
            for index in [k for k, chunk in self._chunks.items()
                          if chunk.end > changed or (chunk.length < size and chunk.end != len(new))]:
                del self._chunks[index]
            for index in [k for k in self._checkpoints if k * size > changed]:
                del self._checkpoints[index]
            self.ids = new
            return changed

    @property
    def length(self) -> int:
        return len(self.ids)

    def chunks_for(self, start: int, end: int, should_stop: ShouldStop | None = None) -> list[ChunkStates]:
        """The chunks covering tokens [start, end), computing the missing ones (and nothing beyond `end`)."""
        with self.lock:
            end = min(end, len(self.ids))
            if start >= end:
                return []
            size = self.chunk_size
            wanted = range(start // size, (end - 1) // size + 1)
            found: dict[int, ChunkStates] = {}
            for index in wanted:
                chunk = self._chunks.get(index)
                if chunk is not None:
                    self._chunks.move_to_end(index)
                    found[index] = chunk
            missing = [index for index in wanted if index not in found]
            if missing:
                found.update(self._compute(missing[0], missing[-1], should_stop))
            return [found[index] for index in wanted]

    def chunk_at(self, token: int, should_stop: ShouldStop | None = None) -> ChunkStates:
        chunks = self.chunks_for(token, token + 1, should_stop)
        if not chunks:
            raise IndexError(f"token {token} is outside the document ({len(self.ids)} tokens)")
        return chunks[0]

    def state_before(self, token: int) -> State:
        """The complete state (every layer's h, and c for an LSTM; batch one) that step `token` starts
        from: zero after a restart, else its chunk's checkpoint (solved from the cached chunks when
        it can be) run on to the token, so at most chunk_size - 1 steps when the chunks are warm.
        For callers that rerun the model from a token (ablation, attribution)."""
        with self.lock:
            if not 0 <= token < len(self.ids):
                raise IndexError(f"token {token} is outside the document ({len(self.ids)} tokens)")
            if self.resets[token]:
                return self.model.stack.zero_state(1)
            index = token // self.chunk_size
            origin = self._complete_checkpoints(max(k for k in self._checkpoints if k <= index), index)
            begin = origin * self.chunk_size
            state = self._checkpoints[origin]
            if token > begin:
                _, state = self._trace_units(begin, token, state)
            return {name: value.clone() for name, value in state.items()}

    def _compute(self, first: int, last: int, should_stop: ShouldStop | None) -> dict[int, ChunkStates]:
        """Compute chunks first..last, starting from the checkpoint before `first` (completed from
        the chunks before it if need be) or else the nearest earlier one."""
        origin = self._complete_checkpoints(max(k for k in self._checkpoints if k <= first), first)
        made: dict[int, ChunkStates] = {}
        index = origin
        while index <= last:
            if should_stop is not None and should_stop():
                raise Stale()
            upto = min(last + 1, index + self.slice_chunks)
            made.update(self._run_slice(index, upto))
            index = upto
        return {k: chunk for k, chunk in made.items() if k >= first}

    def _run_slice(self, first: int, stop: int) -> dict[int, ChunkStates]:
        size = self.chunk_size
        begin, finish = first * size, min(stop * size, len(self.ids))
        initial = self._checkpoints[first]
        arrays, final = self._trace_units(begin, finish, initial)
        self.tokens_computed += finish - begin
        names = list(arrays)
        made: dict[int, ChunkStates] = {}
        for index in range(first, stop):
            lo, hi = index * size - begin, min((index + 1) * size, finish) - begin
            if lo >= hi:
                break
            before = {name: (arrays[name][lo - 1] if lo > 0 else initial[name][0].numpy()) for name in names}
            restarts = np.flatnonzero(self.resets[begin + lo: begin + hi])
            chunk = ChunkStates(start=index * size, states={n: arrays[n][lo:hi] for n in names},
                                initial={n: np.asarray(v, dtype=np.float32) for n, v in before.items()},
                                restarts=restarts)
            made[index] = chunk
            self._store(index, chunk)
        if finish == stop * size:  # the slice ends on a chunk boundary: its final state is a checkpoint
            self._checkpoints[stop] = {n: v.clone() for n, v in final.items()}
        return made

    def _trace_units(self, begin: int, finish: int, initial: State) -> tuple[dict[str, np.ndarray], State]:
        """States (name -> (n, H) float32) of tokens [begin, finish) from `initial`, restarting from
        the zero state at each marked token, and the final state."""
        cuts = [begin] + [int(i) for i in np.flatnonzero(self.resets[begin:finish]) + begin if i > begin] + [finish]
        parts: list[dict[str, np.ndarray]] = []
        state = initial
        for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
            if self.resets[lo]:
                state = self.model.stack.zero_state(1)
            trace = self.model.trace(torch.from_numpy(self.ids[lo:hi]).view(1, -1), initial=state, outputs=False,
                                     names=self._names)
            parts.append({n: trace.states[n][0].numpy().astype(np.float32, copy=False) for n in trace.states})
            state = trace.final_state
        if len(parts) == 1:
            return parts[0], state
        return {n: np.concatenate([part[n] for part in parts]) for n in parts[0]}, state

    def _complete_checkpoints(self, origin: int, first: int) -> int:
        """Solve the checkpoints origin+1..first from the cached chunks between them (their kept
        h's and the ids); returns the nearest checkpoint to resume from (`origin` when a chunk
        in between was evicted and the model must run again from there)."""
        chunks = []
        for index in range(origin, first):
            chunk = self._chunks.get(index)
            if chunk is None:
                return origin
            chunks.append(chunk)
        if not chunks:
            return origin
        size = self.chunk_size
        if self._solves_cells and self.resets[origin * size: first * size].any():
            return origin  # the cell-state solver runs one unbroken recurrence: run the model instead
        known = {name: torch.from_numpy(np.concatenate([chunk.states[name] for chunk in chunks])).unsqueeze(0)
                 for name in self._names}
        ids = torch.from_numpy(self.ids[origin * size: first * size]).view(1, -1)
        solved = states_every(self.model.stack, ids, known, self._checkpoints[origin], size)
        for offset, state in enumerate(solved, start=1):
            self._checkpoints[origin + offset] = {n: v.clone() for n, v in state.items()}
        return first

    def _store(self, index: int, chunk: ChunkStates) -> None:
        self._chunks[index] = chunk
        self._chunks.move_to_end(index)
        while len(self._chunks) > self.max_cached_chunks:
            self._chunks.popitem(last=False)

    def describe(self) -> dict[str, Any]:
        return {"tokens": len(self.ids), "checkpoints": len(self._checkpoints), "cached_chunks": len(self._chunks),
                "tokens_computed": self.tokens_computed}
