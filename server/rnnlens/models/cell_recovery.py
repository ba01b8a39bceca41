"""LSTM cell states from the fused kernel's h and the output gate alone (docs/trace.md).

h_t = o_t * tanh(c_t), so wherever tanh is not saturated c_t = atanh(h_t / o_t): one matrix
product for the o gate (a quarter of the gates) and a few elementwise passes, instead of the
i, f and g gates (three quarters) and the recurrence c_t = f_t c_{t-1} + i_t g_t. Each c_t so
found stands alone (no error carried from step to step); its error is the relative error of
h / o magnified by d atanh(y)/dy = 1 / (1 - y^2), so it is used only where a per-entry estimate
of that error is within a quarter of the trace tolerance (`trusted_ratio`, `_untrusted`).
The rest (none on random weights; on trained models from a fraction of a percent to ~10 % of
a layer) take the exact recurrence: their i, f, g pre-activations are computed entry by entry
(gathered [x_t, h_{t-1}] rows times each unit's three weight rows), and the runs of untrusted
steps of each (sequence, unit) are solved as one linear recurrence that restarts at each run's
first step from the value before it. Past `sparse_limit` such entries the caller recomputes all
gates instead.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable

import torch
from torch import nn

from rnnlens.models.trace import gate_product, layer_parameters, linear_recurrence

# When atanh(h / o) is trusted. Its error is the relative error rho of h / o magnified by
# |y| / (1 - y^2) (y = h / o). rho has two parts: a few ulp from h, tanh and the division
# (ROUNDING), and the difference between the kernel's o and ours, o's relative error (1 - o)
# times the pre-activation's: two float32 sums over [x_t, h_{t-1}] in different orders, at most
# about PRODUCT_ERROR x |w_o| |[x_t, h_{t-1}]| (row norms; the Cauchy-Schwarz bound of the sum of
# |terms|). An entry is taken from atanh when its predicted error is at most BUDGET of the trace
# tolerance (ATOL + RTOL |c|, as the tests demand against a step loop); the rest take the exact
# recurrence. Calibrated on the trained brown-lstm (Brown text, 2.5M entries a layer), random
# weights and random weights x 8: the realised rho stayed under 1.22 x the predicted one, so the
# realised error stays under 0.31 of the tolerance.
ROUNDING = 1e-6
PRODUCT_ERROR = 0.5 * 2.0 ** -24
SMALLEST_ONE_MINUS_O = 0.25  # o near 1 still carries the kernel's rounding of its pre-activation
BUDGET = 0.25
ATOL, RTOL = 2e-6, 1e-5
# Numbers per chunk of rows: the o product, the division and the atanh of a chunk stay in the
# core's cache (1 MiB L2 here; 2^15 was 10 % slower overall, 2^17 and 2^18 alike).
CHUNK_NUMBERS = 1 << 17
# Entries per gathered batch of dot products in the exact fix-up.
FIX_CHUNK = 8192
# Past this share of saturated entries the all-gates path (trace.lstm_gate_values and the
# recurrence) is cheaper for the layer. A gathered entry costs about 0.6 us at 150 units
# (gathering its [x, h] row, ~2 x hidden numbers, dominates) and the i, f, g product about
# 0.5 ns x 3 x hidden per entry of the layer, so the break-even share grows with the width:
# ~2 % at 150 units, ~8 % at 650 (measured on the trained brown-lstm, one thread).
def sparse_limit(hidden: int) -> float:
    """Largest share of saturated entries fixed entry by entry."""
    return min(0.1, hidden / 8000)


# A layer that needed the all-gates path goes straight there for its next RETRY_AFTER calls: a
# trained model's layer mostly stays so (brown-lstm's layer 1 on any text), and finding out
# again costs up to a whole o product (a one-document trace is one chunk), 11 % slower on
# brown-lstm at 1 x 1024 than the all-gates path alone.
RETRY_AFTER = 16
_skipping: weakref.WeakKeyDictionary[nn.Module, int] = weakref.WeakKeyDictionary()


def lstm_cells_from_outputs(layer: nn.LSTM, x: torch.Tensor, out: torch.Tensor, h0: torch.Tensor,
                            c0: torch.Tensor) -> torch.Tensor | None:
    """The cell states c (batch, time, hidden) of an LSTM layer whose outputs h are known, from
    the o gate and atanh where that is exact to ~3e-6, the exact recurrence elsewhere. None when
    too many entries saturate (the caller then takes the all-gates path).

    Works time-major, as the fused kernel stores its output (`out` is a transposed view of a
    (time, batch, hidden) tensor): rows are (t, b), h_{t-1} is the row `batch` rows earlier, and
    no copy of h is made. c is returned in the same layout as h."""
    skips = _skipping.get(layer, 0)
    if skips:
        _skipping[layer] = skips - 1
        return None
    batch, steps, hidden = out.shape
    size = x.shape[2]
    rows = batch * steps
    weight_ih, weight_hh, bias_ih, bias_hh = layer_parameters(layer)
    o_rows = slice(3 * hidden, 4 * hidden)
    o_weight = torch.cat([weight_ih[o_rows], weight_hh[o_rows]], dim=1)
    o_bias = bias_ih[o_rows] + bias_hh[o_rows] if bias_ih is not None and bias_hh is not None else None
    h_flat = out.transpose(0, 1).contiguous().view(rows, hidden)  # a view when time-major already
    x_time = x.transpose(0, 1)  # (time, batch, size), copied chunk by chunk below
    cells = torch.empty(steps, batch, hidden, dtype=out.dtype, device=out.device)
    c_flat = cells.view(rows, hidden)
    chunk_steps = max(1, CHUNK_NUMBERS // (batch * hidden))
    joined = torch.empty(min(chunk_steps, steps), batch, size + hidden, dtype=out.dtype, device=out.device)
    ratio = torch.empty(min(chunk_steps, steps) * batch, hidden, dtype=out.dtype, device=out.device)
    weight_norms = torch.linalg.vector_norm(o_weight, dim=1)
    widest = float(weight_norms.max())
    saturated: list[torch.Tensor] = []
    count, limit = 0, sparse_limit(hidden) * rows * hidden
    for t0 in range(0, steps, chunk_steps):
        t1 = min(steps, t0 + chunk_steps)
        start, stop = t0 * batch, t1 * batch
        part = joined[: t1 - t0]
        part[..., :size] = x_time[t0:t1]
        j = part.view(stop - start, size + hidden)
        if t0 == 0:  # h_{t-1}: h0 at the first step, else the rows one step (batch rows) earlier
            j[:batch, size:] = h0
            j[batch:, size:] = h_flat[: stop - batch]
        else:
            j[:, size:] = h_flat[start - batch: stop - batch]
        o = gate_product(j, o_weight, o_bias).sigmoid_()
        y = torch.div(h_flat[start:stop], o, out=ratio[: stop - start])
        c = torch.atanh(y, out=c_flat[start:stop])
        norms = torch.linalg.vector_norm(j, dim=1)
        low, high = torch.aminmax(y)
        trusted = trusted_ratio(ROUNDING + PRODUCT_ERROR * float(norms.max()) * widest)
        if not (-trusted <= float(low) and float(high) <= trusted):  # NaN (o == 0) lands here too
            found = _untrusted(y, o, c, norms, weight_norms, trusted)
            count += found.numel()
            if count > limit * (stop / rows):  # too many: the all-gates path is cheaper
                _skipping[layer] = RETRY_AFTER
                return None
            saturated.append(found + start * hidden)
    if saturated:
        _fix_saturated(layer, x_time, h_flat, h0, c0, c_flat, torch.cat(saturated), batch)
    return cells.transpose(0, 1)


def trusted_ratio(rho: float) -> float:
    """The largest |y| whose atanh(y) has a predicted error rho |y| / (1 - y^2) within BUDGET of
    the tolerance ATOL + RTOL atanh(|y|) (bisection; the two sides cross once on [0, 1))."""
    low, high = 0.0, 1.0
    for _ in range(30):
        mid = 0.5 * (low + high)
        if rho * mid <= BUDGET * (ATOL + RTOL * math.atanh(mid)) * (1 - mid) * (1 + mid):
            low = mid
        else:
            high = mid
    return low


def _untrusted(y: torch.Tensor, o: torch.Tensor, c: torch.Tensor, norms: torch.Tensor, weight_norms: torch.Tensor,
               trusted: float) -> torch.Tensor:
    """Flat indices into the chunk of the entries whose atanh is not trusted: of those past the
    chunk's worst-case bound `trusted`, the ones whose own predicted error is too large."""
    hidden = y.shape[1]
    candidates = torch.nonzero(~(y.abs() <= trusted).view(-1)).view(-1)
    row, unit = candidates // hidden, candidates % hidden
    ys = y.view(-1)[candidates].abs()
    rho = (1 - o.view(-1)[candidates]).clamp_(min=SMALLEST_ONE_MINUS_O)
    rho.mul_(norms[row]).mul_(weight_norms[unit]).mul_(PRODUCT_ERROR).add_(ROUNDING)
    allowed = (c.view(-1)[candidates].abs() * RTOL + ATOL) * BUDGET * (1 - ys) * (1 + ys)
    return candidates[~(rho * ys <= allowed)]  # NaN (o == 0, |y| > 1) is not trusted


