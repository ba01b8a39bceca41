"""LSTM cell states recovered from h and the o gate (models/cell_recovery.py): c = atanh(h / o)
where tanh is not saturated, the exact recurrence for the saturated entries (including o == 0,
where h / o is 0 / 0), and the all-gates path when too many saturate. Every way must agree with a
step-by-step nn.LSTMCell loop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from rnnlens.models import cell_recovery
from rnnlens.models.storage import load_model, model_to_stack
from rnnlens.models.trace import capture_trace, lstm_cell_states
from rnnlens.paths import SAMPLE_MODELS_DIR, SAMPLE_TEXTS_DIR
from torch import nn

from tests.models.test_trace import TOLERANCE, make_model, random_ids, random_state, reference_states

HIDDEN = 16


class Spy:
    """Counts the entries fixed by the exact recurrence and the layers that fell back."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fixed = 0
        self.fallbacks = 0
        fix, recover = cell_recovery._fix_saturated, cell_recovery.lstm_cells_from_outputs

        def spy_fix(*args: object) -> None:
            self.fixed += args[6].numel()  # type: ignore[attr-defined]
            fix(*args)  # type: ignore[arg-type]

        def spy_recover(*args: object) -> torch.Tensor | None:
            cells = recover(*args)  # type: ignore[arg-type]
            self.fallbacks += cells is None
            return cells

        monkeypatch.setattr(cell_recovery, "_fix_saturated", spy_fix)
        monkeypatch.setattr(cell_recovery, "lstm_cells_from_outputs", spy_recover)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    yield Spy(monkeypatch)


def saturating_model() -> nn.Module:
    """Both layers: units 0-3 integrate a strong input (|c| up to ~10, tanh(c) = +-1 in float32),
    unit 4's output gate is exactly 0 (h = 0, h / o = NaN), unit 5's is ~1e-13; the rest random."""
    model = make_model("lstm", layers=2, hidden=HIDDEN, embed=8)
    with torch.no_grad():
        for layer in model.layers:
            i, f, g, o = (slice(k * HIDDEN, (k + 1) * HIDDEN) for k in range(4))
            layer.bias_ih_l0[i][:4] += 3.0
            layer.bias_ih_l0[f][:4] += 3.0
            layer.weight_ih_l0[g][:4] *= 12.0
            layer.bias_ih_l0[g][:4] += 1.5
            layer.bias_ih_l0[o][4] = -120.0  # sigmoid underflows to exactly 0
            layer.bias_ih_l0[o][5] = -30.0
            layer.bias_ih_l0[i][4:6] += 3.0
            layer.weight_ih_l0[g][4:6] *= 12.0
    return model


