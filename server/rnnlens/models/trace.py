"""Trace capture: run whole sequences once and return every layer's states by stable names.

Names (as in TransformerLens' hook names, one vocabulary for every consumer):
  `layer{l}.h`                hidden state of layer l (1-based), shape (batch, time, hidden)
  `layer{l}.c`                LSTM cell state
  `layer{l}.gate.{i,f,g,o}`   LSTM gates; `layer{l}.gate.{r,z,n}` GRU gates (on request)
and `Trace.outputs`, the head's logits per step.

Speed (docs/trace.md has the figures): each layer runs through the fused `nn.LSTM/GRU/RNN`
kernel, which yields h for every step. That kernel does not return the LSTM cell state, but
with every h known it can be recovered: on the CPU as c_t = atanh(h_t / o_t) from the o gate's
product alone wherever that is exact to the tolerance (models/cell_recovery.py); otherwise the
gate pre-activations of all steps are one large matrix product (only i, f and g unless the
gates are asked for), and c_t = f_t * c_{t-1} + i_t * g_t is a linear recurrence with known
coefficients, solved in blocks of steps (see `linear_recurrence`).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from rnnlens.errors import RnnLensError

State = dict[str, torch.Tensor]  # "layer1.h" -> (batch, hidden)

LSTM_GATES = ("i", "f", "g", "o")
GRU_GATES = ("r", "z", "n")
# Above this many numbers per step (batch x hidden) the plain step loop is faster than the
# blocked recurrence: each call then does enough work that its overhead no longer dominates.
BLOCKED_MAX_WIDTH = 1024
# LSTM cell states from h and the o gate alone (models/cell_recovery.py) where that is exact to
# the tolerance; False always recomputes the i, f, g gates (the benchmark's "before").
RECOVER_FROM_OUTPUT_GATE = True


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

    @property
    def gate_kinds(self) -> tuple[str, ...]:
        return {"lstm": LSTM_GATES, "gru": GRU_GATES}.get(self.cell, ())

    def state_names(self, gates: bool = False) -> list[str]:
        """Every name a trace of this stack can hold, layer by layer."""
        names = []
        for index in range(1, self.num_layers + 1):
            names += [f"layer{index}.{kind}" for kind in self.state_kinds]
            if gates:
                names += [f"layer{index}.gate.{gate}" for gate in self.gate_kinds]
        return names

    @property
    def device(self) -> torch.device:
        """Where the recurrent layers' weights live (models/device.py moves a copy to a GPU)."""
        return next(iter(self.layers[0].parameters())).device

    def zero_state(self, batch: int, device: torch.device | None = None) -> State:
        state: State = {}
        for index, layer in enumerate(self.layers, start=1):
            for kind in self.state_kinds:
                state[f"layer{index}.{kind}"] = torch.zeros(batch, layer.hidden_size, device=device)
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
    names: Collection[str] | None = None,
) -> Trace:
    """Run `ids` (batch, time) through `stack` and record every layer's states.

    `initial` continues from an earlier chunk's `final_state`; `lengths` marks padded batches
    (the final state is then taken at each sequence's last real step). `names`, if given,
    keeps only those states (gate names included), which skips work: asking for h only never
    computes c. The final state is always complete, so chunks can always be chained
    (`states_every` makes resumable states at other steps later).
    """
    wanted = _wanted_names(stack, gates, names)
    device = stack.device
    if ids.device != device:  # a model on a GPU (models/device.py): the inputs follow it
        ids = ids.to(device)
        lengths = lengths.to(device) if lengths is not None else None
        initial = {name: value.to(device) for name, value in initial.items()} if initial is not None else None
    init = initial if initial is not None else stack.zero_state(ids.shape[0], device)
    states: dict[str, torch.Tensor] = {}
    final: State = {}
    with torch.inference_mode(), strict_float32(device):
        x = stack.embed(ids)
        for index, layer in enumerate(stack.layers, start=1):
            prefix = f"layer{index}"
            layer_states, layer_final = _run_layer(layer, x, init, prefix, wanted, lengths)
            x = layer_states[f"{prefix}.h"]
            states.update((name, value) for name, value in layer_states.items() if name in wanted)
            final.update(layer_final)
        logits = stack.head(x) if outputs and stack.head is not None else None
    ordered = {name: states[name] for name in stack.state_names(gates=True) if name in states}
    return Trace(states=ordered, initial_state=init, final_state=final, outputs=logits,
                 lengths=lengths, names=list(ordered))


@contextlib.contextmanager
def strict_float32(device: torch.device) -> Iterator[None]:
    """On a GPU, float32 products and cuDNN's LSTM in full float32: TF32 (cuDNN's default) keeps
    10 mantissa bits, about 1e-3 relative a step, which a long-memory cell adds up over a document."""
    if device.type != "cuda":
        yield
        return
    matmul = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        with torch.backends.cudnn.flags(enabled=torch.backends.cudnn.enabled, allow_tf32=False):
            yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = matmul


