"""Trace capture: names and shapes, states equal to a step-by-step cell reference, gates,
chunking, padded batches, outputs, name filtering, solved checkpoints and the linear-recurrence solvers."""

from __future__ import annotations

import pytest
import torch
from rnnlens.errors import RnnLensError
from rnnlens.models.config import ModelConfig
from rnnlens.models.network import RecurrentModel
from rnnlens.models.storage import load_model, model_to_stack
from rnnlens.models.trace import capture_trace, linear_recurrence, states_every, stretch_ends
from rnnlens.paths import SAMPLE_MODELS_DIR, SAMPLE_TEXTS_DIR
from torch import nn

VOCAB = 40
# fp32 states from the fused kernel + recovered c agree with an fp32 cell loop to rounding;
# over 1000 steps of a near-integrator cell the error stays under 1e-5 of the state's largest
# magnitude (docs/trace.md).
TOLERANCE = {"rtol": 1e-5, "atol": 2e-6}
CELL_MODULES: dict[str, type[nn.RNNCellBase]] = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}


def make_model(cell: str, layers: int = 2, hidden: int = 12, embed: int = 7, task: str = "lm",
               seed: int = 0) -> RecurrentModel:
    torch.manual_seed(seed)
    labels = ["negative", "positive"] if task == "classifier" else []
    config = ModelConfig(cell=cell, task=task, vocab_size=VOCAB, embed_size=embed, hidden_size=hidden,
                         num_layers=layers, labels=labels)
    return RecurrentModel(config).eval()


def random_ids(batch: int, steps: int, seed: int = 1) -> torch.Tensor:
    return torch.randint(0, VOCAB, (batch, steps), generator=torch.Generator().manual_seed(seed))


def random_state(model: RecurrentModel, batch: int, seed: int = 2) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {name: 0.5 * torch.randn(batch, model.config.hidden_size, generator=generator)
            for name in model_to_stack(model).zero_state(batch)}


