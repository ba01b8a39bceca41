"""The hover's causal lines: what each memory chip does to the output at the token (cluster
ablation) and which earlier words of its line drive that output (integrated gradients).

Both rerun the model from the language server's warm states (docs/causal.md): the ablation from
the timeline's states at the token (a language model viewed on its top layer needs nothing
else: one batched step through the head), the attribution from the state the timeline gives
for the start of its window. The window is the token's line, within its unit (rnnlens.reset),
at most `rnnlens.hover.attributionWindow` words; earlier words are held fixed in that state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from rnnlens.analysis.ablation import ClusterEffects, cluster_effects
from rnnlens.analysis.attribution import TOLERANCE, AttributionNotConverged, attribute_token
from rnnlens.analysis.text_units import resolve_reset
from rnnlens.errors import RnnLensError
from rnnlens.lsp.markdown import escape
from rnnlens.lsp.session import LensSession, Prepared
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.trace import State

SHOWN_CHIPS = 4  # strongest first; the rest are summed up as "others within ±x"
SHOWN_WORDS = 5
UNIT_NAMES = {"lines": "line", "paragraphs": "paragraph", "none": "text"}
ROLE_TITLES = {"next": "next word", "top": "top prediction", "class": "class", "given": "word"}


@dataclass
class ChipRow:
    """One measured output and its change when each chip (unit cluster) is zeroed."""

    role: str  # "next" | "top" (language model) | "class"
    name: str
    base: float  # LM: log-probability; classifier: probability
    deltas: list[float]  # per chip, in chip order


@dataclass
class ChipEffectsHover:
    layer: int
    task: str
    rows: list[ChipRow]
    token: int
    read_at: int  # the token whose output is read (a classifier: the end of the token's unit)
    unit: str = "line"  # what a classifier reads its class at the end of: line | paragraph | text
    mirrored: str | None = None  # a two-class classifier: the class whose change is the opposite


@dataclass
class WordsHover:
    """The strongest contributors to the log-probability of one output, or why none are shown."""

    role: str
    name: str
    first: int  # first attributed token
    count: int  # tokens attributed
    words: list[tuple[str, float]] = field(default_factory=list)  # strongest |score| first
    steps: int = 0
    delta: float = 0.0
    refused: str | None = None


@dataclass
class CausalHover:
    effects: ChipEffectsHover | None = None
    words: WordsHover | None = None
    notes: list[str] = field(default_factory=list)


def unit_bounds(resets: np.ndarray | None, index: int, length: int) -> tuple[int, int]:
    """[first, end) of the unit (rnnlens.reset) holding token `index`: the state restarts at its first token."""
    if resets is None:
        return 0, length
    before = np.flatnonzero(resets[:index + 1])
    after = np.flatnonzero(resets[index + 1:])
    return (int(before[-1]) if before.size else 0), (index + 1 + int(after[0]) if after.size else length)


def window_start(prepared: Prepared, index: int, unit_first: int, window: int) -> int:
    """First token of the attribution window: the token's line, within its unit, at most `window` tokens."""
    text = prepared.snapshot.text
    earliest = max(unit_first, index + 1 - window)
    lo, offset = int(prepared.starts[earliest]), int(prepared.starts[index])
    line_offset = max(text.rfind("\n", lo, offset), text.rfind("\r", lo, offset)) + 1  # LSP's line breaks
    return max(earliest, int(np.searchsorted(prepared.starts, line_offset, side="left")))


def _tensor(row: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(row, dtype=np.float32)).view(1, -1)


def causal_hover(session: LensSession, prepared: Prepared, index: int) -> CausalHover | None:
    """The chips' effects (when the units are clustered) and the driving words (when
    rnnlens.hover.attribution is on) at token `index`; None when the model has no output.
    Raises Stale between the steps if the document changed or the hover was cancelled."""
    model = prepared.model
    stack = model.stack
    attribute = session.settings.hover_attribution
    labels = prepared.labels
    if stack.head is None or (labels is None and not attribute):
        return None
    layer, top = prepared.view.layer, model.num_layers
    length = len(prepared.ids)
    unit_first, unit_end = unit_bounds(prepared.resets, index, length)
    first = window_start(prepared, index, unit_first, session.settings.hover_attribution_window)
    timeline = prepared.timeline
    with timeline.lock:  # one document version for every state read here
        prepared.check()
        session.sync_timeline(prepared)
        chunk = timeline.chunk_at(index, prepared.should_stop)
        t = index - chunk.start
        known: State = {name: _tensor(chunk.current(name)[t]) for name in chunk.states}
        view_kinds = [f"layer{layer}.{kind}" for kind in model.state_kinds]
        # The benchmarked path: a language model's top layer, its states at the token warm in the chunk.
        warm_enough = model.task != "classifier" and layer == top and all(name in known for name in view_kinds)
        previous = None if labels is None or warm_enough else timeline.state_before(index)
        initial = timeline.state_before(first) if attribute else None
    result = CausalHover()
    ids = torch.from_numpy(np.asarray(prepared.ids, dtype=np.int64)).view(1, -1)
    if labels is not None:
        prepared.check()
        try:
            effects = cluster_effects(stack, model.task, ids, index, previous, layer, labels, prepared.view.k,
                                      end=unit_end if model.task == "classifier" else None, known=known)
            result.effects = chip_effects(effects, model)
            result.effects.unit = UNIT_NAMES[resolve_reset(session.settings.reset, model.task)]
        except RnnLensError as exc:
            result.notes.append(f"chip effects: {exc}")
    if attribute:
        prepared.check()
        result.words = driving_words(model, prepared, ids, index, first, initial)
    return result