def assert_matches_reference(trace_states: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> None:
    for name, value in expected.items():
        torch.testing.assert_close(trace_states[name], value, **TOLERANCE, msg=name)
        # two float32 computations of a cell state near 20 differ in its last bits: on its scale
        scale = max(1.0, float(value.abs().max()))
        assert float((trace_states[name] - value).abs().max()) <= 1e-5 * scale, name


@pytest.mark.parametrize("chunk_numbers,fix_chunk", [(1 << 17, 8192), (48, 7)])
def test_saturated_cells_take_the_exact_recurrence(spy: Spy, monkeypatch: pytest.MonkeyPatch,
                                                   chunk_numbers: int, fix_chunk: int) -> None:
    """Runs of saturated steps (some from the first step, from a non-zero c0) and o == 0 entries;
    small chunks make runs and units cross chunk boundaries."""
    monkeypatch.setattr(cell_recovery, "sparse_limit", lambda hidden: 1.0)  # never fall back
    monkeypatch.setattr(cell_recovery, "CHUNK_NUMBERS", chunk_numbers)
    monkeypatch.setattr(cell_recovery, "FIX_CHUNK", fix_chunk)
    model = saturating_model()
    ids = random_ids(3, 120)
    initial = random_state(model, 3)
    initial["layer1.c"][:, :4] = 6.0  # saturated from the very first step
    trace = capture_trace(model_to_stack(model), ids, initial=initial)
    expected = reference_states(model, ids, initial)
    assert float(expected["layer1.c"][..., :4].abs().max()) > 5  # tanh(c) == +-1 in float32 there
    assert bool((trace["layer1.h"][..., 4] == 0).all())  # o == 0: h / o is 0 / 0
    assert spy.fixed > 0.2 * 2 * ids.numel() * HIDDEN and spy.fallbacks == 0
    assert_matches_reference(trace.states, expected)
    assert all(bool(torch.isfinite(value).all()) for value in trace.states.values())


def test_too_many_saturated_cells_fall_back_to_all_gates(spy: Spy, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past sparse_limit a layer takes the all-gates path, and goes straight there for its next
    RETRY_AFTER calls before it tries the output gate again."""
    monkeypatch.setattr(cell_recovery, "RETRY_AFTER", 2)
    computed = []
    product = cell_recovery.gate_product
    monkeypatch.setattr(cell_recovery, "gate_product", lambda *args: computed.append(1) or product(*args))
    model = saturating_model()  # 6 of 16 units saturate: far past sparse_limit(16) = 0.2 %
    stack = model_to_stack(model)
    ids = random_ids(2, 60)
    expected = reference_states(model, ids)
    tried = []
    for _ in range(4):
        computed.clear()
        assert_matches_reference(capture_trace(stack, ids).states, expected)
        tried.append(bool(computed))
    assert tried == [True, False, False, True] and spy.fallbacks == 8 and spy.fixed == 0


def test_random_weights_need_no_fix(spy: Spy) -> None:
    model = make_model("lstm", layers=2, hidden=HIDDEN, embed=8)
    ids = random_ids(4, 50)
    trace = capture_trace(model_to_stack(model), ids, initial=random_state(model, 4))
    assert spy.fixed == 0 and spy.fallbacks == 0
    assert_matches_reference(trace.states, reference_states(model, ids, random_state(model, 4)))


def test_layer_without_bias_and_batch_major_input() -> None:
    """A plain nn.LSTM (no bias) with a contiguous batch-major input, and a saturating unit."""
    torch.manual_seed(3)
    layer = nn.LSTM(5, 6, batch_first=True, bias=False)
    with torch.no_grad():
        layer.weight_ih_l0[12:18, :] *= 10.0  # g saturates often
        layer.weight_ih_l0[:12, :] += 1.0
    x = torch.randn(2, 40, 5)
    h0, c0 = torch.randn(2, 6), 3 * torch.randn(2, 6)
    with torch.inference_mode():
        out, _ = layer(x, (h0.unsqueeze(0), c0.unsqueeze(0)))
        expected, _ = lstm_cell_states(layer, x, out, h0, c0, with_gates=True)  # the all-gates path
        original = cell_recovery.sparse_limit
        cell_recovery.sparse_limit = lambda hidden: 1.0
        try:
            got = cell_recovery.lstm_cells_from_outputs(layer, x, out, h0, c0)
        finally:
            cell_recovery.sparse_limit = original
    assert got is not None and float(expected.abs().max()) > 3
    torch.testing.assert_close(got, expected, **TOLERANCE)


@pytest.mark.parametrize("forced_sparse", [False, True])
def test_trained_sample_lstm_cell_states_match_the_reference(spy: Spy, monkeypatch: pytest.MonkeyPatch,
                                                            forced_sparse: bool) -> None:
    """The shipped brown-lstm (|c| up to ~10, output gates down to 1e-6) on real text: entries
    whose atanh is not trusted go through the exact recurrence (forced here even past the share
    where the all-gates path is cheaper), the rest through atanh, all within the tolerance."""
    if forced_sparse:
        monkeypatch.setattr(cell_recovery, "sparse_limit", lambda hidden: 1.0)
    loaded = load_model(SAMPLE_MODELS_DIR / "brown-lstm")
    model = loaded.module
    tokens, trace = loaded.trace_text((SAMPLE_TEXTS_DIR / "kitchen.txt").read_text(encoding="utf-8"))
    assert len(tokens) > 50
    if forced_sparse:
        assert spy.fixed > 0 and spy.fallbacks == 0
    expected = reference_states(model, torch.tensor([loaded.encode(tokens)]))  # type: ignore[arg-type]
    assert_matches_reference(trace.states, expected)
