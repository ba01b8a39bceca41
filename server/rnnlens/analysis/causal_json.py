"""JSON records of ablation effects and input attributions, as the CLI prints them and a front
end (hover, panel) can send them: words instead of vocabulary ids, rounded numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rnnlens.analysis.ablation import ClusterEffects
from rnnlens.analysis.attribution import Attribution
from rnnlens.data.tokenizer import Token

DIGITS = 6


def _target_name(task: str, target: int, words: Sequence[str], labels: Sequence[str]) -> str:
    names = labels if task == "classifier" else words
    return names[target] if 0 <= target < len(names) else str(target)


def effects_json(effects: ClusterEffects, words: Sequence[str], labels: Sequence[str],
                 offset: int = 0) -> dict[str, Any]:
    """Token indices are shifted by `offset` (the effects were computed on a part of a text).
    `targets`: what was measured (LM: log-probability of the next word and of the top prediction;
    classifier: each class's probability); `clusters[j].delta[i]`: change of target i when unit
    cluster j is replaced; `share`: the cluster's part of the summed |change| (LM: of the first
    target; classifier: over all classes)."""
    shares = effects.shares()
    return {
        "token": effects.token + offset,
        "output_step": effects.output_step + offset,
        "layer": effects.layer,
        "replaced": list(effects.kinds),
        "mode": effects.mode,
        "measure": "probability" if effects.task == "classifier" else "log_probability",
        "targets": [{"role": role, "name": _target_name(effects.task, target, words, labels),
                     "base": round(float(base), DIGITS)}
                    for role, target, base in zip(effects.target_roles, effects.targets, effects.base, strict=True)],
        "clusters": [{"cluster": j, "units": effects.cluster_sizes[j],
                      "delta": [round(float(d), DIGITS) for d in effects.delta[j]],
                      "share": round(float(shares[j]), 4)}
                     for j in range(effects.delta.shape[0])],
    }


def attribution_json(result: Attribution, tokens: Sequence[Token], words: Sequence[str],
                     labels: Sequence[str], offset: int = 0) -> dict[str, Any]:
    """Scores of tokens start..token (signed: positive raises the target's log-probability); `tokens`
    are those the attribution ran on, reported with indices shifted by `offset`."""
    return {
        "token": result.token + offset,
        "target": {"role": result.target_role,
                   "name": _target_name(result.task, result.target, words, labels)},
        "measure": "log_probability",
        "baseline": "zero embedding",
        "output": round(result.output, DIGITS),
        "baseline_output": round(result.baseline_output, DIGITS),
        "convergence_delta": float(f"{result.delta:.3g}"),
        "steps": result.steps,
        "start": result.start + offset,
        "scores": [{"index": i + offset, "text": tokens[i].text, "start": tokens[i].start, "end": tokens[i].end,
                    "score": round(float(s), DIGITS)}
                   for i, s in zip(range(result.start, result.token + 1), result.scores, strict=True)],
    }