def _fix_saturated(layer: nn.LSTM, x_time: torch.Tensor, h_flat: torch.Tensor, h0: torch.Tensor,
                   c0: torch.Tensor, c_flat: torch.Tensor, flat: torch.Tensor, batch: int) -> None:
    """Overwrite the saturated entries (flat indices into the time-major (rows, hidden) c) with
    the exact recurrence, walking each run of consecutive saturated steps of a (sequence, unit)
    from the value before it (an atanh value, or c0 at the first step).

    The entries are sorted by (unit, sequence, step): each unit's entries are contiguous, so its
    i, f, g pre-activations are one small product of the gathered [x_t, h_{t-1}] rows with that
    unit's three weight rows, and each run of saturated steps is contiguous and in time order."""
    steps, hidden = x_time.shape[0], h_flat.shape[1]
    row, unit = flat // hidden, flat % hidden
    step, seq = row // batch, row % batch
    order = torch.argsort((unit * batch + seq) * steps + step)
    flat, row, unit, step, seq = flat[order], row[order], unit[order], step[order], seq[order]
    count = flat.numel()
    weight_ih, weight_hh, bias_ih, bias_hh = layer_parameters(layer)
    width = x_time.shape[2] + hidden
    # (hidden, 3, width): unit u's i, f, g rows over [x_t, h_{t-1}]
    weight = torch.cat([weight_ih[: 3 * hidden], weight_hh[: 3 * hidden]], dim=1).view(3, hidden, width)
    weight = weight.transpose(0, 1).contiguous()
    x_rows = _row_gather(x_time, batch)
    pre = torch.empty(count, 3, dtype=c_flat.dtype, device=c_flat.device)
    size = x_time.shape[2]
    inputs = torch.empty(min(count, FIX_CHUNK), width, dtype=c_flat.dtype, device=c_flat.device)
    for start in range(0, count, FIX_CHUNK):
        stop = min(count, start + FIX_CHUNK)
        r, t, b = row[start:stop], step[start:stop], seq[start:stop]
        joined = inputs[: stop - start]  # [x_t, h_{t-1}] of each entry, gathered in place
        x_rows(t, b, joined[:, :size])
        torch.index_select(h_flat, 0, (r - batch).clamp(min=0), out=joined[:, size:])
        at_start = t == 0
        if bool(at_start.any()):
            joined[at_start, size:] = h0.index_select(0, b[at_start])
        units, counts = torch.unique_consecutive(unit[start:stop], return_counts=True)
        at = 0
        for u, n in zip(units.tolist(), counts.tolist(), strict=True):
            torch.mm(joined[at: at + n], weight[u].t(), out=pre[start + at: start + at + n])
            at += n
    if bias_ih is not None and bias_hh is not None:
        pre += (bias_ih[: 3 * hidden] + bias_hh[: 3 * hidden]).view(3, hidden).t().index_select(0, unit)
    decay = pre[:, 1].sigmoid()
    drive = pre[:, 0].sigmoid().mul_(pre[:, 2].tanh())
    # A run starts where the entry before it in this order is not the same unit's previous step;
    # there c_{t-1} is known (atanh, or c0 at t = 0), so the run restarts from it (decay 0).
    stride = batch * hidden
    starts = torch.ones(count, dtype=torch.bool, device=flat.device)
    starts[1:] = flat[1:] != flat[:-1] + stride
    begin = starts.nonzero().view(-1)
    before = torch.where(step[begin] == 0, c0[seq[begin], unit[begin]],
                         c_flat.view(-1)[(flat[begin] - stride).clamp(min=0)])
    drive[begin] += decay[begin] * before
    decay[begin] = 0
    values = linear_recurrence(decay.view(1, count, 1), drive.view(1, count, 1), decay.new_zeros(1, 1))
    c_flat.view(-1)[flat] = values.view(-1)


def _row_gather(x_time: torch.Tensor, batch: int) -> Callable[[torch.Tensor, torch.Tensor, torch.Tensor], object]:
    """Writes the rows x[b, t] for index tensors t and b into `out`: one index_select over the
    stored layout (batch-major as an embedding gives it, time-major as a fused layer's output is)."""
    steps, _, size = x_time.shape
    x = x_time.transpose(0, 1)
    if x.is_contiguous():
        by_batch = x.view(batch * steps, size)
        return lambda t, b, out: torch.index_select(by_batch, 0, b * steps + t, out=out)
    if x_time.is_contiguous():
        by_time = x_time.view(steps * batch, size)
        return lambda t, b, out: torch.index_select(by_time, 0, t * batch + b, out=out)
    return lambda t, b, out: out.copy_(x_time[t, b])
