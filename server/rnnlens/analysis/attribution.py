"""Input attribution: which earlier tokens drive the output at token t (integrated gradients, Captum).

The attributed quantity is a log-probability at step t: for a language model, of the actual next
word (the top prediction at the end of the text), for a classifier, of the predicted class (or a
class the caller names). Integrated gradients (Captum's IntegratedGradients, all steps of the
path in one batch) integrate its gradient along the straight line from a baseline to the input
embeddings; a token's score is the sum of its embedding dimensions' attributions.

Baseline: the zero embedding. It is the "no input" point of the embedding space that needs
nothing from the vocabulary (a padding token is not in every model), and it keeps the recurrence
well defined. Scores are relative to it: a word scores near zero when its embedding moves the
output as little as the zero vector would, not when the model ignores it.

Gradients: Captum differentiates through `input_gradient_layers.run_layer`, which forms the
gradient of each recurrent layer with respect to its input only (no weight gradients), about
0.76 of the time of differentiating through PyTorch's own layers (docs/causal.md, "Speed").

Completeness: scores sum to f(input) - f(baseline) up to Captum's convergence delta (its
formula, from the two outputs computed for the check). A result whose |delta| exceeds 5 % of that
difference is refused after retrying with more steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnlens.analysis.input_gradient_layers import run_layer
from rnnlens.errors import RnnLensError
from rnnlens.models.trace import RecurrentStack, State, capture_trace

STEP_SCHEDULE = (32, 64, 128)
TOLERANCE = 0.05  # |delta| allowed, as a share of |f(input) - f(baseline)|
# Below this |delta| (in log-probability) the result is kept however small the output difference:
# float32 rounding alone reaches ~1e-5, so a ratio of two near-zero numbers would refuse noise.
ABSOLUTE_FLOOR = 1e-4


class AttributionNotConverged(RnnLensError):
    """Integrated gradients did not meet the completeness check even with the most steps."""


@dataclass
class Attribution:
    """Signed contribution of each input token start..token to the log-probability of `target`."""

    task: str
    token: int
    start: int  # first attributed token; earlier tokens are held fixed in the initial state
    target: int
    target_role: str  # "next" | "top" | "class"
    scores: np.ndarray  # (token - start + 1,)
    output: float  # f(input)
    baseline_output: float  # f(baseline)
    delta: float  # Captum's convergence delta: sum(scores) - (output - baseline_output)
    steps: int

    @property
    def difference(self) -> float:
        return self.output - self.baseline_output


def _run_layers(stack: RecurrentStack, x: torch.Tensor, initial: State) -> torch.Tensor:
    """The top layer's h (batch, time, hidden) from embeddings x, with gradients (unlike capture_trace)."""
    rows = x.shape[0]
    for index, layer in enumerate(stack.layers, start=1):
        h0 = initial[f"layer{index}.h"].expand(rows, -1)
        c0 = initial[f"layer{index}.c"].expand(rows, -1) if isinstance(layer, nn.LSTM) else None
        x = run_layer(layer, x, h0, c0)
    return x


def _choose_target(stack: RecurrentStack, task: str, ids: torch.Tensor, t: int, initial: State,
                   embedded: torch.Tensor, target: int | None) -> tuple[int, str]:
    if target is not None:
        return int(target), "class" if task == "classifier" else "given"
    if task != "classifier" and t + 1 < ids.shape[1]:
        return int(ids[0, t + 1]), "next"
    assert stack.head is not None
    with torch.no_grad():
        logits = stack.head(_run_layers(stack, embedded, initial)[:, -1])
    return int(torch.argmax(logits[0])), "class" if task == "classifier" else "top"


def attribute_token(stack: RecurrentStack, task: str, ids: torch.Tensor, t: int, target: int | None = None,
                    window: int | None = None, steps: Sequence[int] = STEP_SCHEDULE,
                    tolerance: float = TOLERANCE, initial: State | None = None) -> Attribution:
    """Integrated gradients of the log-probability of `target` at token t over the embeddings of
    tokens max(0, t + 1 - window)..t of `ids` (1, time). Tokens before the window are held fixed:
    their state starts the run. `initial`: the complete state before ids[0] (batch one; default
    zero), e.g. a language server's warm state, so that `ids` can start at the window. Tries each
    count in `steps` until the convergence delta is within `tolerance` of the output difference;
    raises AttributionNotConverged otherwise."""
    from captum.attr import IntegratedGradients  # imported here: Captum pulls matplotlib in

    if stack.head is None:
        raise RnnLensError("the model has no output head, so there is no output to attribute")
    if not 0 <= t < ids.shape[1]:
        raise RnnLensError(f"token {t} is outside the text (tokens 0..{ids.shape[1] - 1})")
    start = 0 if window is None else max(0, t + 1 - window)
    if initial is None:
        initial = stack.zero_state(1)
    if start > 0:
        initial = capture_trace(stack, ids[:, :start], initial=initial, outputs=False).final_state
    with torch.no_grad():
        embedded = stack.embed(ids[:, start:t + 1]).detach().float()
    chosen, role = _choose_target(stack, task, ids, t, initial, embedded, target)
    head = stack.head

    def log_probability(x: torch.Tensor) -> torch.Tensor:
        top = _run_layers(stack, x, initial)[:, -1]
        return torch.log_softmax(head(top), dim=-1)[:, chosen]

    ig = IntegratedGradients(log_probability)
    baseline = torch.zeros_like(embedded)
    with torch.no_grad():
        ends = log_probability(torch.cat([embedded, baseline]))
    output, base_output = float(ends[0]), float(ends[1])
    allowed = max(tolerance * abs(output - base_output), ABSOLUTE_FLOOR)
    delta = float("nan")
    for count in steps:
        with torch.backends.cudnn.flags(enabled=False):  # cuDNN RNNs refuse backward in eval mode
            attributions = ig.attribute(embedded, baselines=baseline, n_steps=count, internal_batch_size=count)
        # Captum's convergence delta, sum(attributions) - (f(input) - f(baseline)), from the two
        # outputs computed above (return_convergence_delta would run both through the model again)
        delta = float(attributions.sum()) - (output - base_output)
        if abs(delta) <= allowed:
            scores = attributions[0].sum(dim=-1).detach().double().numpy()
            return Attribution(task=task, token=t, start=start, target=chosen, target_role=role, scores=scores,
                               output=output, baseline_output=base_output, delta=delta, steps=count)
    raise AttributionNotConverged(
        f"integrated gradients at token {t} did not converge: with {steps[-1]} steps the convergence delta "
        f"{delta:.3g} exceeds {tolerance:.0%} of the output difference {output - base_output:.3g}")
