"""Cluster ablation: the causal effect of each memory chip (unit cluster) on the model's output.

At token t, the chosen layer's state of one cluster's units (h, and c for an LSTM) is replaced,
by zero or by an expected state given by the caller, and the model runs on from there: the
layers above see the replaced h at step t, every layer carries the replaced state into t+1.
All clusters go in one batch, one row per cluster plus an unablated row 0, so k clusters cost
one batched step (a language model reads its output at t) or one batched run to the end of the
text (a classifier reads its final class probabilities).

The replaced state is off-distribution (a real input never produces it), so an effect says
what the output depends on, not what the network would do with a plausible memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnlens.errors import RnnLensError
from rnnlens.models.trace import RecurrentStack, State, Trace, capture_trace

MODES = ("zero", "mean")


@dataclass
class ClusterEffects:
    """Output change per cluster at one token.

    `targets` are the output indices measured (LM: the actual next word, then the unablated top
    prediction; classifier: every class); `base` their unablated value (LM: log-probability;
    classifier: probability at `output_step`); `delta[j]` the change when cluster j is replaced.
    """

    task: str
    token: int
    output_step: int
    layer: int
    kinds: tuple[str, ...]
    mode: str
    cluster_sizes: list[int]
    targets: list[int]
    target_roles: list[str]  # LM: "next" / "top"; classifier: "class"
    base: np.ndarray  # (n_targets,)
    delta: np.ndarray  # (k, n_targets)

    def shares(self, column: int | None = None) -> np.ndarray:
        """Each cluster's share of the summed |effect| (0 everywhere if nothing moved): on one target
        column, or by default on the first target of an LM and on all classes of a classifier."""
        if column is None and self.task == "classifier":
            size = np.abs(self.delta).sum(axis=1)
        else:
            size = np.abs(self.delta[:, column or 0])
        total = size.sum()
        return size / total if total > 0 else np.zeros_like(size)


def state_at(trace: Trace, t: int, row: int = 0) -> State:
    """The complete state after step t of one batch row (t = -1: the initial state), batch of one."""
    if t < 0:
        return {name: value[row:row + 1].clone() for name, value in trace.initial_state.items()}
    missing = sorted(set(trace.initial_state) - set(trace.states))
    if missing:
        raise RnnLensError(f"the trace lacks {', '.join(missing)}; capture every state to resume from a step")
    return {name: trace.states[name][row:row + 1, t].clone() for name in trace.initial_state}


def one_step(layer: nn.RNNBase, x: torch.Tensor, state: State, prefix: str) -> State:
    """Run a single-layer module for one step (x: (batch, 1, in)) from `state`; its new state."""
    h0 = state[f"{prefix}.h"].unsqueeze(0).contiguous()
    if isinstance(layer, nn.LSTM):
        c0 = state[f"{prefix}.c"].unsqueeze(0).contiguous()
        _, (h, c) = layer(x, (h0, c0))
        return {f"{prefix}.h": h[0], f"{prefix}.c": c[0]}
    _, h = layer(x, h0)
    return {f"{prefix}.h": h[0]}


def _expand(state: State, rows: int) -> State:
    return {name: value.expand(rows, -1).contiguous() for name, value in state.items()}


def replacement_values(stack: RecurrentStack, layer: int, mode: str,
                       expected: Mapping[str, np.ndarray] | None) -> dict[str, torch.Tensor]:
    """The value each state kind of the layer is set to, per unit (H,)."""
    hidden = int(stack.layers[layer - 1].hidden_size)
    if mode == "zero":
        return {kind: torch.zeros(hidden) for kind in stack.state_kinds}
    if mode != "mean":
        raise RnnLensError(f"ablation mode must be one of {', '.join(MODES)}, not {mode!r}")
    if expected is None or any(kind not in expected for kind in stack.state_kinds):
        raise RnnLensError(f"mean ablation needs the expected state of every kind ({', '.join(stack.state_kinds)}) "
                           f"of layer {layer}")
    out = {}
    for kind in stack.state_kinds:
        value = np.asarray(expected[kind], dtype=np.float32).reshape(-1)
        if value.shape != (hidden,):
            raise RnnLensError(f"the expected {kind} state has {value.size} units; layer {layer} has {hidden}")
        out[kind] = torch.from_numpy(value.copy())
    return out


def _layer_state(state: State | None, stack: RecurrentStack, index: int) -> State | None:
    """Layer `index`'s part of `state` (batch one), or None when the state lacks any of it."""
    names = [f"layer{index}.{kind}" for kind in stack.state_kinds]
    if state is None or any(name not in state for name in names):
        return None
    return {name: state[name] for name in names}


def _before(previous: State | None, stack: RecurrentStack, index: int) -> State:
    found = _layer_state(previous, stack, index)
    if found is None:
        raise RnnLensError(f"ablation needs layer {index}'s state before the token; pass the complete previous state")
    return found