def _wanted_names(stack: RecurrentStack, gates: bool, names: Collection[str] | None) -> set[str]:
    if names is None:
        return set(stack.state_names(gates=gates))
    known = stack.state_names(gates=True)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise RnnLensError(f"unknown state names {unknown}; this model has {', '.join(known)}")
    return set(names)


def _run_layer(layer: nn.RNNBase, x: torch.Tensor, init: State, prefix: str, wanted: set[str],
               lengths: torch.Tensor | None) -> tuple[dict[str, torch.Tensor], State]:
    """One layer's states (h always, the rest as `wanted` needs) and its final state."""
    h0 = init[f"{prefix}.h"]
    found: dict[str, torch.Tensor] = {}
    if x.shape[1] == 0:  # empty text: nothing to run, the state does not move
        return _empty_states(layer, x, init, prefix, wanted), {n: v for n, v in init.items() if n.startswith(f"{prefix}.")}
    if isinstance(layer, nn.LSTM):
        c0 = init[f"{prefix}.c"]
        out, (h_last, c_last) = layer(x, (h0.unsqueeze(0).contiguous(), c0.unsqueeze(0).contiguous()))
        found[f"{prefix}.h"] = out
        gate_names = {f"{prefix}.gate.{g}" for g in LSTM_GATES}
        need_gates = bool(gate_names & wanted)
        if need_gates or f"{prefix}.c" in wanted or lengths is not None:
            cells, gate_values = lstm_cell_states(layer, x, out, h0, c0, with_gates=need_gates)
            found[f"{prefix}.c"] = cells
            found.update((f"{prefix}.gate.{g}", v) for g, v in gate_values.items())
        finals = {f"{prefix}.h": h_last[0], f"{prefix}.c": c_last[0]}
    else:
        out, h_last = layer(x, h0.unsqueeze(0).contiguous())
        found[f"{prefix}.h"] = out
        if isinstance(layer, nn.GRU) and {f"{prefix}.gate.{g}" for g in GRU_GATES} & wanted:
            found.update((f"{prefix}.gate.{g}", v) for g, v in gru_gates(layer, x, out, h0).items())
        finals = {f"{prefix}.h": h_last[0]}
    if lengths is not None:  # padded batch: each sequence's state at its own last real step
        finals = {name: _last_step(found[name], lengths) for name in finals}
    return found, finals


def states_every(stack: RecurrentStack, ids: torch.Tensor, known: Mapping[str, torch.Tensor], start: State,
                 every: int) -> list[State]:
    """The complete state after steps every-1, 2*every-1, ... of `ids` run from `start`, given every
    layer's h at every step in `known` ((batch, time, hidden) by name) and any LSTM cell states
    kept there too. A caller that kept only the states it shows can so make resumable
    checkpoints later, solving only the missing cell states at those steps."""
    count = ids.shape[1] // every
    if count == 0:
        return []
    covered, last = slice(0, count * every), slice(every - 1, count * every, every)
    marks: dict[str, torch.Tensor] = {}  # name -> (batch, count, hidden)
    with torch.inference_mode():
        for index, layer in enumerate(stack.layers, start=1):
            h, c = f"layer{index}.h", f"layer{index}.c"
            marks[h] = known[h][:, last]
            if not isinstance(layer, nn.LSTM):
                continue
            if c in known:
                marks[c] = known[c][:, last]
            else:  # solve it from the layer's input and its own h
                x = stack.embed(ids[:, covered]) if index == 1 else known[f"layer{index - 1}.h"][:, covered]
                marks[c] = lstm_cell_checkpoints(layer, x, known[h][:, covered], start[h], start[c], every)
    return [{name: value[:, k] for name, value in marks.items()} for k in range(count)]


def _empty_states(layer: nn.RNNBase, x: torch.Tensor, init: State, prefix: str,
                  wanted: set[str]) -> dict[str, torch.Tensor]:
    empty = x.new_zeros(x.shape[0], 0, layer.hidden_size)
    return {name: empty for name in wanted | {f"{prefix}.h"} if name.startswith(f"{prefix}.")}


