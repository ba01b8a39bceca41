"""`rnnlens attribute FILE --model M --token N [--target NAME] [--window W] [--steps S] [--json]`.

Which input tokens drive the output at token N: integrated gradients over the embeddings
(analysis/attribution.py), the convergence delta reported; refused if it does not converge.
It uses no corpus statistics: the output names the model, its weights and the tokenizer (a `# model`
header; `model_provenance` in JSON).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rnnlens.analysis.attribution import STEP_SCHEDULE, attribute_token
from rnnlens.analysis.causal_json import attribution_json
from rnnlens.analysis.provenance import WEIGHTS_HASH_SHOWN, ModelProvenance
from rnnlens.cli.analysis_common import add_model, add_model_path, make_service
from rnnlens.cli.causal_common import add_reset, read_tokens, token_index, unit_of, units_of
from rnnlens.errors import RnnLensError

DEFAULT_WINDOW = 200  # tokens before the window are held fixed in the state that starts it
SHOWN = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("attribute", help="which earlier tokens drive the output at a token "
                                                     "(integrated gradients)")
    parser.add_argument("file", type=Path, help="a UTF-8 text file")
    add_model(parser)
    parser.add_argument("--token", type=int, required=True, help="0-based token index (negative: from the end)")
    parser.add_argument("--target", default=None,
                        help="a class (classifier) or word (LM) to explain; default: the predicted class, "
                             "or the actual next word (the top prediction at the end of the text)")
    parser.add_argument("--window", type=int, default=DEFAULT_WINDOW,
                        help=f"attribute the last W tokens up to N (default {DEFAULT_WINDOW})")
    parser.add_argument("--steps", type=int, default=STEP_SCHEDULE[0],
                        help=f"integration steps to start with; doubled up to {STEP_SCHEDULE[-1]} until the "
                             f"convergence delta is within 5 %% of the output difference (default {STEP_SCHEDULE[0]})")
    add_reset(parser)
    parser.add_argument("--json", action="store_true", help="print JSON (scores per token, delta, steps)")
    add_model_path(parser)
    parser.set_defaults(func=run)


def step_schedule(first: int) -> list[int]:
    if first < 1:
        raise RnnLensError(f"--steps must be at least 1, got {first}")
    counts = [first]
    while counts[-1] * 2 <= max(STEP_SCHEDULE[-1], first):
        counts.append(counts[-1] * 2)
    return counts


def run(args: argparse.Namespace) -> int:
    if args.window < 1:
        raise RnnLensError(f"--window must be at least 1, got {args.window}")
    model = make_service(args).model(args.model)
    text = read_tokens(args.file, model)
    t = token_index(text, args.token, -1)
    unit = unit_of(units_of(text, args.reset, model.task), t)  # earlier units do not reach t: the state restarts
    result = attribute_token(model.stack, model.task, unit.ids, t - unit.first,
                             target=model.output_index(args.target), window=args.window,
                             steps=step_schedule(args.steps))
    record = attribution_json(result, unit.tokens, model.vocab.words, model.labels, offset=unit.first)
    provenance = ModelProvenance(model.name, model.weights_hash[:WEIGHTS_HASH_SHOWN], model.tokenizer_identity)
    if args.json:
        print(json.dumps({"file": str(args.file), "model": args.model, "model_provenance": provenance.to_json(),
                          **record}))
        return 0
    print(provenance.header())
    target = record["target"]
    print(f"[{t}] {text.tokens[t].text}: log-probability of {target['role']} {target['name']!r} "
          f"{result.output:.3f} (zero-embedding baseline {result.baseline_output:.3f}); "
          f"{result.steps} steps, convergence delta {result.delta:.2g}")
    ranked = sorted(record["scores"], key=lambda s: -abs(s["score"]))[:SHOWN]
    for score in ranked:
        print(f"  {score['score']:+.4f}  [{score['index']}] {score['text']}")
    return 0
