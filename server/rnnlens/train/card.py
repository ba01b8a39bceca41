"""The human-readable model card (README.md beside card.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def render_card(card: dict[str, Any]) -> str:
    metric = card["test_metric"]
    model = card["model"]
    data = card["data"]
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
        f"- split sizes ({data['size_unit']}): " + ", ".join(f"{k} {v}" for k, v in data["split_sizes"].items()),
        "",
        "## Test metric",
        f"- {metric['name']} on the test split: **{metric['value']}**",
    ]
    if "baseline" in card:
        base = card["baseline"]
        lines.append(f"- baseline, {base['name']}: test perplexity {base['test_perplexity']}")
    if "note" in card:
        lines.append(f"- note: {card['note']}")
    lines += [
        "",
        "## Training",
        f"- command: `{card['command']}`",
        f"- epochs run: {card['training']['epochs']}, time: {card['training']['seconds']} s on {card['training']['device']}",
        "- hyper-parameters: " + ", ".join(f"{k}={v}" for k, v in card["hyperparameters"].items()),
        "",
    ]
    return "\n".join(lines)


def write_card(folder: Path, card: dict[str, Any]) -> None:
    (folder / "README.md").write_text(render_card(card))
