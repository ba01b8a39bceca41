"""Where the heavy tensor work runs: `cpu` (the default), `cuda`, or `auto` (CUDA when present).

The device runs corpus evaluation (trace capture and accumulation) and training. A single
text's trace, hover effects and attribution stay on the CPU: they are small and interactive,
and their consumers read NumPy arrays.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import torch

from rnnlens.errors import RnnLensError
from rnnlens.models.loaded import LoadedModel

DEVICE_CHOICES = ("cpu", "cuda", "auto")


def resolve_device(name: str | None) -> torch.device:
    """`cpu`, `cuda`, `cuda:N` or `auto` as a torch device; a CUDA request without CUDA is an error."""
    name = (name or "cpu").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            build = "this PyTorch is a CPU-only build" if torch.version.cuda is None else "no CUDA GPU is visible"
            raise RnnLensError(f"device {name!r} asked for, but CUDA is not available ({build}); use --device cpu "
                               f"or auto")
        try:
            device = torch.device(name)
        except RuntimeError as exc:
            raise RnnLensError(f"device {name!r} is not a device name; use cpu, cuda, cuda:N or auto") from exc
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise RnnLensError(f"device {name!r} asked for, but there are {torch.cuda.device_count()} CUDA devices")
        return device
    raise RnnLensError(f"unknown device {name!r}; use cpu, cuda or auto")


def on_device(model: LoadedModel, device: torch.device) -> LoadedModel:
    """`model` with its recurrent stack on `device` (a copy; the model itself stays on the CPU)."""
    if device.type == "cpu":
        return model
    stack = copy.deepcopy(model.stack)  # a bound embed/head method is copied with its module
    for part in (stack.embed, stack.head, *stack.layers):
        owner = getattr(part, "__self__", part)  # a bound method moves with the module it belongs to
        if isinstance(owner, torch.nn.Module):
            owner.to(device).eval()
    return replace(model, stack=stack)
