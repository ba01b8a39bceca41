"""The model card: card.json (what a tool reads) and README.md beside it (what a person reads).

A card states what the numbers were computed from: the data the network actually saw, the
epoch that was kept, the weights as saved, and a baseline fitted on the same training data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rnnlens.models.config import ModelConfig
from rnnlens.train.config import DEFAULTS, TrainConfig

SPLIT_RULE = "deterministic by document id hash: 80% train, 10% valid, 10% test"
# Keys added after the first cards were written: listed only when not at their default, so the
# cards of models trained without them stay as they were.
LISTED_WHEN_SET = ("init_from", "aux_loss", "average_epochs")


def build_card(config: TrainConfig, model_config: ModelConfig, command: str, metric_name: str, test: float,
               progress: dict[str, Any], data: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    card: dict[str, Any] = {
        "name": config.name,
        "task": config.task,
        "data": data,
        "model": model_config.to_dict(),
        "hyperparameters": {k: v for k, v in config.to_dict().items()
                            if k not in ("name", "output", "extra")
                            and not (k in LISTED_WHEN_SET and v == DEFAULTS[k])},
        "command": command,
        "test_metric": {"name": metric_name, "value": round(test, 4), "split": "test",
                        "weights": "fp16, as saved" if config.half else "fp32, as saved"},
        "baseline": baseline,
        "training": {"epochs": progress["epoch"], "kept_epoch": progress["best_epoch"],
                     "seconds": round(progress["seconds"], 1), "history": progress["history"], "device": "cpu",
                     "resumes": progress.get("resumes", [])},
    }
    if progress.get("averaged"):
        card["training"]["averaged"] = progress["averaged"]
    card.update(config.extra)
    return card


def render_card(card: dict[str, Any]) -> str:
    metric = card["test_metric"]
    model = card["model"]
    data = card["data"]
    training = card["training"]
    lines = [
        f"# {card['name']}",
        "",
        f"A {model['num_layers']}-layer {model['cell'].upper()} "
        f"{'language model' if card['task'] == 'lm' else 'sequence classifier'} "
        f"(hidden size {model['hidden_size']}, embedding {model['embed_size']}, vocabulary {model['vocab_size']}).",
        "",
        "## Data",
        f"- corpus: `{data['corpus']}` (fetched by `rnnlens data fetch {data['corpus']}`)",
        f"- split: {data['split']}",
    ]
    if "documents" in data:
        lines.append("- documents per split: " + ", ".join(f"{k} {v}" for k, v in data["documents"].items()))
    if "tokens" in data:
        lines.append("- tokens per split: " + ", ".join(f"{k} {v}" for k, v in data["tokens"].items()))
    lines.append(f"- used ({data['size_unit']}): " + ", ".join(f"{k} {v}" for k, v in data["split_sizes"].items()))
    if "train_used" in data:
        lines.append(f"- training data: {data['train_used']}")
    lines += ["", "## Test metric",
              f"- {metric['name']} on the test split: **{metric['value']}**"
              + (f" (weights: {metric['weights']})" if "weights" in metric else "")]
    if "baseline" in card:
        lines.append(f"- baseline: {_baseline_line(card['baseline'])}")
    if "note" in card:
        lines.append(f"- note: {card['note']}")
    lines += [
        "",
        "## Training",
        f"- command: `{card['command']}`",
        f"- epochs run: {training['epochs']}"
        + (f", kept: epoch {training['kept_epoch']} (best on the valid split)" if training.get("kept_epoch") else "")
        + f", time: {training['seconds']} s on {training['device']}",
    ]
    averaged = training.get("averaged")
    if isinstance(averaged, dict) and averaged.get("epochs"):
        valid = {k: v for k, v in averaged.items() if k.startswith("valid_")}
        lines.append(f"- saved weights: the mean of epochs {', '.join(map(str, averaged['epochs']))}"
                     + "".join(f" ({k.replace('_', ' ')} {v})" for k, v in valid.items()))
    start = training.get("init_from")
    if isinstance(start, dict):
        lines.append(f"- started from `{start.get('folder')}` (its embedding and recurrent layers; a new head)")
    for resume in training.get("resumes", []):
        changed = ", ".join(f"{k} {v[0]!r} -> {v[1]!r}" for k, v in resume.get("changed", {}).items())
        lines.append(f"- resumed after epoch {resume['after_epoch']}"
                     + (f" with --force, settings changed: {changed}" if resume.get("forced") else ""))
    lines += ["- hyper-parameters: " + ", ".join(f"{k}={v}" for k, v in card["hyperparameters"].items()), ""]
    shipped = card.get("shipped_statistics")
    if isinstance(shipped, dict):  # samples only: scripts/ship_sample_stats.py writes this
        lines += ["## Shipped statistics", "",
                  f"- `{shipped['file']}`: the {shipped['view']} view of the statistics on {shipped['corpus']} "
                  f"({shipped['tokens']:,} tokens, {shipped['words']:,} words; {shipped['bytes'] / 1e6:.1f} MB), so a "
                  f"fresh install shows glyphs without evaluating a corpus (docs/analysis.md, \"Shipped statistics\")",
                  f"- regenerate with `{shipped['made_by']}` after retraining, a tokenizer change or an engine "
                  f"version bump: statistics that no longer fit are ignored, never served", ""]
    if card.get("corrections"):
        lines += ["## Corrections", ""]
        lines += [f"- {fix['date']}, {fix['by']}: {fix['what']}." for fix in card["corrections"]] + [""]
    return "\n".join(lines)


def _baseline_line(base: dict[str, Any]) -> str:
    value = (f"test perplexity {base['test_perplexity']}" if "test_perplexity" in base
             else f"test accuracy {base.get('test_accuracy')}")
    fitted = base.get("fitted_on")
    where = ""
    if isinstance(fitted, dict):
        size = ", ".join(f"{v} {k}" for k, v in fitted.items() if k != "split")
        where = f", fitted on the {fitted.get('split', 'train')} data the network saw ({size})"
    return f"{base['name']}{where}: {value}"


def write_card(folder: Path, card: dict[str, Any]) -> None:
    (folder / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    (folder / "README.md").write_text(render_card(card))
