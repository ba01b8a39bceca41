"""Which outputs each unit cluster pushes, over an evaluation corpus (issue 13, item 3).

A cluster's push on an output is minus the mean change that ablating it (zero state) causes:
positive when the cluster raises that output. A classifier's clusters are ablated at the last
token of each text, where the class is read (their direct say in the decision); a language
model's at every token, on the log-probability of every word at that step. Pushes are averages
over the corpus sample, so a cluster that pushes opposite ways in different contexts nets out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rnnlens.analysis.ablation import cluster_effects, one_step, state_at
from rnnlens.models.trace import RecurrentStack, capture_trace

TOKEN_CHUNK = 256  # tokens ablated together in the language-model case (rows x vocabulary logits)
POS_NAMES = {"nn": "nouns", "np": "names", "vb": "verbs", "jj": "adjectives", "rb": "adverbs", "in": "prepositions",
             "at": "determiners", "dt": "determiners", "pp": "pronouns", "cc": "conjunctions", "cs": "conjunctions",
             "cd": "numbers", "md": "modals", "be": "forms of be", "hv": "forms of have", "wd": "wh-words",
             "wp": "wh-words", "wr": "wh-words"}
LABEL_WORDS = 20  # the top raised words a language model's label is made from
POS_MAJORITY = 0.5  # a label names a part of speech when at least half the top words share it


@dataclass
class UnitOutputs:
    kind: str  # "classes" | "words"
    push: np.ndarray  # (k, outputs): mean rise of each output (probability / log-probability) due to the cluster
    names: list[str]
    samples: int  # texts (classifier) or tokens (language model) averaged over

    def to_json(self, top: int = 5, pos: Callable[[str], str | None] | None = None) -> list[dict[str, Any]]:
        out = []
        for c, row in enumerate(self.push):
            if self.kind == "classes":
                best = int(np.argmax(row))
                out.append({"cluster": c, "label": f"→ {self.names[best]}" if row[best] > 0 else "",
                            "classes": {n: round(float(v), 6) for n, v in zip(self.names, row, strict=True)}})
                continue
            # markers such as <unk> and <eos> are not words a label can name
            order = [i for i in np.argsort(-row, kind="stable") if not self.names[i].startswith("<")]
            raises = [{"word": self.names[i], "push": round(float(row[i]), 5)} for i in order[:top]]
            lowers = [{"word": self.names[i], "push": round(float(row[i]), 5)} for i in order[::-1][:top]]
            words = [self.names[i] for i in order if self.names[i].isalpha()][:LABEL_WORDS]
            out.append({"cluster": c, "label": word_label(words, pos), "raises": raises, "lowers": lowers})
        return out


def word_label(words: Sequence[str], pos: Callable[[str], str | None] | None) -> str:
    """"→ nouns" when most of the words share a part of speech, else "→ " and the first three."""
    if pos is not None and words:
        groups = Counter(POS_NAMES.get((pos(w) or "")[:2]) for w in words)
        groups.pop(None, None)
        if groups:
            name, count = groups.most_common(1)[0]
            if count >= POS_MAJORITY * len(words):
                return f"→ {name}"
    return "→ " + ", ".join(words[:3])


def classifier_pushes(stack: RecurrentStack, sequences: Sequence[torch.Tensor], layer: int, labels: np.ndarray,
                      k: int) -> np.ndarray:
    """(k, classes): minus the mean change of each class probability when a cluster is zeroed at
    the last token of each sequence ((1, time) ids), the step the class is read at."""
    total = None
    count = 0
    for ids in sequences:
        if ids.shape[1] == 0:
            continue
        trace = capture_trace(stack, ids, outputs=False)  # the ablation reads the head at the last step only
        t = ids.shape[1] - 1
        effects = cluster_effects(stack, "classifier", ids, t, state_at(trace, t - 1), layer, labels, k, end=t + 1,
                                  known=state_at(trace, t))
        total = -effects.delta if total is None else total - effects.delta
        count += 1
    if total is None:
        raise ValueError("no non-empty sequence to average over")
    return total / count


def lm_pushes(stack: RecurrentStack, sequences: Sequence[torch.Tensor], layer: int, labels: np.ndarray,
              k: int) -> tuple[np.ndarray, int]:
    """(k, vocabulary): minus the mean change of every word's log-probability when a cluster is zeroed
    at a token, over every token of the sequences; and the number of tokens. All tokens of a chunk
    and one cluster go in one batch: the ablated layer's state at t comes from the trace, the layers
    above take one step from their own states at t - 1."""
    assert stack.head is not None
    names = [f"layer{layer}.{kind}" for kind in stack.state_kinds]
    total: torch.Tensor | None = None
    tokens = 0
    masks = [torch.from_numpy(np.asarray(labels) == c) for c in range(k)]
    with torch.inference_mode():
        for ids in sequences:
            trace = capture_trace(stack, ids, outputs=False)
            for start in range(0, ids.shape[1], TOKEN_CHUNK):
                span = slice(start, min(start + TOKEN_CHUNK, ids.shape[1]))
                own = {n: trace.states[n][0, span] for n in names}
                above = {n: trace.previous(n)[0, span] for n in trace.states
                         if int(n.split(".")[0][5:]) > layer}
                base = _readout(stack, layer, own, above)
                change = torch.stack([_readout(stack, layer, {n: v.masked_fill(mask, 0.0) for n, v in own.items()},
                                               above) - base for mask in masks])  # (k, B, V)
                part = change.sum(dim=1).double()
                total = -part if total is None else total - part
                tokens += span.stop - span.start
    if total is None:
        raise ValueError("no token to average over")
    return (total / tokens).numpy(), tokens


def _readout(stack: RecurrentStack, layer: int, own: dict[str, torch.Tensor],
             above: dict[str, torch.Tensor]) -> torch.Tensor:
    """Log-probabilities (B, V) at t given `layer`'s state at t and the upper layers' at t - 1."""
    assert stack.head is not None
    x = own[f"layer{layer}.h"].unsqueeze(1)
    for index in range(layer + 1, stack.num_layers + 1):
        prefix = f"layer{index}"
        step = one_step(stack.layers[index - 1], x, {n: v for n, v in above.items() if n.startswith(f"{prefix}.")},
                        prefix)
        x = step[f"{prefix}.h"].unsqueeze(1)
    return torch.log_softmax(stack.head(x[:, 0]), dim=-1)