def ablated_outputs(stack: RecurrentStack, ids: torch.Tensor, t: int, previous: State | None, layer: int,
                    labels: np.ndarray, k: int, mode: str = "zero",
                    expected: Mapping[str, np.ndarray] | None = None, end: int | None = None,
                    known: State | None = None) -> torch.Tensor:
    """Logits (k + 1, out) at step `end - 1` (default t): row 0 unablated, row j + 1 with cluster j
    of `layer` replaced at step t. `ids` (1, time); `previous` the state after t - 1 (batch one).

    `known`, states after step t a caller already holds (warm states, batch one), are used instead
    of recomputing them: with the ablated layer's state known, the layers below it are not run at
    all when the output is read at t, and a top-layer ablation needs no `previous` whatever.
    Reading a later output needs the complete state at t (known or recomputed from `previous`).
    """
    steps = ids.shape[1]
    end = t + 1 if end is None else end
    if not 0 <= t < steps or not t < end <= steps:
        raise RnnLensError(f"cannot ablate at token {t} and read the output at {end - 1} of a {steps}-token text")
    if not 1 <= layer <= stack.num_layers:
        raise RnnLensError(f"the model has layers 1..{stack.num_layers}; there is no layer {layer}")
    if stack.head is None:
        raise RnnLensError("the model has no output head, so ablation has no output to change")
    labels = np.asarray(labels)
    if labels.shape != (stack.layers[layer - 1].hidden_size,):
        raise RnnLensError(f"{labels.size} cluster labels for the {stack.layers[layer - 1].hidden_size} units "
                           f"of layer {layer}")
    values = replacement_values(stack, layer, mode, expected)
    rows = k + 1
    # Row j + 1 is masked on cluster j's units: (rows, H), row 0 all False.
    mask = torch.zeros(rows, labels.size, dtype=torch.bool)
    mask[1:] = torch.from_numpy(labels[None, :] == np.arange(k)[:, None])
    below_needed = end > t + 1 or _layer_state(known, stack, layer) is None
    with torch.inference_mode():
        x = stack.embed(ids[:, t:t + 1]) if below_needed else None
        current: State = {}
        for index, module in enumerate(stack.layers, start=1):
            prefix = f"layer{index}"
            held = _layer_state(known, stack, index)
            if index < layer and held is None and not below_needed:
                continue  # the ablated layer's own state is known: nothing below it is read
            if index > layer:  # above the ablated layer every row differs
                inputs = x if x is not None and x.shape[0] == rows else None
                assert inputs is not None
                step = one_step(module, inputs, _expand(_before(previous, stack, index), rows), prefix)
            else:  # at or below it every row is the same until the replacement: batch one
                if held is None:
                    assert x is not None
                    held = one_step(module, x, _before(previous, stack, index), prefix)
                step = held
                if index == layer:
                    step = _expand(step, rows)
                    for kind in stack.state_kinds:
                        name = f"{prefix}.{kind}"
                        step[name] = torch.where(mask, values[kind].expand(rows, -1), step[name])
            current.update(step)
            x = step[f"{prefix}.h"].unsqueeze(1)
        top = current[f"layer{stack.num_layers}.h"]
        if end == t + 1:
            return stack.head(top)
        rest = ids[:, t + 1:end].expand(rows, -1)
        state = {name: value.expand(rows, -1).contiguous() if value.shape[0] == 1 else value
                 for name, value in current.items()}
        top_name = f"layer{stack.num_layers}.h"
        later = capture_trace(stack, rest, initial=state, outputs=False, names=[top_name])
        return stack.head(later.final_state[top_name])


def cluster_effects(stack: RecurrentStack, task: str, ids: torch.Tensor, t: int, previous: State | None,
                    layer: int, labels: np.ndarray, k: int, mode: str = "zero",
                    expected: Mapping[str, np.ndarray] | None = None, end: int | None = None,
                    known: State | None = None) -> ClusterEffects:
    """The effect of replacing each of k unit clusters at token t (see the module docstring).

    Language model: change in log-probability of the actual next word (`ids[t + 1]`, when the
    text goes on) and of the unablated top prediction at t. Classifier: change in the class
    probabilities at the end of the text (`end`, default its length). `known`: see ablated_outputs.
    """
    steps = ids.shape[1]
    if task == "classifier":
        end = steps if end is None else end
    else:
        end = t + 1
    logits = ablated_outputs(stack, ids, t, previous, layer, labels, k, mode, expected, end, known).double()
    if task == "classifier":
        values = torch.softmax(logits, dim=-1)
        targets = list(range(values.shape[1]))
        roles = ["class"] * len(targets)
    else:
        values = torch.log_softmax(logits, dim=-1)
        targets, roles = [], []
        if t + 1 < steps:
            targets.append(int(ids[0, t + 1]))
            roles.append("next")
        targets.append(int(torch.argmax(values[0])))
        roles.append("top")
    picked = values[:, targets].numpy()
    sizes = np.bincount(np.asarray(labels), minlength=k)[:k]
    return ClusterEffects(task=task, token=t, output_step=end - 1, layer=layer,
                          kinds=tuple(stack.state_kinds), mode=mode, cluster_sizes=[int(s) for s in sizes],
                          targets=targets, target_roles=roles, base=picked[0], delta=picked[1:] - picked[0])
