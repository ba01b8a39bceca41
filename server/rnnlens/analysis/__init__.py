"""The analysis engine: expected responses, co-clustering, glyphs, alignment. Pure numpy/torch, no I/O."""
