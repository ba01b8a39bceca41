"""The hand-written input gradients of recurrent layers equal autograd's through the real modules."""

import pytest
import torch
from rnnlens.analysis.input_gradient_layers import covered, run_layer
from torch import nn

LENGTHS = [1, 2, 7, 40]


def make_layer(kind: str, seed: int, bias: bool = True) -> nn.RNNBase:
    torch.manual_seed(seed)
    if kind == "lstm":
        layer: nn.RNNBase = nn.LSTM(5, 6, batch_first=True, bias=bias)
    elif kind == "gru":
        layer = nn.GRU(5, 6, batch_first=True, bias=bias)
    else:
        layer = nn.RNN(5, 6, batch_first=True, bias=bias, nonlinearity=kind.removeprefix("rnn-"))
    with torch.no_grad():
        for parameter in layer.parameters():
            parameter.mul_(2.5)  # gates well away from 0.5: the derivatives differ from step to step
    return layer.eval()


def gradients(layer: nn.RNNBase, x: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor | None,
              weights: torch.Tensor, ours: bool) -> list[torch.Tensor]:
    inputs = [x.clone().requires_grad_(True), h0.clone().requires_grad_(True)]
    if c0 is not None:
        inputs.append(c0.clone().requires_grad_(True))
    if ours:
        out = run_layer(layer, *inputs)
    else:
        hx = inputs[1].unsqueeze(0) if c0 is None else (inputs[1].unsqueeze(0), inputs[2].unsqueeze(0))
        out, _ = layer(inputs[0], hx)
    loss = (out * weights).sum() + torch.tanh(out[:, -1]).pow(2).sum()  # a gradient at every step
    return list(torch.autograd.grad(loss, inputs))


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn-tanh", "rnn-relu"])
@pytest.mark.parametrize("steps", LENGTHS)
def test_input_and_initial_state_gradients_equal_autograds(kind: str, steps: int):
    layer = make_layer(kind, seed=steps)
    assert covered(layer)
    generator = torch.Generator().manual_seed(100 + steps)
    batch = 3
    x = torch.randn(batch, steps, 5, generator=generator)
    h0 = 0.8 * torch.randn(batch, 6, generator=generator)
    c0 = 1.5 * torch.randn(batch, 6, generator=generator) if kind == "lstm" else None
    weights = torch.randn(batch, steps, 6, generator=generator)
    expected = gradients(layer, x, h0, c0, weights, ours=False)
    found = gradients(layer, x, h0, c0, weights, ours=True)
    for name, a, b in zip(["x", "h0", "c0"][:len(found)], found, expected, strict=True):
        scale = float(b.abs().max()) + 1.0
        assert torch.allclose(a, b, rtol=0, atol=1e-5 * scale), (name, float((a - b).abs().max()))


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn-tanh"])
def test_a_gradient_at_the_last_step_only_and_layers_without_bias(kind: str):
    layer = make_layer(kind, seed=3, bias=False)
    x = torch.randn(4, 25, 5)
    h0 = torch.randn(1, 6).expand(4, -1)  # one initial state for every row, as attribution passes it
    c0 = torch.randn(1, 6).expand(4, -1) if kind == "lstm" else None
    weights = torch.zeros(4, 25, 6)
    weights[:, -1] = torch.randn(4, 6)

    def last_step(ours: bool) -> torch.Tensor:
        xs = x.clone().requires_grad_(True)
        if ours:
            out = run_layer(layer, xs, h0, c0)
        else:
            hx = h0.unsqueeze(0).contiguous()
            out, _ = layer(xs, hx if c0 is None else (hx, c0.unsqueeze(0).contiguous()))
        (grad,) = torch.autograd.grad((out * weights).sum(), xs)
        return grad

    expected, found = last_step(False), last_step(True)
    assert torch.allclose(found, expected, rtol=0, atol=1e-5 * (float(expected.abs().max()) + 1.0))


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn-tanh"])
def test_outputs_equal_the_modules_and_weights_get_no_gradient(kind: str):
    layer = make_layer(kind, seed=1)
    x = torch.randn(2, 30, 5, requires_grad=True)
    h0 = torch.randn(2, 6)
    c0 = torch.randn(2, 6) if kind == "lstm" else None
    out = run_layer(layer, x, h0, c0)
    with torch.no_grad():
        hx = h0.unsqueeze(0) if c0 is None else (h0.unsqueeze(0), c0.unsqueeze(0))
        expected, _ = layer(x, hx)
    assert out.shape == expected.shape
    assert torch.allclose(out.detach(), expected, rtol=0, atol=1e-6)
    out.sum().backward()
    assert x.grad is not None and all(p.grad is None for p in layer.parameters())


def test_without_gradients_it_is_the_modules_own_kernel_and_uncovered_layers_are_named():
    layer = make_layer("lstm", seed=2)
    x, h0, c0 = torch.randn(2, 7, 5), torch.randn(2, 6), torch.randn(2, 6)
    with torch.no_grad():
        expected, _ = layer(x, (h0.unsqueeze(0), c0.unsqueeze(0)))
        assert torch.equal(run_layer(layer, x, h0, c0), expected)
    assert not covered(nn.LSTM(5, 6, batch_first=True, bidirectional=True))
    assert not covered(nn.GRU(5, 6, num_layers=2, batch_first=True))
    assert not covered(nn.LSTM(5, 6))  # time first


def test_a_second_backward_through_the_same_forward_is_refused():
    layer = make_layer("lstm", seed=2)
    x = torch.randn(2, 7, 5, requires_grad=True)
    out = run_layer(layer, x, torch.zeros(2, 6), torch.zeros(2, 6))
    out.sum().backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="already computed"):
        out.sum().backward()


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_a_long_wide_batch_as_attribution_runs_it(kind: str):
    torch.manual_seed(7)
    layer = (nn.LSTM if kind == "lstm" else nn.GRU)(16, 24, batch_first=True).eval()
    x = torch.randn(12, 150, 16)
    h0 = torch.randn(1, 24).expand(12, -1)
    c0 = torch.randn(1, 24).expand(12, -1) if kind == "lstm" else None
    weights = torch.randn(12, 150, 24)
    expected = gradients(layer, x, h0, c0, weights, ours=False)
    found = gradients(layer, x, h0, c0, weights, ours=True)
    for a, b in zip(found, expected, strict=True):
        assert torch.allclose(a, b, rtol=0, atol=1e-5 * (float(b.abs().max()) + 1.0)), float((a - b).abs().max())
