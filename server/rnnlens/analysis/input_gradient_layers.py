"""Recurrent layers that are differentiable with respect to their input and initial state only.

Input attribution (attribution.py) needs d(output)/d(input embeddings) for a batch of 32-128
integration points, never a gradient of the weights. Through autograd, a single-layer
`nn.LSTM` runs oneDNN's training forward (it writes a workspace of every gate) and a backward
that also forms both weight gradients, whether or not the weights require grad: for one 150-unit
LSTM layer at batch 32 x 200 steps, 4.4x the inference kernel's forward (CPU time, one thread).

`run_layer` wraps each layer in an autograd Function that forms no weight gradient:

- LSTM and GRU run their own step loop, which keeps the gates for the backward (the inference
  kernel returns h only, and recomputing the gates afterwards costs as much as this loop saves).
  Each step is one product of [W_ih W_hh b] with the rows [x_t, h_{t-1}, 1] and a few elementwise
  calls; the backward is one product per step as well, [dx_t; dh_{t-1}] = [W_ih W_hh]^T dgates_t,
  after every factor that depends on the step alone has been computed for all steps at once.
- a vanilla (tanh or relu) RNN keeps the kernel's forward: the slope of its nonlinearity comes
  from h itself, so its backward needs nothing recomputed.

Layout: inside the loops every array is feature-major, (hidden, batch) per step, so that each
elementwise call works on one contiguous block (a (batch, hidden) slice of the (batch, 4 hidden)
gates measured ~3x slower a call) and oneDNN's matmul takes the rows as they are (36-45 us for
600 x 150 by 150 x 32, against 61-72 us for MKL's sgemm). Measured for that layer: forward 1.6x
and backward 1.6x the inference kernel, 3.2x in all against 4.4x. tanh is computed as
2 sigmoid(2 u) - 1: ATen's CPU tanh measured ~10x slower than its sigmoid.

The weights are constants here: no gradient reaches them (train with the module itself). Layers
this module does not cover (bidirectional, stacked in one module, projections, not batch_first)
run through the module and autograd. A layer's backward runs once (it overwrites its tape).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from rnnlens.libc import libc_function
from rnnlens.models.trace import _ONEDNN_LINEAR, layer_parameters

_sigmoid_backward = torch.ops.aten.sigmoid_backward.grad_input  # out = grad * y * (1 - y)
_tanh_backward = torch.ops.aten.tanh_backward.grad_input  # out = grad * (1 - y^2)

# LSTM gate rows, PyTorch's order i, f, g, o, rearranged to o, i, f, g: the sigmoid gates are then
# one slab in the forward (o, i, f) and the gates driven by the cell gradient one in the backward (i, f, g)
_LSTM_ORDER = (3, 0, 1, 2)


_HUGE_PAGE = 2 << 20
_MADV_HUGEPAGE = 14


_MADVISE = libc_function("madvise", [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int])


def _buffer(*shape: int, like: torch.Tensor) -> torch.Tensor:
    """torch.empty(shape) like `like`. A large CPU array starts on a 2 MiB boundary with the
    transparent-huge-page hint (Linux madvise): the forward's tape (~30 MB a layer for 32 x 200
    steps x 150 units) is fresh memory on every call, and first-touch faults on 4 KiB pages
    measured ~2 us each, ~25 ms of CPU time an attribution; with the hint ~3x less."""
    count = 1
    for size in shape:
        count *= size
    width = like.element_size()
    if _MADVISE is None or like.device.type != "cpu" or count * width < 3 << 20:
        return torch.empty(shape, dtype=like.dtype, device=like.device)
    flat = torch.empty(count + _HUGE_PAGE // width, dtype=like.dtype)
    start = -(-flat.data_ptr() // _HUGE_PAGE) * _HUGE_PAGE
    _MADVISE(start, count * width // _HUGE_PAGE * _HUGE_PAGE, _MADV_HUGEPAGE)  # a hint: failure is harmless
    offset = (start - flat.data_ptr()) // width
    return flat[offset:offset + count].view(shape)


def covered(layer: nn.Module) -> bool:
    """Whether `run_layer` computes this layer's input gradient by hand."""
    return (isinstance(layer, (nn.LSTM, nn.GRU, nn.RNN)) and layer.num_layers == 1 and not layer.bidirectional
            and layer.batch_first and getattr(layer, "proj_size", 0) == 0)


