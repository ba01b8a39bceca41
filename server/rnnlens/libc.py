"""A C library function through ctypes, where the platform has it (Linux's libc), else None.

Memory hints go straight to libc: returning the heap's free pages (analysis/heap_release.py) and
asking for huge pages (analysis/input_gradient_layers.py). Both are optimisations, so a platform
without the function (macOS, musl's missing malloc_trim) just runs without them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any


def libc_function(name: str, argtypes: list[Any], restype: Any = ctypes.c_int) -> Any | None:
    """The C function `name` of this process's libc with its signature set, or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = argtypes
    function.restype = restype
    return function
