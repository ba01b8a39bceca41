"""ResponseStats <-> plain arrays for the cache (names flattened into array keys, no pickle)."""

from __future__ import annotations

import numpy as np

from rnnlens.analysis.quantile_sketch import BottomKSketch
from rnnlens.analysis.response_stats import ResponseStats


def stats_to_arrays(stats: ResponseStats) -> tuple[dict[str, np.ndarray], dict]:
    """Only rows of words that occurred are stored (a corpus rarely uses the whole vocabulary)."""
    stats.sketch.flush()
    seen = np.flatnonzero(stats.count > 0)
    arrays: dict[str, np.ndarray] = {
        "words": np.array(stats.words, dtype=str),
        "row_ids": stats.row_ids[seen],
        "count": stats.count[seen],
        "sketch_word_ids": stats.sketch.word_ids,
        "sketch_keys": stats.sketch.keys,
    }
    for name in stats.state_names:
        arrays[f"mean/{name}"] = stats.mean[name][seen]
        arrays[f"m2/{name}"] = stats.m2[name][seen]
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
    words = [str(w) for w in arrays["words"]]
    seen = arrays["row_ids"].astype(np.int64)
    rows = len(seen)
    if arrays["count"].shape != (rows,) or any(arrays[f"mean/{n}"].shape[0] != rows for n in names):
        raise ValueError("array shapes disagree")
    # Back to one row per vocabulary word, as a fresh evaluation has.
    stats = ResponseStats.empty(words, np.arange(len(words)), {n: arrays[f"mean/{n}"].shape[1] for n in names},
                                sketch.word_ids, sketch.size)
    stats.sketch = sketch
    stats.count[seen] = arrays["count"]
    for n in names:
        stats.mean[n][seen] = arrays[f"mean/{n}"]
        stats.m2[n][seen] = arrays[f"m2/{n}"]
    stats.tokens = int(meta["tokens"])
    return stats