def run_layer(layer: nn.RNNBase, x: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor | None = None) -> torch.Tensor:
    """h for every step, (batch, time, hidden), of a single-layer batch_first module from x
    (batch, time, input) and the initial state h0 (and c0 for an LSTM), each (batch, hidden).
    Differentiable with respect to x, h0 and c0, not the weights."""
    if isinstance(layer, nn.LSTM) and c0 is None:
        raise ValueError("an LSTM layer needs its initial cell state c0")
    wants_grad = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in (x, h0, c0))
    if not wants_grad or not covered(layer) or x.shape[1] == 0:
        return _native(layer, x, h0, c0)
    out: torch.Tensor = _InputGradientLayer.apply(x, h0, c0, layer)
    return out


def _native(layer: nn.RNNBase, x: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor | None) -> torch.Tensor:
    hx: Any = h0.unsqueeze(0).contiguous()
    if isinstance(layer, nn.LSTM):
        assert c0 is not None
        hx = (hx, c0.unsqueeze(0).contiguous())
    out, _ = layer(x, hx)
    return out  # type: ignore[no-any-return]


class _InputGradientLayer(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor | None,  # type: ignore[override]
                layer: nn.RNNBase) -> torch.Tensor:
        ctx.layer = layer
        with torch.no_grad():
            if isinstance(layer, nn.LSTM):
                assert c0 is not None
                out, ctx.tape = lstm_forward(layer, x, h0, c0)
            elif isinstance(layer, nn.GRU):
                out, ctx.tape = gru_forward(layer, x, h0)
            else:
                out = _native(layer, x, h0, None)
                ctx.tape = out.detach()
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, ...]:  # type: ignore[override]
        layer, tape = ctx.layer, ctx.tape
        if tape is None:
            raise RuntimeError("the input gradient of this recurrent layer was already computed (its tape is "
                               "consumed); run the forward again")
        ctx.tape = None
        needs = ctx.needs_input_grad
        dc0 = None
        with torch.no_grad():
            if isinstance(layer, nn.LSTM):
                dx, dh0, dc0 = lstm_backward(layer, tape, grad_out, needs[0])
            elif isinstance(layer, nn.GRU):
                dx, dh0 = gru_backward(layer, tape, grad_out, needs[0])
            else:
                dx, dh0 = rnn_backward(layer, tape, grad_out, needs[0])
        return (dx if needs[0] else None, dh0 if needs[1] else None, dc0 if needs[2] else None, None)


