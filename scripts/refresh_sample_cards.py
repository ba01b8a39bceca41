"""Recompute the shipped sample models' cards from their weights, without retraining.

Usage: .venv/bin/python scripts/refresh_sample_cards.py [MODEL ...]   (default: all four samples)

For each sample, the training config in samples/train/ rebuilds the data exactly as `rnnlens
train` did (the vocabulary must come out identical to the shipped vocab.json, or the script
stops), then the card is written as a fresh training run would write it: the test metric of the
weights as shipped (fp16), a baseline fitted on exactly the training data the network saw and
scored on the network's own test targets, documents and tokens per split, and the kept epoch
(the best valid epoch in the recorded history). History, time and command are kept as recorded.
A Kneser-Ney trigram refit takes seconds; the networks are not retrained.
"""

from __future__ import annotations

import json
import sys

from rnnlens.models.storage import load_model
from rnnlens.paths import SAMPLES_DIR
from rnnlens.train.card import write_card
from rnnlens.train.config import TrainConfig
from rnnlens.train.trainer import Trainer

SAMPLES = ("brown-lstm", "brown-gru", "brown-rnn", "rt-gru")


def kept_epoch(history: list[dict], metric: str, lower_is_better: bool) -> int:
    """The epoch the trainer kept: the first strictly best valid value."""
    best = None
    for row in history:
        value = row[f"valid_{metric}"]
        if best is None or (value < best[1] if lower_is_better else value > best[1]):
            best = (row["epoch"], value)
    assert best is not None, "no training history in the card"
    return best[0]


def refresh(name: str, date: str) -> dict:
    config_path = SAMPLES_DIR / "train" / f"{name}.json"
    config = TrainConfig.load(config_path)
    folder = (config_path.parent / str(config.output)).resolve()
    old = json.loads((folder / "card.json").read_text())
    trainer = Trainer(config, config_path.parent, old["command"])
    if trainer.vocab.words != load_model(folder).vocab.words:
        raise SystemExit(f"{name}: the rebuilt vocabulary differs from the shipped one; the data changed, stop")
    lm = config.task == "lm"
    metric = "perplexity" if lm else "accuracy"
    training = old["training"]
    progress = {"epoch": training["epochs"], "best_epoch": kept_epoch(training["history"], metric, lm),
                "seconds": training["seconds"], "history": training["history"], "resumes": []}
    card = trainer.card_for(folder, progress)
    was = old["test_metric"]["value"]
    old_base = old.get("baseline", {}).get("test_perplexity")
    card["corrections"] = [{
        "date": date,
        "by": "scripts/refresh_sample_cards.py (weights unchanged, not retrained)",
        "what": f"test {metric} recomputed from the fp16 weights as shipped (card said {was}, computed from the "
                f"float32 weights before saving)"
                + (f"; the Kneser-Ney baseline refitted on exactly the {card['baseline']['fitted_on']['tokens']} "
                   f"training tokens the network saw and scored on the network's own test targets (card said "
                   f"{old_base}: fitted on the untrimmed train stream, scored on every test trigram)" if lm else
                   "; majority-class baseline added")
                + "; documents, tokens and the kept epoch recorded",
    }]
    if "shipped_statistics" in old:  # made by scripts/ship_sample_stats.py, from the same weights
        card["shipped_statistics"] = old["shipped_statistics"]
    write_card(folder, card)
    return card


def main(argv: list[str]) -> int:
    from datetime import date

    for name in argv or SAMPLES:
        card = refresh(name, date.today().isoformat())
        base = card["baseline"]
        shown = base.get("test_perplexity", base.get("test_accuracy"))
        print(f"{name}: test {card['test_metric']['name']} {card['test_metric']['value']}, baseline {shown}, "
              f"kept epoch {card['training']['kept_epoch']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
