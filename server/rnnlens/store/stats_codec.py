"""ResponseStats <-> plain arrays for the cache (names flattened into array keys, no pickle)."""

from __future__ import annotations

import numpy as np

from rnnlens.analysis.quantile_sketch import BottomKSketch
from rnnlens.analysis.response_stats import ResponseStats


def stats_to_arrays(stats: ResponseStats) -> tuple[dict[str, np.ndarray], dict]:
    arrays: dict[str, np.ndarray] = {
        "words": np.array(stats.words, dtype=str),
        "row_ids": stats.row_ids,
        "count": stats.count,
        "sketch_word_ids": stats.sketch.word_ids,
        "sketch_keys": stats.sketch.keys,
    }
    for name in stats.state_names:
        arrays[f"mean/{name}"] = stats.mean[name]
        arrays[f"m2/{name}"] = stats.m2[name]
        arrays[f"sketch/{name}"] = stats.sketch.values[name]
    meta = {"states": stats.state_names, "tokens": stats.tokens, "sketch_size": stats.sketch.size}
    return arrays, meta


def stats_from_arrays(arrays: dict[str, np.ndarray], meta: dict) -> ResponseStats:
    """Rebuild; raises KeyError/ValueError on a malformed entry (the cache treats it as corrupt)."""
    names = [str(n) for n in meta["states"]]
    sketch = BottomKSketch(arrays["sketch_word_ids"], {n: arrays[f"sketch/{n}"].shape[2] for n in names},
                           int(meta["sketch_size"]))
    sketch.keys = arrays["sketch_keys"].astype(np.float64)
    sketch.values = {n: arrays[f"sketch/{n}"].astype(np.float16) for n in names}
    stats = ResponseStats(words=[str(w) for w in arrays["words"]], row_ids=arrays["row_ids"].astype(np.int64),
                          count=arrays["count"].astype(np.int64),
                          mean={n: arrays[f"mean/{n}"].astype(np.float32) for n in names},
                          m2={n: arrays[f"m2/{n}"].astype(np.float32) for n in names},
                          sketch=sketch, tokens=int(meta["tokens"]))
    rows = len(stats.row_ids)
    if stats.count.shape != (rows,) or any(stats.mean[n].shape[0] != rows for n in names):
        raise ValueError("array shapes disagree")
    return stats