def _product(matrix: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """rows (batch, k) -> matrix @ rows.T, (m, batch): one step's product in the feature-major
    layout. On a CPU in float32 through oneDNN's matmul (the library of the fused kernel) where
    it runs: measured 36-45 us for 600 x 150 by 150 x 32 against 61-72 us for MKL's sgemm."""
    matrix = matrix.contiguous()
    if matrix.device.type == "cpu" and matrix.dtype == torch.float32 and _ONEDNN_LINEAR is not None:
        try:
            _ONEDNN_LINEAR(matrix, matrix.new_zeros(2, matrix.shape[1]).t().contiguous().t(), None, "none", [], "")
        except RuntimeError:
            pass
        else:
            call = getattr(_ONEDNN_LINEAR, "_op", _ONEDNN_LINEAR)  # the C++ operator, skipping a Python frame
            return lambda rows: call(matrix, rows, None, "none", [], "")  # type: ignore[no-any-return]
    return lambda rows: matrix @ rows.t()


def _parameters(layer: nn.RNNBase, order: tuple[int, ...] | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """weight_ih, weight_hh, bias_ih, bias_hh, detached, gate blocks rearranged into `order`."""
    values = [p.detach() if p is not None else None for p in layer_parameters(layer)]
    if order is not None:
        hidden = layer.hidden_size
        rows = torch.cat([torch.arange(k * hidden, (k + 1) * hidden) for k in order])
        values = [v[rows.to(v.device)] if v is not None else None for v in values]
    weight_ih, weight_hh, bias_ih, bias_hh = values
    assert weight_ih is not None and weight_hh is not None
    return weight_ih, weight_hh, bias_ih, bias_hh


def _step_inputs(x: torch.Tensor, h0: torch.Tensor, with_one: bool) -> torch.Tensor:
    """(time + 1, batch, input + hidden [+ 1]) rows [x_t, h_{t-1}, 1]: x and h0 written here, h_t
    by the forward loop into row t + 1 (so row `time` holds the last h and has no x)."""
    batch, steps, size = x.shape
    hidden = h0.shape[1]
    rows = _buffer(steps + 1, batch, size + hidden + int(with_one), like=x)
    rows[:steps, :, :size] = x.transpose(0, 1)
    rows[steps, :, :size] = 0.0
    rows[0, :, size:size + hidden] = h0
    if with_one:
        rows[..., -1] = 1.0
    return rows


def _upstream(grad_out: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """grad_out (batch, time, hidden) feature-major (time, hidden, batch), and whether any step
    but the last has a gradient (attribution's top layer: only the last step does; the array is
    then left as it is, else made contiguous)."""
    upstream = grad_out.permute(1, 2, 0)
    every_step = bool(upstream[:-1].any())
    if every_step and not upstream.is_contiguous():
        upstream = upstream.contiguous()
    return upstream, every_step


def _scalar(value: float, like: torch.Tensor) -> torch.Tensor:
    return torch.tensor(value, dtype=like.dtype, device=like.device)


# LSTM ------------------------------------------------------------------------------------------

def lstm_forward(layer: nn.LSTM, x: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor
                 ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    """h (batch, time, hidden) and the tape of the backward: every step's gates (time, 4, hidden,
    batch; rows o, i, f and 2 g, activated), 2 c (time + 1, hidden, batch, from c0) and tanh(c).

    Per step, one product of [W_ih W_hh b] with the rows [x_t, h_{t-1}, 1], then a few
    elementwise calls on contiguous (hidden, batch) blocks. tanh is computed as 2 sigmoid(2 u) - 1
    (ATen's CPU tanh measured ~10x slower than its sigmoid): the g rows of the weights are
    doubled, so one sigmoid serves all four gates, and the cell state is carried doubled, d = 2 c,
    so that tanh(c) = 2 sigmoid(d) - 1. Every per-step view is made before the loop."""
    batch, steps, size = x.shape
    hidden = layer.hidden_size
    weight_ih, weight_hh, bias_ih, bias_hh = _parameters(layer, _LSTM_ORDER)
    blocks = [weight_ih, weight_hh]
    if bias_ih is not None and bias_hh is not None:
        blocks.append((bias_ih + bias_hh)[:, None])
    joined = torch.cat(blocks, dim=1)
    joined[3 * hidden:] *= 2.0
    product = _product(joined)
    rows = _step_inputs(x, h0, with_one=len(blocks) == 3)
    gates = _buffer(steps, 4, hidden, batch, like=x)
    cells = _buffer(steps + 1, hidden, batch, like=x)  # 2 c
    torch.mul(c0.t(), 2.0, out=cells[0])
    tanh_cells = _buffer(steps, hidden, batch, like=x)
    scratch = torch.empty(hidden, batch, dtype=x.dtype, device=x.device)
    minus_two, minus_one = _scalar(-2.0, x), _scalar(-1.0, x)
    shape = (4, hidden, batch)
    sigmoid, add, mul, addcmul = torch.sigmoid, torch.add, torch.mul, torch.addcmul
    step_rows, step_gates, step_cells, step_tanh = rows.unbind(0), gates.unbind(0), cells.unbind(0), tanh_cells.unbind(0)
    o, i, f, g = (gates[:, k].unbind(0) for k in range(4))
    o_rows, tanh_rows = gates[:, 0].transpose(1, 2).unbind(0), tanh_cells.transpose(1, 2).unbind(0)
    h_rows = rows[1:, :, size:size + hidden].unbind(0)
    for t in range(steps):
        sigmoid(product(step_rows[t]).view(shape), out=step_gates[t])
        add(minus_two, g[t], alpha=4.0, out=g[t])  # 2 g = 4 sigmoid(2 u) - 2
        mul(i[t], g[t], out=scratch)
        addcmul(scratch, f[t], step_cells[t], out=step_cells[t + 1])  # 2 c_t = f 2 c_{t-1} + i 2 g
        sigmoid(step_cells[t + 1], out=step_tanh[t])
        add(minus_one, step_tanh[t], alpha=2.0, out=step_tanh[t])
        mul(o_rows[t], tanh_rows[t], out=h_rows[t])  # h_t = o tanh(c_t), into the next step's rows
    return rows[1:, :, size:size + hidden].transpose(0, 1), (gates, cells, tanh_cells)


def lstm_backward(layer: nn.LSTM, tape: tuple[torch.Tensor, ...], grad_out: torch.Tensor, need_x: bool
                  ) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]:
    """d/dx, d/dh0, d/dc0 of sum(grad_out * h) from the forward's tape, which it overwrites
    (the gates' buffer becomes their factors below: a second backward is refused upstream)."""
    gates, cells, tanh_cells = tape
    steps, _, hidden, batch = gates.shape
    weight_ih, weight_hh, _, _ = _parameters(layer, _LSTM_ORDER)
    size = weight_ih.shape[1] if need_x else 0
    product = _product((torch.cat([weight_ih, weight_hh], dim=1) if need_x else weight_hh).t())
    o, i, f, g = gates.unbind(1)
    # dc_t = dc_{t+1} f_{t+1} + dh_t o_t (1 - tanh^2 c_t); each gate's pre-activation gradient is
    # dh_t (o) or dc_t (i, f, g) times a factor of the step alone: all of them computed here at
    # once, in place of the gates (o -> its factor, i, f, g likewise; raw f moves to `forget`)
    from_h = _tanh_backward(o, tanh_cells, grad_input=_buffer(steps, hidden, batch, like=gates))
    _sigmoid_backward(tanh_cells, o, grad_input=o)
    g.mul_(0.5)  # the forward keeps 2 g
    spare = tanh_cells
    _tanh_backward(i, g, grad_input=spare)
    _sigmoid_backward(g, i, grad_input=i)
    g.copy_(spare)
    forget = spare.copy_(f)
    _sigmoid_backward(cells[:-1], f, grad_input=f).mul_(0.5)  # the forward keeps 2 c

    upstream, every_step = _upstream(grad_out)
    dgates = torch.empty(4, hidden, batch, dtype=gates.dtype, device=gates.device)
    dgates_rows = dgates.view(4 * hidden, batch).t()
    dh_part, dc_part = dgates[0], dgates[1:]
    dc_column = torch.zeros(1, hidden, batch, dtype=gates.dtype, device=gates.device)
    dc = dc_column[0]  # carries dc_{t+1} f_{t+1}
    dx = _buffer(steps, size, batch, like=gates) if need_x else None
    step_from_h, o_factors, cell_factors = from_h.unbind(0), o.unbind(0), gates[:, 1:].unbind(0)
    step_forget, step_upstream = forget.unbind(0), upstream.unbind(0)
    step_dx = dx.unbind(0) if dx is not None else None
    mul = torch.mul
    dh = step_upstream[steps - 1]
    for t in range(steps - 1, -1, -1):
        dc.addcmul_(dh, step_from_h[t])
        mul(dh, o_factors[t], out=dh_part)
        mul(dc_column, cell_factors[t], out=dc_part)
        dc.mul_(step_forget[t])
        back = product(dgates_rows)  # [dx_t; dh_{t-1}], (input + hidden, batch)
        if step_dx is not None:
            step_dx[t].copy_(back[:size])
        dh = back[size:]
        if every_step and t > 0:
            dh += step_upstream[t - 1]
    return (dx.permute(2, 0, 1) if dx is not None else None), dh.t(), dc.t()


# GRU -------------------------------------------------------------------------------------------

def _gru_joined(layer: nn.GRU, with_bias: bool) -> torch.Tensor:
    """Rows r, z, W_in x + b_in, W_hn h + b_hn of one product with [x_t, h_{t-1}, 1]: (4 hidden,
    input + hidden [+ 1])."""
    weight_ih, weight_hh, bias_ih, bias_hh = _parameters(layer)
    hidden, size = layer.hidden_size, weight_ih.shape[1]
    joined = weight_ih.new_zeros(4 * hidden, size + hidden + int(with_bias))
    joined[:3 * hidden, :size] = weight_ih
    joined[:2 * hidden, size:size + hidden] = weight_hh[:2 * hidden]
    joined[3 * hidden:, size:size + hidden] = weight_hh[2 * hidden:]
    if with_bias:
        assert bias_ih is not None and bias_hh is not None
        joined[:2 * hidden, -1] = bias_ih[:2 * hidden] + bias_hh[:2 * hidden]
        joined[2 * hidden:3 * hidden, -1] = bias_ih[2 * hidden:]
        joined[3 * hidden:, -1] = bias_hh[2 * hidden:]
    return joined


def gru_forward(layer: nn.GRU, x: torch.Tensor, h0: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    """PyTorch's GRU, r = s(W_ir x + b_ir + W_hr h + b_hr), z likewise, n = tanh(W_in x + b_in
    + r (W_hn h + b_hn)), h' = (1 - z) n + z h: h (batch, time, hidden) and the tape: the gates
    (time, 3, hidden, batch; r, z, n), 2 (W_hn h + b_hn) and h_{t-1} (time + 1, hidden, batch,
    from h0). Feature-major steps as for the LSTM; tanh as 2 sigmoid(2 u) - 1 (the n rows doubled)."""
    batch, steps, size = x.shape
    hidden = layer.hidden_size
    joined = _gru_joined(layer, with_bias=layer.bias)
    joined[2 * hidden:] *= 2.0
    product = _product(joined)
    rows = _step_inputs(x, h0, with_one=layer.bias)
    gates = torch.empty(steps, 3, hidden, batch, dtype=x.dtype, device=x.device)
    from_h = torch.empty(steps, hidden, batch, dtype=x.dtype, device=x.device)  # 2 (W_hn h + b_hn)
    states = torch.empty(steps + 1, hidden, batch, dtype=x.dtype, device=x.device)
    states[0] = h0.t()
    scratch = torch.empty(hidden, batch, dtype=x.dtype, device=x.device)
    minus_one = _scalar(-1.0, x)
    h_columns = slice(size, size + hidden)
    for t in range(steps):
        step = gates[t]
        pre = product(rows[t]).view(4, hidden, batch)
        torch.sigmoid(pre[:2], out=step[:2])
        from_h[t] = pre[3]
        n = torch.addcmul(pre[2], step[0], pre[3], out=step[2]).sigmoid_()
        torch.add(minus_one, n, alpha=2.0, out=n)  # tanh(u) = 2 sigmoid(2 u) - 1
        torch.sub(states[t], n, out=scratch)
        h = torch.addcmul(n, step[1], scratch, out=states[t + 1])
        rows[t + 1, :, h_columns] = h.t()
    return rows[1:, :, h_columns].transpose(0, 1), (gates, from_h, states)


def gru_backward(layer: nn.GRU, tape: tuple[torch.Tensor, ...], grad_out: torch.Tensor, need_x: bool
                 ) -> tuple[torch.Tensor | None, torch.Tensor]:
    """d/dx, d/dh0 of sum(grad_out * h) from the forward's tape."""
    gates, from_h, states = tape
    steps, _, hidden, batch = gates.shape
    joined = _gru_joined(layer, with_bias=False)
    size = joined.shape[1] - hidden if need_x else 0
    product = _product(joined[:, -(size + hidden):].t())
    r, z, n = gates.unbind(1)
    # pre-activation gradients, each dh_t times a factor of the step: rows r, z, n's input side,
    # n's recurrent side (n sees r (W_hn h + b_hn))
    factors = torch.empty(steps, 4, hidden, batch, dtype=gates.dtype, device=gates.device)
    kn = _tanh_backward(1 - z, n, grad_input=factors[:, 2])
    _sigmoid_backward(states[:-1] - n, z, grad_input=factors[:, 1])
    _sigmoid_backward(kn * from_h * 0.5, r, grad_input=factors[:, 0])
    torch.mul(kn, r, out=factors[:, 3])
    z = z.contiguous()

    upstream, every_step = _upstream(grad_out)
    dgates = torch.empty(4, hidden, batch, dtype=gates.dtype, device=gates.device)
    dx = torch.empty(steps, size, batch, dtype=gates.dtype, device=gates.device) if need_x else None
    dh = upstream[steps - 1]
    for t in range(steps - 1, -1, -1):
        torch.mul(dh.unsqueeze(0), factors[t], out=dgates)
        back = product(dgates.view(4 * hidden, batch).t())
        if dx is not None:
            dx[t] = back[:size]
        previous = back[size:]
        previous.addcmul_(dh, z[t])  # h' = ... + z h: the direct path
        if every_step and t > 0:
            previous += upstream[t - 1]
        dh = previous
    return (dx.permute(2, 0, 1) if dx is not None else None), dh.t()


# vanilla RNN -----------------------------------------------------------------------------------

def rnn_backward(layer: nn.RNN, out: torch.Tensor, grad_out: torch.Tensor, need_x: bool
                 ) -> tuple[torch.Tensor | None, torch.Tensor]:
    """d/dx, d/dh0 of sum(grad_out * h) for a tanh or relu RNN layer whose outputs h are `out`
    (the forward is the module's kernel): the slope of the nonlinearity comes from h itself,
    tanh' = 1 - h^2, relu' = [h > 0], so nothing is recomputed."""
    batch, steps, hidden = out.shape
    weight_ih, weight_hh, _, _ = _parameters(layer)
    size = weight_ih.shape[1] if need_x else 0
    product = _product((torch.cat([weight_ih, weight_hh], dim=1) if need_x else weight_hh).t())
    h = out.permute(1, 2, 0)
    if layer.nonlinearity == "tanh":
        slope = _tanh_backward(torch.ones_like(h), h, grad_input=torch.empty(steps, hidden, batch, dtype=out.dtype,
                                                                             device=out.device))
    else:
        slope = (h > 0).to(out.dtype).contiguous()
    upstream, every_step = _upstream(grad_out)
    dpre = torch.empty(hidden, batch, dtype=out.dtype, device=out.device)
    dx = torch.empty(steps, size, batch, dtype=out.dtype, device=out.device) if need_x else None
    dh = upstream[steps - 1]
    for t in range(steps - 1, -1, -1):
        torch.mul(dh, slope[t], out=dpre)
        back = product(dpre.t())
        if dx is not None:
            dx[t] = back[:size]
        dh = back[size:]
        if every_step and t > 0:
            dh += upstream[t - 1]
    return (dx.permute(2, 0, 1) if dx is not None else None), dh.t()