def _last_step(seq: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    index = (lengths.clamp(min=1) - 1).view(-1, 1, 1).expand(-1, 1, seq.shape[2])
    return seq.gather(1, index).squeeze(1)


def shifted(out: torch.Tensor, first: torch.Tensor) -> torch.Tensor:
    """(batch, time, hidden) states moved one step later, `first` (batch, hidden) in front."""
    return torch.cat([first.unsqueeze(1), out[:, :-1]], dim=1)


def layer_parameters(layer: nn.RNNBase) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """weight_ih, weight_hh, bias_ih, bias_hh of a single-layer module (biases None without bias)."""
    def get(name: str) -> torch.Tensor:
        value = getattr(layer, f"{name}_l0")
        assert isinstance(value, torch.Tensor)
        return value

    if not layer.bias:
        return get("weight_ih"), get("weight_hh"), None, None
    return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")


def lstm_cell_states(layer: nn.LSTM, x: torch.Tensor, out: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor,
                     with_gates: bool = False) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The cell states c (batch, time, hidden) of an LSTM layer whose outputs h are known.

    Without the gates, on the CPU: c = atanh(h / o) from the o gate alone where that is exact to
    the tolerance, the exact recurrence for the rest (models/cell_recovery.py), unless too many
    entries need it. Otherwise all steps' pre-activations come from one matrix product over
    [x_t, h_{t-1}] (the o gate's quarter is skipped unless the gates are wanted); c then follows
    from the linear recurrence.
    """
    if (RECOVER_FROM_OUTPUT_GATE and not with_gates and out.device.type == "cpu" and out.dtype == torch.float32
            and not layer.proj_size):
        from rnnlens.models.cell_recovery import lstm_cells_from_outputs  # it imports this module

        recovered = lstm_cells_from_outputs(layer, x, out, h0, c0)
        if recovered is not None:
            return recovered, {}
    i, f, g, o = lstm_gate_values(layer, x, out, h0, with_o=with_gates)
    cells = linear_recurrence(f, i * g, c0)
    if o is None:
        return cells, {}
    return cells, {"i": i, "f": f, "g": g, "o": o}


def lstm_cell_checkpoints(layer: nn.LSTM, x: torch.Tensor, out: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor,
                          every: int) -> torch.Tensor:
    """The cell state only after steps every-1, 2*every-1, ...: (batch, time // every, hidden).

    Resuming from a checkpoint needs c there, not at every step: each stretch's end follows
    from its own gates in a few vectorised calls (`stretch_ends`), far cheaper than the full
    recurrence when c itself is not shown.
    """
    i, f, g, _ = lstm_gate_values(layer, x, out, h0, with_o=False)
    return stretch_ends(f, i * g, c0, every)


def lstm_gate_values(layer: nn.LSTM, x: torch.Tensor, out: torch.Tensor, h0: torch.Tensor, with_o: bool,
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Gates i, f, g (and o with `with_o`, else None) of every step, each (batch, time, hidden),
    from one matrix product over [x_t, h_{t-1}] (the o quarter is skipped unless asked for)."""
    batch, steps, hidden = out.shape
    width = 4 * hidden if with_o else 3 * hidden  # rows are ordered i, f, g, o
    size = x.shape[2]
    # [x_t, h_{t-1}] written once into one buffer (not a shifted copy and then a concatenation)
    joined = torch.empty(batch, steps, size + hidden, dtype=out.dtype, device=out.device)
    joined[..., :size] = x
    joined[:, 0, size:] = h0
    joined[:, 1:, size:] = out[:, :-1]
    weight_ih, weight_hh, bias_ih, bias_hh = layer_parameters(layer)
    weight = torch.cat([weight_ih[:width], weight_hh[:width]], dim=1)
    bias = bias_ih[:width] + bias_hh[:width] if bias_ih is not None and bias_hh is not None else None
    pre = gate_product(joined.view(batch * steps, size + hidden), weight, bias).view(batch, steps, width)
    pre[..., : 2 * hidden].sigmoid_()
    pre[..., 2 * hidden: 3 * hidden].tanh_()
    o = pre[..., 3 * hidden:].sigmoid_() if with_o else None
    return pre[..., :hidden], pre[..., hidden: 2 * hidden], pre[..., 2 * hidden: 3 * hidden], o


def gate_product(inputs: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """inputs @ weight.T + bias, float32. On CPU through oneDNN's matmul (the library the fused
    nn.LSTM kernel itself uses): measured 2.4x faster than the default MKL sgemm at these shapes
    on one thread (14.6 vs 35 GFLOP/s for 2048 x 512 x 768), in float32 with the same rounding
    level (no reduced-precision mode); MKL's addmm is the fallback and the path on a GPU."""
    if inputs.device.type == "cpu" and inputs.dtype == torch.float32 and _ONEDNN_LINEAR is not None:
        try:
            return _ONEDNN_LINEAR(inputs, weight, bias, "none", [], "")
        except RuntimeError:
            pass
    if bias is None:
        return inputs @ weight.t()
    return torch.addmm(bias, inputs, weight.t())


def _onednn_linear() -> Callable[..., torch.Tensor] | None:
    if not torch.backends.mkldnn.is_available():
        return None
    try:
        return torch.ops.mkldnn._linear_pointwise  # type: ignore[no-any-return]
    except (AttributeError, RuntimeError):
        return None


_ONEDNN_LINEAR = _onednn_linear()


def stretch_ends(decay: torch.Tensor, drive: torch.Tensor, start: torch.Tensor, every: int) -> torch.Tensor:
    """y at steps every-1, 2*every-1, ... of y_t = decay_t * y_{t-1} + drive_t, y_{-1} = start.

    (batch, time, n) in, (batch, time // every, n) out. Inside a stretch of `every` steps, the
    end is sum_j drive_j * (product of the decays after j) plus the stretch's whole decay times
    the state entering it: one reversed running product for all stretches at once, then a
    short loop that carries the ends from stretch to stretch. Products and sums only, no
    division: an underflowing product just means that input is forgotten.
    """
    batch, steps, width = drive.shape
    count = steps // every
    ends = torch.empty(batch, count, width, dtype=drive.dtype, device=drive.device)
    if count == 0:
        return ends
    a = decay[:, : count * every].reshape(batch, count, every, width)
    b = drive[:, : count * every].reshape(batch, count, every, width)
    from_here = torch.flip(torch.cumprod(torch.flip(a, [2]), dim=2), [2])  # decay over steps j..end
    after = torch.cat([from_here[:, :, 1:], torch.ones_like(from_here[:, :, :1])], dim=2)  # steps j+1..end
    local = (b * after).sum(dim=2)  # each stretch's end from a zero state
    carry = start
    for k in range(count):
        carry = torch.addcmul(local[:, k], from_here[:, k, 0], carry, out=ends[:, k])
    return ends


def linear_recurrence(decay: torch.Tensor, drive: torch.Tensor, start: torch.Tensor,
                      block: int | None = None) -> torch.Tensor:
    """y_t = decay_t * y_{t-1} + drive_t for every t, y_{-1} = start; (batch, time, n) arrays.

    A plain step loop costs one tensor call per step, which dominates for long, thin batches.
    Here time is cut into blocks of `block` steps (default about sqrt(time)): one loop over the
    position inside a block runs every block at once from zero, a short loop over blocks carries
    each block's end into the next, and one vectorised update adds the carried state times the
    running product of decays. About 2 sqrt(time) calls instead of `time`; only products and
    sums, no division, so rounding stays at the level of the step loop.
    """
    batch, steps, width = drive.shape
    block = block if block is not None else math.isqrt(steps)
    blocks = steps // block if block > 1 else 0
    if blocks < 2 or batch * width > BLOCKED_MAX_WIDTH:
        return _recurrence_loop(decay, drive, start)
    out = torch.empty(batch, steps, width, dtype=drive.dtype, device=drive.device)
    covered = blocks * block
    a = decay[:, :covered].view(batch, blocks, block, width)
    b = drive[:, :covered].view(batch, blocks, block, width)
    y = out[:, :covered].view(batch, blocks, block, width)
    y[:, :, 0] = b[:, :, 0]
    for j in range(1, block):  # each block from a zero state, all blocks together
        torch.addcmul(b[:, :, j], a[:, :, j], y[:, :, j - 1], out=y[:, :, j])
    gain = torch.cumprod(a, dim=2)  # decay from each block's start up to and including step j
    entering = torch.empty(batch, blocks, width, dtype=drive.dtype, device=drive.device)
    carry = start
    for k in range(blocks):
        entering[:, k] = carry
        carry = torch.addcmul(y[:, k, -1], gain[:, k, -1], carry)
    y.addcmul_(gain, entering.unsqueeze(2))
    if covered < steps:
        out[:, covered:] = _recurrence_loop(decay[:, covered:], drive[:, covered:], carry)
    return out


def _recurrence_loop(decay: torch.Tensor, drive: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
    out = torch.empty_like(drive)
    y = start
    for t in range(drive.shape[1]):
        y = torch.addcmul(drive[:, t], decay[:, t], y, out=out[:, t])
    return out


def gru_gates(layer: nn.GRU, x: torch.Tensor, out: torch.Tensor, h0: torch.Tensor) -> dict[str, torch.Tensor]:
    """r, z, n of a GRU layer whose outputs h are known (PyTorch's gate order and formula)."""
    hidden = out.shape[2]
    weight_ih, weight_hh, bias_ih, bias_hh = layer_parameters(layer)
    gi = torch.nn.functional.linear(x, weight_ih, bias_ih)
    gh = torch.nn.functional.linear(shifted(out, h0), weight_hh, bias_hh)
    r = torch.sigmoid(gi[..., :hidden] + gh[..., :hidden])
    z = torch.sigmoid(gi[..., hidden:2 * hidden] + gh[..., hidden:2 * hidden])
    n = torch.tanh(gi[..., 2 * hidden:] + r * gh[..., 2 * hidden:])
    return {"r": r, "z": z, "n": n}
