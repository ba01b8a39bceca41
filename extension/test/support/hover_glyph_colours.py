"""Which colour the hover image (rnnlens.lsp.glyph_text.glyph_image) gives each change bar.

Reads planted glyph rows as JSON on stdin ([{positive, negative, delta_positive, delta_negative,
kept}, ...], each a list of K numbers), draws each row's PNG, decodes it, and prints for every row
and cluster the colour of the pixel just above and just below the midline inside the change bar:
"orange" (the dark orange of an increase), "blue" (the dark blue of a decrease) or the RGB seen.
"""

from __future__ import annotations

import json
import struct
import sys
import zlib

import numpy as np
from rnnlens.lsp.glyph_text import DARK_BLUE, DARK_ORANGE, glyph_image

BAR_WIDTH = 10
HEIGHT = 48
KEPT_BAND = 6  # glyph_image's layout: the midline sits at (HEIGHT - KEPT_BAND - 2) // 2


def decode_png(png: bytes) -> np.ndarray:
    """RGB pixels of a PNG as glyph_image writes it (8-bit RGB, filter 0 on every row)."""
    position, idat, width, height = 8, b"", 0, 0
    while position < len(png):
        (length,) = struct.unpack(">I", png[position:position + 4])
        kind, data = png[position + 4:position + 8], png[position + 8:position + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", data[:8])
        elif kind == b"IDAT":
            idat += data
        position += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + width * 3)
    assert not raw[:, 0].any(), "only filter 0 is expected"
    return raw[:, 1:].reshape(height, width, 3)


def name(pixel: np.ndarray) -> str:
    rgb = tuple(int(v) for v in pixel)
    return {DARK_ORANGE: "orange", DARK_BLUE: "blue"}.get(rgb, f"rgb{rgb}")


def main() -> None:
    rows = json.load(sys.stdin)
    mid = (HEIGHT - KEPT_BAND - 2) // 2
    out = []
    for row in rows:
        arrays = [np.asarray(row[key], dtype=np.float64)
                  for key in ("positive", "negative", "delta_positive", "delta_negative", "kept")]
        pixels = decode_png(glyph_image(*arrays, bar_width=BAR_WIDTH, height=HEIGHT))
        centre = [c * (BAR_WIDTH + 2) + 1 + BAR_WIDTH // 2 for c in range(len(arrays[0]))]
        out.append({"positive": [name(pixels[mid - 1, x]) for x in centre],
                    "negative": [name(pixels[mid + 1, x]) for x in centre]})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
