"""Give the C heap's free pages back to the system during a long evaluation (glibc only).

Tracing frees and allocates blocks of many sizes every batch, and glibc keeps the freed ones
resident: over 100M tokens the free part of the heap grew to 470 MB while the live part stayed at
110 MB. evaluation.settle_memory() calls `release_free_memory()` every TRIM_EVERY_TOKENS tokens.

Not done, measured: fixing glibc's mmap threshold at 256 KiB (mallopt(M_MMAP_THRESHOLD), or the
MALLOC_MMAP_THRESHOLD_ variable) keeps the batches' tensors out of the heap, but every tensor then
gets fresh, zeroed pages: trace + accumulate took 1.7-1.9x the CPU time with the tiny 2 x 16 LSTM,
the whole streamed evaluation 11-13 % more. What made the heap grow was the sketch's small
buffered arrays living longer and longer (see settle_memory); with those folded in, it stays flat.
"""

from __future__ import annotations

import ctypes

from rnnlens.libc import libc_function

_MALLOC_TRIM = libc_function("malloc_trim", [ctypes.c_size_t])  # glibc only (musl has none)


def is_glibc() -> bool:
    return _MALLOC_TRIM is not None


def release_free_memory() -> None:
    """Give the heap's free pages back to the system (glibc's malloc_trim(0); elsewhere nothing).
    A millisecond or so."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