def chip_effects(effects: ClusterEffects, model: LoadedModel) -> ChipEffectsHover:
    """The rows a hover shows: a language model's next word and top prediction; a classifier's
    most probable class (a two-class model's other class moves by the opposite amount)."""
    names = model.labels if effects.task == "classifier" else model.vocab.words
    rows = [ChipRow(role, _name(names, target), float(base), [float(d) for d in effects.delta[:, i]])
            for i, (role, target, base) in enumerate(zip(effects.target_roles, effects.targets, effects.base,
                                                          strict=True))]
    mirrored = None
    if effects.task == "classifier":
        rows.sort(key=lambda row: -row.base)
        if len(rows) == 2:
            mirrored = rows[1].name
        rows = rows[:1] if len(rows) == 2 else rows[:2]
    elif len(rows) == 2 and rows[0].name == rows[1].name:  # the next word is the top prediction
        rows = [ChipRow("next", rows[0].name, rows[0].base, rows[0].deltas)]
        rows[0].role = "next/top"
    return ChipEffectsHover(layer=effects.layer, task=effects.task, rows=rows, token=effects.token,
                            read_at=effects.output_step,
                            mirrored=mirrored)


def driving_words(model: LoadedModel, prepared: Prepared, ids: torch.Tensor, index: int, first: int,
                  initial: State | None) -> WordsHover:
    """Integrated gradients of the output at `index` over tokens first..index, from the warm `initial`."""
    stop = min(index + 2, ids.shape[1])  # a language model's target is the actual next word
    try:
        result = attribute_token(model.stack, model.task, ids[:, first:stop], index - first, initial=initial)
    except AttributionNotConverged as exc:
        role, name = _default_target(model, ids, index)
        return WordsHover(role, name, first, index + 1 - first, refused=_refusal(str(exc)))
    names = model.labels if model.task == "classifier" else model.vocab.words
    order = np.argsort(-np.abs(result.scores), kind="stable")[:SHOWN_WORDS]
    words = [(prepared.tokens[first + int(i)].text, float(result.scores[int(i)])) for i in order]
    return WordsHover(result.target_role, _name(names, result.target), first, index + 1 - first, words,
                      result.steps, result.delta)


def _default_target(model: LoadedModel, ids: torch.Tensor, index: int) -> tuple[str, str]:
    if model.task != "classifier" and index + 1 < ids.shape[1]:
        return "next", _name(model.vocab.words, int(ids[0, index + 1]))
    return ("class", "the predicted class") if model.task == "classifier" else ("top", "the top prediction")


def _refusal(message: str) -> str:
    return (f"not shown: integrated gradients did not converge here, so the scores would not add up to the "
            f"output's change (the refusal rule: more than {TOLERANCE:.0%} off; {message.split(': ', 1)[-1]})")


def _name(names: list[str], target: int) -> str:
    return names[target] if 0 <= target < len(names) else str(target)


def _signed(value: float) -> str:
    return f"{value:+.2f}" if abs(value) >= 1 else f"{value:+.3f}"


def render_causal(causal: CausalHover) -> list[str]:
    """Markdown lines (paragraphs) for the hover."""
    lines: list[str] = []
    effects = causal.effects
    if effects is not None:
        if effects.task == "classifier":
            where = ("at this token" if effects.read_at == effects.token else
                     f"read at the end of the {effects.unit} (token {effects.read_at + 1})")
            lines += [f"**what each chip does here**: layer {effects.layer}'s chips zeroed at this token, change "
                      f"in class probability {where}", ""]
        else:
            lines += [f"**what each chip does here**: layer {effects.layer}'s chips zeroed at this token, change "
                      f"in log-probability", ""]
        for row in effects.rows:
            value = f"{row.base:.0%}" if effects.task == "classifier" else f"log p {row.base:.2f}"
            title = "next word (also the top prediction)" if row.role == "next/top" else ROLE_TITLES.get(row.role,
                                                                                                          row.role)
            mirror = f" (`{escape(effects.mirrored)}` the opposite)" if effects.mirrored else ""
            lines += [f"{title} `{escape(row.name)}` ({value}): {_chip_list(row.deltas)}{mirror}", ""]
    words = causal.words
    if words is not None:
        title = ROLE_TITLES.get(words.role, words.role)
        span = f"the last {words.count} word{'s' if words.count != 1 else ''} of the line"
        head = f"**words driving** the {title} `{escape(words.name)}` ({span}, integrated gradients)"
        if words.refused is not None:
            lines += [f"{head}: _{escape(words.refused)}_", ""]
        else:
            listed = " · ".join(f"`{escape(text)}` {_signed(score)}" for text, score in words.words)
            lines += [f"{head}: {listed}", ""]
    for note in causal.notes:
        lines += [f"_{escape(note)}_", ""]
    return lines


def _chip_list(deltas: list[float]) -> str:
    order = sorted(range(len(deltas)), key=lambda j: -abs(deltas[j]))
    shown = " · ".join(f"chip {j} {_signed(deltas[j])}" for j in order[:SHOWN_CHIPS])
    rest = order[SHOWN_CHIPS:]
    if rest:
        shown += f" · others within ±{max(abs(deltas[j]) for j in rest):.3f}"
    return shown
