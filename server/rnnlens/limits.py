"""The one size limit on text that RNN Lens analyses, shared by the CLI, the language server and the stream.

An analysis keeps about 1.3 KB a token (glyphs of every layer, the chosen layer's responses,
the top-k outputs; docs/analysis.md, "Text analysis"), a token is about five characters, so at
the limit one analysis stays under 1 GB of memory (benchmarks/memory_bench.py). Larger texts are refused with one
message that names the limit, never half-analysed.
"""

from __future__ import annotations

from rnnlens.errors import RnnLensError

MAX_TEXT_CHARS = 2_000_000  # characters (code points) of one analysed text
# UTF-8 needs at most 4 bytes a character: a file larger than this cannot be under the limit,
# so it is refused from its size alone, without being read.
MAX_TEXT_FILE_BYTES = 4 * MAX_TEXT_CHARS
# explainSentence answers per-token detail for at most this many tokens around the cursor (the
# states still run from the sentence's start): a JSON answer holds ~15 KB of objects a token.
MAX_EXPLAINED_TOKENS = 2_000


def size_limit_message(what: str, size: int, unit: str = "characters") -> str:
    return (f"{what} has {size:,} {unit}, more than RNN Lens analyses at once: the size limit is "
            f"{MAX_TEXT_CHARS:,} characters (rnnlens.limits.MAX_TEXT_CHARS; docs/analysis.md, \"Size limit\")")


def check_text_size(text: str, what: str = "the text") -> None:
    """Refuse a text above the limit, naming it."""
    if len(text) > MAX_TEXT_CHARS:
        raise TextTooLarge(size_limit_message(what, len(text)))


class TextTooLarge(RnnLensError):
    """A text or file above `MAX_TEXT_CHARS`."""
