"""Trace capture: run whole sequences once and return every layer's states by stable names.

Names (as in TransformerLens' hook names, one vocabulary for every consumer):
  `layer{l}.h`                hidden state of layer l (1-based), shape (batch, time, hidden)
  `layer{l}.c`                LSTM cell state
  `layer{l}.gate.{i,f,g,o}`   LSTM gates; `layer{l}.gate.{r,z,n}` GRU gates (on request)
and `Trace.outputs`, the head's logits per step.

Speed: each layer runs through the fused `nn.LSTM/GRU/RNN` kernel, which yields h for every
step. The LSTM cell state is not returned by that kernel, so the gate pre-activations are
recomputed for all steps at once from the known h_{t-1} as one large matrix product (far
cheaper than a per-step loop), and c follows from an element-wise recurrence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

State = dict[str, torch.Tensor]  # "layer1.h" -> (batch, hidden)


@dataclass
class RecurrentStack:
    """What trace capture needs of any model: embed ids, single-layer recurrent modules, a head."""

    embed: Callable[[torch.Tensor], torch.Tensor]
    layers: Sequence[nn.RNNBase]
    head: Callable[[torch.Tensor], torch.Tensor] | None
    cell: str

    @property
    def hidden_size(self) -> int:
        return int(self.layers[-1].hidden_size)

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    @property
    def state_kinds(self) -> tuple[str, ...]:
        return ("h", "c") if self.cell == "lstm" else ("h",)

    def zero_state(self, batch: int) -> State:
        state: State = {}
        for index, layer in enumerate(self.layers, start=1):
            for kind in self.state_kinds:
                state[f"layer{index}.{kind}"] = torch.zeros(batch, layer.hidden_size)
        return state


@dataclass
class Trace:
    states: dict[str, torch.Tensor]
    initial_state: State
    final_state: State
    outputs: torch.Tensor | None = None
    lengths: torch.Tensor | None = None
    names: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.states[name]

    def previous(self, name: str) -> torch.Tensor:
        """s_{t-1} for every t: the initial state, then the states shifted by one step."""
        seq = self.states[name]
        first = self.initial_state[name].unsqueeze(1)
        return torch.cat([first, seq[:, :-1]], dim=1)

    def response(self, name: str) -> torch.Tensor:
        """r_t = s_t - s_{t-1} (the paper's response of a token), shape (batch, time, hidden)."""
        return self.states[name] - self.previous(name)


def capture_trace(
    stack: RecurrentStack,
    ids: torch.Tensor,
    initial: State | None = None,
    lengths: torch.Tensor | None = None,
    gates: bool = False,
    outputs: bool = True,
) -> Trace:
    """Run `ids` (batch, time) through `stack` and record every layer's states.

    `initial` continues from an earlier chunk's `final_state`; `lengths` marks padded batches
    (the final state is then taken at each sequence's last real step).
    """
    batch, steps = ids.shape
    init = initial if initial is not None else stack.zero_state(batch)
    states: dict[str, torch.Tensor] = {}
    final: State = {}
    with torch.inference_mode():
        x = stack.embed(ids)
        for index, layer in enumerate(stack.layers, start=1):
            prefix = f"layer{index}"
            h0 = init[f"{prefix}.h"]
            if isinstance(layer, nn.LSTM):
                c0 = init[f"{prefix}.c"]
                out, _ = layer(x, (h0.unsqueeze(0).contiguous(), c0.unsqueeze(0).contiguous()))
                cells, gate_seq = _lstm_cells(layer, x, out, h0, c0, gates)
                states[f"{prefix}.h"] = out
                states[f"{prefix}.c"] = cells
            else:
                out, _ = layer(x, h0.unsqueeze(0).contiguous())
                states[f"{prefix}.h"] = out
                gate_seq = _gru_gates(layer, x, out, h0) if gates and isinstance(layer, nn.GRU) else {}
            for gate, value in gate_seq.items():
                states[f"{prefix}.gate.{gate}"] = value
            x = out
        logits = stack.head(x) if outputs and stack.head is not None else None
        for name in init:
            final[name] = _last_step(states[name], lengths)
    return Trace(states=states, initial_state=init, final_state=final, outputs=logits,
                 lengths=lengths, names=list(states))


def _last_step(seq: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    if lengths is None:
        return seq[:, -1].clone()
    index = (lengths.clamp(min=1) - 1).view(-1, 1, 1).expand(-1, 1, seq.shape[2])
    return seq.gather(1, index).squeeze(1)


def _shifted(out: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
    return torch.cat([h0.unsqueeze(1), out[:, :-1]], dim=1)


def _lstm_cells(layer: nn.LSTM, x: torch.Tensor, out: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor,
                want_gates: bool) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    batch, steps, hidden = out.shape
    pre = torch.cat([x, _shifted(out, h0)], dim=2).reshape(batch * steps, -1)
    weight = torch.cat([layer.weight_ih_l0, layer.weight_hh_l0], dim=1)
    bias = layer.bias_ih_l0 + layer.bias_hh_l0 if layer.bias else torch.zeros(weight.shape[0])
    gates = torch.addmm(bias, pre, weight.t()).view(batch, steps, 4, hidden)
    i, f, o = torch.sigmoid(gates[:, :, 0]), torch.sigmoid(gates[:, :, 1]), torch.sigmoid(gates[:, :, 3])
    g = torch.tanh(gates[:, :, 2])
    update = i * g
    cells = torch.empty_like(out)
    c = c0
    for t in range(steps):
        c = torch.addcmul(update[:, t], f[:, t], c)
        cells[:, t] = c
    named = {"i": i, "f": f, "g": g, "o": o} if want_gates else {}
    return cells, named


def _gru_gates(layer: nn.GRU, x: torch.Tensor, out: torch.Tensor, h0: torch.Tensor) -> dict[str, torch.Tensor]:
    hidden = out.shape[2]
    prev = _shifted(out, h0)
    gi = torch.nn.functional.linear(x, layer.weight_ih_l0, layer.bias_ih_l0 if layer.bias else None)
    gh = torch.nn.functional.linear(prev, layer.weight_hh_l0, layer.bias_hh_l0 if layer.bias else None)
    r = torch.sigmoid(gi[..., :hidden] + gh[..., :hidden])
    z = torch.sigmoid(gi[..., hidden:2 * hidden] + gh[..., hidden:2 * hidden])
    n = torch.tanh(gi[..., 2 * hidden:] + r * gh[..., 2 * hidden:])
    return {"r": r, "z": z, "n": n}
