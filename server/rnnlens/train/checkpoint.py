"""Resumable training state without pickle: tensors in safetensors, counters in JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from rnnlens.errors import RnnLensError


def save_checkpoint(folder: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    progress: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    state = optimizer.state_dict()
    for pid, slots in state["state"].items():
        for slot, value in slots.items():
            if torch.is_tensor(value):
                tensors[f"optim.{pid}.{slot}"] = value.detach().contiguous().clone().reshape(value.shape)
    tensors["rng.torch"] = torch.get_rng_state()
    # The tied LM head shares the embedding tensor; safetensors refuses aliases, so copies above.
    tmp = folder / "state.safetensors.tmp"
    save_file(tensors, str(tmp))
    tmp.replace(folder / "state.safetensors")
    (folder / "progress.json").write_text(json.dumps({**progress, "param_groups": state["param_groups"]}))


def load_checkpoint(folder: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    try:
        tensors = load_file(str(folder / "state.safetensors"))
        progress = json.loads((folder / "progress.json").read_text())
        if not isinstance(progress, dict) or "param_groups" not in progress or "rng.torch" not in tensors:
            raise ValueError("progress.json or the RNG state is incomplete")
    except (SafetensorError, OSError, ValueError) as exc:
        raise RnnLensError(f"checkpoint in {folder} is unreadable ({exc}); run again with --fresh to start over") \
            from exc
    try:
        model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        slots: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in tensors.items():
            if key.startswith("optim."):
                _, pid, slot = key.split(".", 2)
                slots.setdefault(int(pid), {})[slot] = value
        optimizer.load_state_dict({"state": slots, "param_groups": progress.pop("param_groups")})
    except (RuntimeError, ValueError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RnnLensError(f"checkpoint in {folder} does not fit this config's model ({first}); "
                           f"run again with --fresh to start over") from exc
    torch.set_rng_state(tensors["rng.torch"])
    return progress
