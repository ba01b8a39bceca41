"""Word profiles the hover shows, memoised per clustering: a word's profile depends on the model,
the statistics' corpus and the clusters, all of which the cluster key names."""

from __future__ import annotations

import threading
from collections.abc import Callable

from rnnlens.analysis.explanations import WordExplanation
from rnnlens.lsp.clusters import ClusterKey

WORD_PROFILE_CACHE = 4096  # profiles kept before the memo starts again


class WordProfiles:
    def __init__(self, limit: int = WORD_PROFILE_CACHE):
        self.limit = limit
        self._lock = threading.Lock()
        self._profiles: dict[tuple[ClusterKey, str], WordExplanation] = {}

    def get(self, key: ClusterKey, word: str, compute: Callable[[], WordExplanation]) -> WordExplanation:
        """`word`'s profile under `key`, from `compute()` the first time (outside the lock: it reads the cache)."""
        with self._lock:
            found = self._profiles.get((key, word))
        if found is not None:
            return found
        profile = compute()
        with self._lock:
            if len(self._profiles) >= self.limit:
                self._profiles.clear()
            self._profiles[(key, word)] = profile
        return profile
