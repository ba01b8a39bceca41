"""Benchmark: trace capture and corpus evaluation on a CUDA GPU, when there is one.

    .venv/bin/python benchmarks/gpu_bench.py [--sizes 256,650,1500] [--shapes 8x256,64x256] [--tokens 1000000]

Without a CUDA GPU (or with the CPU build of PyTorch) it says so and exits 0. With one:
  1. trace capture (`capture_trace`, every layer's h and c, float32, TF32 off) against a bare
     fused 2-layer `nn.LSTM` forward (cuDNN) of the same size, tokens per second, and the largest
     difference of capture's states from a float64 step-by-step `nn.LSTMCell` loop relative to
     the states' largest magnitude (issue 15: within 1e-5);
  2. corpus evaluation (`evaluate_documents` with the model on the GPU: trace, responses and
     float64 totals on the device) of --tokens Brown tokens with brown-lstm, against the same on
     the CPU with one thread, and the largest relative difference of the means.
Install a CUDA build of PyTorch first (scripts/setup.sh installs the CPU build).
"""

from __future__ import annotations

import argparse
import copy
import sys
import time

import numpy as np
import torch
from torch import nn


def lstm_stack(hidden: int, vocab: int = 10_000, layers: int = 2):
    from rnnlens.models.config import ModelConfig
    from rnnlens.models.network import RecurrentModel

    torch.manual_seed(0)
    config = ModelConfig(cell="lstm", task="lm", vocab_size=vocab, embed_size=hidden, hidden_size=hidden,
                         num_layers=layers, tie_weights=True)
    return RecurrentModel(config).eval()


def synchronized(fn) -> float:
    torch.cuda.synchronize()
    started = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - started


def best_of(fn, repeats: int) -> float:
    fn()  # warm-up (cuDNN plans, allocator)
    return min(synchronized(fn) for _ in range(repeats))


def step_loop_float64(network, ids: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every layer's h and c by nn.LSTMCell in float64 on the CPU: the reference."""
    from rnnlens.models.storage import model_to_stack

    stack = model_to_stack(network)
    x = stack.embed(ids).double()
    out: dict[str, torch.Tensor] = {}
    for index, layer in enumerate(stack.layers, start=1):
        cell = nn.LSTMCell(layer.input_size, layer.hidden_size).double()
        cell.weight_ih.data, cell.weight_hh.data = layer.weight_ih_l0.double(), layer.weight_hh_l0.double()
        cell.bias_ih.data, cell.bias_hh.data = layer.bias_ih_l0.double(), layer.bias_hh_l0.double()
        h = torch.zeros(ids.shape[0], layer.hidden_size, dtype=torch.float64)
        c = torch.zeros_like(h)
        hs, cs = [], []
        for t in range(ids.shape[1]):
            h, c = cell(x[:, t], (h, c))
            hs.append(h)
            cs.append(c)
        out[f"layer{index}.h"], out[f"layer{index}.c"] = torch.stack(hs, 1), torch.stack(cs, 1)
        x = out[f"layer{index}.h"]
    return out


def trace_part(sizes: list[int], shapes: list[tuple[int, int]], repeats: int) -> None:
    from rnnlens.models.storage import model_to_stack
    from rnnlens.models.trace import capture_trace

    device = torch.device("cuda")
    print("| batch | hidden | bare nn.LSTM (cuDNN) tok/s | capture tok/s | capture/bare | max |diff| / max |s| vs float64 |")
    print("|---|---|---|---|---|---|")
    for hidden in sizes:
        network = lstm_stack(hidden)
        gpu_stack = model_to_stack(copy.deepcopy(network).to(device))
        bare = nn.LSTM(hidden, hidden, num_layers=2, batch_first=True).to(device).eval()
        for batch, steps in shapes:
            ids = torch.randint(2, 10_000, (batch, steps))
            ids_gpu = ids.to(device)
            with torch.inference_mode():
                x = gpu_stack.embed(ids_gpu)
                bare_s = best_of(lambda bare=bare, x=x: bare(x), repeats)
                capture_s = best_of(lambda s=gpu_stack, i=ids_gpu: capture_trace(s, i, outputs=False), repeats)
                trace = capture_trace(gpu_stack, ids_gpu, outputs=False)
            reference = step_loop_float64(network, ids[:2, : min(steps, 256)])
            worst = 0.0
            for name, value in reference.items():
                got = trace[name][:2, : value.shape[1]].double().cpu()
                worst = max(worst, float((got - value).abs().max() / value.abs().max().clamp(min=1e-12)))
            tokens = batch * steps
            print(f"| {batch}x{steps} | {hidden} | {tokens / bare_s:,.0f} | {tokens / capture_s:,.0f} | "
                  f"{bare_s / capture_s:.2f} | {worst:.1e} {'PASS' if worst <= 1e-5 else 'FAIL'} |", flush=True)


def evaluation_part(tokens: int) -> None:
    from rnnlens.analysis.evaluation import evaluate_documents
    from rnnlens.data.corpora import load_corpus
    from rnnlens.models.device import on_device
    from rnnlens.models.registry import ModelRegistry

    model = ModelRegistry([]).get("brown-lstm")
    docs, total = [], 0
    for doc in load_corpus("brown").documents:
        ids = np.asarray(model.encode(model.tokenize(doc.text)), dtype=np.int32)[: tokens - total]
        docs.append(ids)
        total += len(ids)
        if total >= tokens:
            break
    gpu_model = on_device(model, torch.device("cuda"))
    evaluate_documents(gpu_model, lambda: iter(docs[:20]))  # warm-up
    gpu_s = synchronized(lambda: evaluate_documents(gpu_model, lambda: iter(docs)))
    gpu = evaluate_documents(gpu_model, lambda: iter(docs))
    torch.set_num_threads(1)
    started = time.perf_counter()
    cpu = evaluate_documents(model, lambda: iter(docs))
    cpu_s = time.perf_counter() - started
    assert np.array_equal(gpu.count, cpu.count)
    worst = max(float(np.max(np.abs(gpu.mean[n] - cpu.mean[n]) / np.maximum(np.abs(cpu.mean[n]), 1e-6)))
                for n in cpu.mean)
    print(f"evaluation of {total:,} Brown tokens with brown-lstm: GPU {total / gpu_s:,.0f} tokens/s, CPU (1 thread) "
          f"{total / cpu_s:,.0f} tokens/s ({cpu_s / gpu_s:.1f}x); counts equal; largest relative difference of a "
          f"mean {worst:.1e}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="256,650,1500")
    parser.add_argument("--shapes", default="8x256,64x256")
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        build = "this PyTorch is a CPU-only build" if torch.version.cuda is None else "no CUDA GPU is visible"
        print(f"no GPU here ({build}): the GPU benchmarks did not run. On a machine with an NVIDIA GPU, install a "
              f"CUDA build of PyTorch and run this script again.")
        return 0
    print(f"GPU: {torch.cuda.get_device_name(0)}, PyTorch {torch.__version__}")
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = [tuple(int(p) for p in s.lower().split("x")) for s in args.shapes.split(",")]
    trace_part(sizes, shapes, args.repeats)  # type: ignore[arg-type]
    evaluation_part(args.tokens)
    return 0


if __name__ == "__main__":
    sys.exit(main())