def reference_states(model: RecurrentModel, ids: torch.Tensor,
                     initial: dict[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
    """States from a step-by-step nn.*Cell loop with the model's weights (the slow, obvious way)."""
    batch, steps = ids.shape
    stack = model_to_stack(model)
    state = initial if initial is not None else stack.zero_state(batch)
    cells = []
    for layer in model.layers:
        cell = CELL_MODULES[model.config.cell](layer.input_size, layer.hidden_size)
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, kind).data.copy_(getattr(layer, f"{kind}_l0").data)
        cells.append(cell)
    record: dict[str, list[torch.Tensor]] = {name: [] for name in state}
    current = dict(state)
    with torch.no_grad():
        x = model.embedding(ids)
        for t in range(steps):
            inp = x[:, t]
            for index, cell in enumerate(cells, start=1):
                h_name, c_name = f"layer{index}.h", f"layer{index}.c"
                if model.config.cell == "lstm":
                    current[h_name], current[c_name] = cell(inp, (current[h_name], current[c_name]))
                else:
                    current[h_name] = cell(inp, current[h_name])
                inp = current[h_name]
            for name in record:
                record[name].append(current[name])
    return {name: torch.stack(values, dim=1) for name, values in record.items()}


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_every_name_is_present_with_its_shape(cell: str, layers: int) -> None:
    model = make_model(cell, layers=layers)
    trace = capture_trace(model_to_stack(model), random_ids(3, 9), gates=True)
    kinds = {"rnn": ["h"], "gru": ["h", "gate.r", "gate.z", "gate.n"],
             "lstm": ["h", "c", "gate.i", "gate.f", "gate.g", "gate.o"]}[cell]
    expected = [f"layer{index}.{kind}" for index in range(1, layers + 1) for kind in kinds]
    assert trace.names == expected
    for name in expected:
        assert trace[name].shape == (3, 9, 12)
    assert set(trace.final_state) == {n for n in expected if n.endswith((".h", ".c"))}
    assert all(value.shape == (3, 12) for value in trace.final_state.values())
    assert trace.outputs is not None and trace.outputs.shape == (3, 9, VOCAB)


def test_gates_are_left_out_unless_asked_for() -> None:
    trace = capture_trace(model_to_stack(make_model("lstm")), random_ids(2, 5))
    assert trace.names == ["layer1.h", "layer1.c", "layer2.h", "layer2.c"]


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("batch,steps", [(3, 40), (1, 300)])
def test_states_equal_a_step_by_step_cell_loop(cell: str, batch: int, steps: int) -> None:
    model = make_model(cell, layers=2)
    ids = random_ids(batch, steps)
    initial = random_state(model, batch)
    trace = capture_trace(model_to_stack(model), ids, initial=initial)
    expected = reference_states(model, ids, initial)
    assert set(expected) <= set(trace.names)
    for name, value in expected.items():
        torch.testing.assert_close(trace[name], value, **TOLERANCE, msg=name)


def test_long_memory_cell_state_stays_accurate_over_1000_steps() -> None:
    """Forget gates near 1 make c an integrator, where rounding errors would pile up."""
    model = make_model("lstm", layers=2, hidden=32, embed=16)
    with torch.no_grad():
        for layer in model.layers:
            layer.bias_ih_l0[32:64] += 6.0  # f = sigmoid(~6) ~ 0.9975
    ids = random_ids(2, 1000)
    trace = capture_trace(model_to_stack(model), ids)
    expected = reference_states(model, ids)
    assert expected["layer1.c"].abs().max() > 5  # the planted integrator really accumulates
    for name, value in expected.items():
        # Two fp32 computations of a state near 100 differ in its last bits: judge on its scale.
        scale = max(1.0, float(value.abs().max()))
        assert float((trace[name] - value).abs().max()) <= 1e-5 * scale, name


def test_lstm_gates_reproduce_the_reference_cell_and_state() -> None:
    model = make_model("lstm", layers=2)
    ids = random_ids(2, 30)
    initial = random_state(model, 2)
    trace = capture_trace(model_to_stack(model), ids, initial=initial, gates=True)
    expected = reference_states(model, ids, initial)
    for index in (1, 2):
        i, f, g, o = (trace[f"layer{index}.gate.{gate}"] for gate in "ifgo")
        c_prev = torch.cat([initial[f"layer{index}.c"].unsqueeze(1), expected[f"layer{index}.c"][:, :-1]], dim=1)
        torch.testing.assert_close(f * c_prev + i * g, expected[f"layer{index}.c"], **TOLERANCE)
        torch.testing.assert_close(o * torch.tanh(expected[f"layer{index}.c"]), expected[f"layer{index}.h"],
                                   **TOLERANCE)
        assert ((i > 0) & (i < 1) & (f > 0) & (f < 1) & (o > 0) & (o < 1)).all()
        assert (g.abs() < 1).all()


def test_gru_gates_reproduce_the_reference_state() -> None:
    model = make_model("gru", layers=2)
    ids = random_ids(2, 30)
    initial = random_state(model, 2)
    trace = capture_trace(model_to_stack(model), ids, initial=initial, gates=True)
    expected = reference_states(model, ids, initial)
    for index in (1, 2):
        z, n = trace[f"layer{index}.gate.z"], trace[f"layer{index}.gate.n"]
        h_prev = torch.cat([initial[f"layer{index}.h"].unsqueeze(1), expected[f"layer{index}.h"][:, :-1]], dim=1)
        torch.testing.assert_close((1 - z) * n + z * h_prev, expected[f"layer{index}.h"], **TOLERANCE)
        r = trace[f"layer{index}.gate.r"]
        assert ((r > 0) & (r < 1)).all()


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_two_chunks_chained_by_final_state_equal_one_pass(cell: str) -> None:
    stack = model_to_stack(make_model(cell))
    ids = random_ids(2, 70)
    whole = capture_trace(stack, ids, gates=True)
    first = capture_trace(stack, ids[:, :25], gates=True)
    second = capture_trace(stack, ids[:, 25:], initial=first.final_state, gates=True)
    for name in whole.names:
        torch.testing.assert_close(torch.cat([first[name], second[name]], dim=1), whole[name], **TOLERANCE)
    for name, value in whole.final_state.items():
        torch.testing.assert_close(second.final_state[name], value, **TOLERANCE)
    assert whole.outputs is not None and first.outputs is not None and second.outputs is not None
    torch.testing.assert_close(torch.cat([first.outputs, second.outputs], dim=1), whole.outputs, **TOLERANCE)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_padded_batch_final_state_is_each_sequence_own_last_step(cell: str) -> None:
    stack = model_to_stack(make_model(cell))
    lengths = torch.tensor([9, 4, 1])
    ids = random_ids(3, 9)
    ids[1, 4:] = 0  # padding after the real tokens
    ids[2, 1:] = 0
    trace = capture_trace(stack, ids, lengths=lengths)
    for row, length in enumerate(lengths.tolist()):
        alone = capture_trace(stack, ids[row: row + 1, :length])
        for name, value in alone.final_state.items():
            torch.testing.assert_close(trace.final_state[name][row], value[0], **TOLERANCE)


@pytest.mark.parametrize("cell,task", [("lstm", "lm"), ("gru", "classifier"), ("rnn", "lm")])
def test_outputs_equal_the_model_forward_logits(cell: str, task: str) -> None:
    model = make_model(cell, task=task)
    ids = random_ids(3, 16)
    trace = capture_trace(model_to_stack(model), ids)
    with torch.no_grad():
        logits, final = model(ids)
    assert trace.outputs is not None
    torch.testing.assert_close(trace.outputs, logits, **TOLERANCE)
    for name, value in final.items():
        torch.testing.assert_close(trace.final_state[name], value, **TOLERANCE)


def test_no_outputs_when_not_asked() -> None:
    trace = capture_trace(model_to_stack(make_model("lstm")), random_ids(1, 5), outputs=False)
    assert trace.outputs is None


def test_names_keep_only_the_asked_states_and_the_full_final_state() -> None:
    model = make_model("lstm", layers=2)
    stack = model_to_stack(model)
    ids = random_ids(2, 12)
    full = capture_trace(stack, ids, gates=True)
    some = capture_trace(stack, ids, names=["layer2.h", "layer1.gate.f"])
    assert some.names == ["layer1.gate.f", "layer2.h"]
    torch.testing.assert_close(some["layer1.gate.f"], full["layer1.gate.f"])
    torch.testing.assert_close(some["layer2.h"], full["layer2.h"])
    assert set(some.final_state) == set(full.final_state)
    for name, value in full.final_state.items():
        torch.testing.assert_close(some.final_state[name], value, **TOLERANCE)


def test_unknown_name_is_a_clear_error() -> None:
    with pytest.raises(RnnLensError, match="layer3.h"):
        capture_trace(model_to_stack(make_model("gru", layers=2)), random_ids(1, 3), names=["layer3.h"])


def test_empty_sequence_keeps_the_initial_state() -> None:
    model = make_model("lstm")
    initial = random_state(model, 1)
    trace = capture_trace(model_to_stack(model), torch.zeros(1, 0, dtype=torch.long), initial=initial)
    assert trace["layer1.c"].shape == (1, 0, 12)
    for name, value in initial.items():
        torch.testing.assert_close(trace.final_state[name], value)


def test_previous_and_response_shift_by_one_step_from_the_initial_state() -> None:
    model = make_model("lstm")
    initial = random_state(model, 2)
    trace = capture_trace(model_to_stack(model), random_ids(2, 6), initial=initial)
    previous = trace.previous("layer1.c")
    torch.testing.assert_close(previous[:, 0], initial["layer1.c"])
    torch.testing.assert_close(previous[:, 1:], trace["layer1.c"][:, :-1])
    torch.testing.assert_close(trace.response("layer1.c"), trace["layer1.c"] - previous)


def recurrence_step_loop(decay: torch.Tensor, drive: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
    """y_t = decay_t * y_{t-1} + drive_t, one step at a time in float64 (the obvious reference)."""
    batch, steps, width = drive.shape
    expected = torch.empty(batch, steps, width, dtype=torch.float64)
    y = start.double()
    for t in range(steps):
        y = decay[:, t].double() * y + drive[:, t].double()
        expected[:, t] = y
    return expected


@pytest.mark.parametrize("batch,steps,width,block", [(1, 1, 3, None), (1, 500, 7, None), (2, 33, 4, 8), (3, 64, 5, 64),
                                                     (1, 1000, 600, None), (1, 100, 3000, 32), (4, 50, 2, 7)])
def test_linear_recurrence_equals_the_step_loop(batch: int, steps: int, width: int, block: int | None) -> None:
    generator = torch.Generator().manual_seed(3)
    decay = torch.rand(batch, steps, width, generator=generator)
    drive = torch.randn(batch, steps, width, generator=generator)
    start = torch.randn(batch, width, generator=generator)
    got = linear_recurrence(decay, drive, start, block=block)
    torch.testing.assert_close(got.double(), recurrence_step_loop(decay, drive, start), rtol=1e-5, atol=1e-6)


def test_resuming_from_a_solved_checkpoint_equals_one_pass() -> None:
    stack = model_to_stack(make_model("lstm", layers=2))
    ids = random_ids(1, 64)
    whole = capture_trace(stack, ids)
    kept = capture_trace(stack, ids[:, :40], names=["layer1.h", "layer2.h"])
    checkpoints = states_every(stack, ids[:, :40], kept.states, kept.initial_state, every=16)
    resumed = capture_trace(stack, ids[:, 32:], initial=checkpoints[1])
    for name in whole.names:
        torch.testing.assert_close(resumed[name], whole[name][:, 32:], **TOLERANCE)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_states_every_solves_the_missing_cell_states_from_the_kept_hs(cell: str) -> None:
    model = make_model(cell, layers=3)
    stack = model_to_stack(model)
    initial = random_state(model, 1)
    ids = random_ids(1, 50)
    reference = reference_states(model, ids, initial)
    kept = {name: value for name, value in reference.items() if name.endswith(".h") or name == "layer2.c"}
    marks = states_every(stack, ids, kept, initial, every=16)
    assert len(marks) == 3
    for k, state in enumerate(marks):
        assert set(state) == set(reference)
        for name, value in state.items():
            torch.testing.assert_close(value, reference[name][:, 16 * k + 15], **TOLERANCE)


@pytest.mark.parametrize("batch,steps,width,every", [(1, 450, 150, 32), (2, 7, 3, 7), (3, 20, 4, 1), (1, 5, 2, 8)])
def test_stretch_ends_equal_the_step_loop_at_every_kth_step(batch: int, steps: int, width: int, every: int) -> None:
    generator = torch.Generator().manual_seed(4)
    decay = torch.rand(batch, steps, width, generator=generator)
    drive = torch.randn(batch, steps, width, generator=generator)
    start = torch.randn(batch, width, generator=generator)
    got = stretch_ends(decay, drive, start, every)
    assert got.shape == (batch, steps // every, width)
    expected = recurrence_step_loop(decay, drive, start)[:, every - 1::every]
    torch.testing.assert_close(got.double(), expected, rtol=1e-5, atol=1e-6)


def test_stretch_ends_forget_what_an_underflowing_product_of_decays_erased() -> None:
    decay = torch.full((1, 64, 2), 1e-3)  # 1e-3 ** 63 underflows float32 to zero
    drive = torch.zeros(1, 64, 2)
    drive[0, -1] = 1.0
    got = stretch_ends(decay, drive, torch.full((1, 2), 1e30), every=64)
    torch.testing.assert_close(got, torch.ones(1, 1, 2))


@pytest.mark.parametrize("name", ["rt-gru"])
def test_trained_sample_model_states_gates_and_outputs_match_the_reference(name: str) -> None:
    """Trained weights saturate gates, unlike random ones: check a shipped model on real text."""
    loaded = load_model(SAMPLE_MODELS_DIR / name)
    model = loaded.module
    assert isinstance(model, RecurrentModel)
    tokens, trace = loaded.trace_text((SAMPLE_TEXTS_DIR / "reviews.txt").read_text(encoding="utf-8"), gates=True)
    assert len(tokens) > 50
    ids = torch.tensor([loaded.encode(tokens)])
    expected = reference_states(model, ids)
    for state, value in expected.items():
        torch.testing.assert_close(trace[state], value, **TOLERANCE, msg=state)
    with torch.no_grad():
        logits, _ = model(ids)
    assert trace.outputs is not None
    torch.testing.assert_close(trace.outputs, logits, **TOLERANCE)
    gate_names = [n for n in trace.names if ".gate." in n]
    assert gate_names and all(((trace[n] >= 0) & (trace[n] <= 1)).all() for n in gate_names if not n.endswith((".g", ".n")))
