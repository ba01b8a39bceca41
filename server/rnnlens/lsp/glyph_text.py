"""Draw one token's glyph: a legible text sparkline for every client, and a small PNG for Markdown hovers.

Text: one character per unit cluster for its net update U (docs/method.md, step 6), a sparkline
centred on the middle block: `▁` strong decrease, `▄`/`▅` about no change, `█` strong
increase. Heights are relative to the largest |U| of the token (with a floor, so that a
token that changes nothing draws flat), which keeps the text short and comparable within
a token; the hover prints the numbers.

Image: per cluster, positive information above a midline (light orange) and negative
information below (light blue), the increase/decrease of each overlaid as a narrower dark
bar, and the kept rate as a grey bar along the bottom. The PNG is written with zlib only.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

SPARK = "▁▂▃▄▅▆▇█"
SPARK_TABLE = np.array(list(SPARK))
UPDATE_FLOOR = 0.02  # |U| below this is drawn as "no change"

ORANGE = (245, 160, 60)
DARK_ORANGE = (200, 90, 0)
BLUE = (110, 160, 230)
DARK_BLUE = (20, 80, 180)
GREY = (150, 150, 150)
MIDLINE = (90, 90, 90)
BACKGROUND = (255, 255, 255)


def sparkline(update: np.ndarray) -> str:
    """One character per cluster for the net updates `update` (K,)."""
    values = np.asarray(update, dtype=np.float64)
    if values.size == 0:
        return ""
    scale = max(float(np.max(np.abs(values))), UPDATE_FLOOR)
    # -scale..+scale -> 0..7; 0 lands between the two middle blocks, rounded up to ▅ only when positive.
    levels = np.clip(np.floor((values / scale + 1.0) / 2.0 * len(SPARK)), 0, len(SPARK) - 1).astype(int)
    return "".join(SPARK[level] for level in levels)


def sparklines(updates: np.ndarray) -> list[str]:
    """`sparkline` for every row of `updates` (T, K) at once (inlay hints ask for hundreds)."""
    values = np.asarray(updates, dtype=np.float64)
    if values.size == 0:
        return [""] * len(values)
    scale = np.maximum(np.max(np.abs(values), axis=1, keepdims=True), UPDATE_FLOOR)
    levels = np.clip(np.floor((values / scale + 1.0) / 2.0 * len(SPARK)), 0, len(SPARK) - 1).astype(int)
    # (T, K) one-character strings, contiguous, viewed as T strings of K characters: no per-row join
    chars = np.ascontiguousarray(SPARK_TABLE[levels])
    return chars.view(f"<U{chars.shape[1]}").ravel().tolist() if chars.shape[1] else [""] * len(chars)


def glyph_image(positive: np.ndarray, negative: np.ndarray, delta_positive: np.ndarray,
                delta_negative: np.ndarray, kept: np.ndarray, bar_width: int = 10, height: int = 48) -> bytes:
    """A PNG (bytes) of one token's glyph; all inputs are (K,) arrays from `Glyphs` for that token."""
    k = len(positive)
    width = max(k, 1) * (bar_width + 2)
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    pixels[:] = BACKGROUND
    kept_band = 6
    half = (height - kept_band - 2) // 2
    mid = half
    scale = max(float(np.max(np.abs(np.concatenate([positive, negative])))) if k else 0.0, 1e-6)
    for c in range(k):
        x0 = c * (bar_width + 2) + 1
        x1 = x0 + bar_width
        up = int(round(positive[c] / scale * (half - 1)))
        down = int(round(negative[c] / scale * (half - 1)))
        pixels[mid - up:mid, x0:x1] = ORANGE
        pixels[mid + 1:mid + 1 + down, x0:x1] = BLUE
        inner0, inner1 = x0 + bar_width // 4, x1 - bar_width // 4
        dp = int(round(abs(delta_positive[c]) / scale * (half - 1)))
        dn = int(round(abs(delta_negative[c]) / scale * (half - 1)))
        pixels[mid - dp:mid, inner0:inner1] = DARK_ORANGE if delta_positive[c] >= 0 else DARK_BLUE
        pixels[mid + 1:mid + 1 + dn, inner0:inner1] = DARK_BLUE if delta_negative[c] >= 0 else DARK_ORANGE
        kept_width = int(round(float(np.clip(kept[c], 0, 1)) * bar_width))
        pixels[height - kept_band:height - 1, x0:x0 + kept_width] = GREY
    pixels[mid, :] = MIDLINE
    return encode_png(pixels)


def encode_png(pixels: np.ndarray) -> bytes:
    """RGB uint8 array (H, W, 3) -> PNG bytes (filter 0 on every row, one IDAT chunk)."""
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
