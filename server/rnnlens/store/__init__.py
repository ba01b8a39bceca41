"""On-disk cache of analysis results, keyed by content hashes (no pickle: npz + JSON)."""
