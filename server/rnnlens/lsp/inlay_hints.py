"""Inlay hints: a compact text glyph after tokens of the requested range; numbers on resolve.

Only the tokens that overlap the requested range are computed (the timeline runs the model up
to the range's last token and no further). Density: "all" tokens, "words" only, or "large"
updates only (the token rewrote at least `LARGE_UPDATE` of the memory it found).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
from lsprotocol import types

from rnnlens.analysis.glyphs import Glyphs
from rnnlens.lsp.glyph_text import sparklines
from rnnlens.lsp.incremental import ChunkStates, fill_glyphs
from rnnlens.lsp.json_ready import JsonReadyHints
from rnnlens.lsp.session import LensSession, Prepared

LARGE_UPDATE = 0.5  # sum |r_t| / sum |s_{t-1}| over units
MAX_HINTS = 5000  # a cap per request (a 1 MB single line is one "visible" line)


def inlay_hints(session: LensSession, prepared: Prepared, start: int, end: int) -> list[dict[str, Any]]:
    """Hints for tokens overlapping the code-point span [start, end), as JSON-ready `InlayHint` dicts
    (a request may return thousands; plain dicts skip building and unstructuring attrs objects)."""
    settings = session.settings
    if prepared.labels is None or not settings.inlay_enabled or settings.inlay_density == "off":
        return []
    indices = prepared.tokens_in(start, end)
    if not indices:
        return []
    indices = indices[:MAX_HINTS]
    density = settings.inlay_density
    view = prepared.view
    chosen: list[tuple[int, str]] = []
    positions = prepared.snapshot.positions
    version = prepared.snapshot.version
    uri = prepared.snapshot.uri
    with prepared.timeline.lock:
        chunks, label_key = labelled_chunks(session, prepared, indices)
        for chunk in chunks:
            labels_text: list[str] = chunk.derived[label_key]
            if density == "large":
                current, previous = chunk.current(view.name), chunk.previous(view.name)
                moved = np.abs(current - previous).sum(axis=1)
                held = np.abs(previous).sum(axis=1)
                large = moved >= LARGE_UPDATE * np.maximum(held, 1e-9)
            for index in range(max(chunk.start, indices.start), min(chunk.end, indices.stop)):
                token = prepared.tokens[index]
                t = index - chunk.start
                if density == "words" and not token.is_word:
                    continue
                if density == "large" and not large[t]:
                    continue
                chosen.append((index, labels_text[t]))
    prepared.check()
    places = positions.positions_at(prepared.ends[[index for index, _ in chosen]])
    prefix = f"{session.documents.number(uri)}:{version}:"
    return JsonReadyHints({"position": {"line": line, "character": character}, "label": label,
                           "data": prefix + str(index)}
                          for (index, label), (line, character) in zip(chosen, places, strict=True))


def labelled_chunks(session: LensSession, prepared: Prepared, indices: range) -> tuple[list[ChunkStates], Hashable]:
    """The chunks covering tokens `indices`, each with its glyph labels memoised under the returned
    key when the units are clustered (call with the timeline's lock held)."""
    view, labels = prepared.view, prepared.labels
    prepared.check()
    session.sync_timeline(prepared)
    chunks = prepared.timeline.chunks_for(indices.start, indices.stop, prepared.should_stop)
    key = prepared.labels_key
    label_key = ("sparklines", view.name, key)
    if labels is not None:  # without clusters there are states but no glyphs yet
        fill_glyphs(chunks, view.name, labels, view.k, key=key)
        fill_labels(chunks, label_key, [chunk.glyphs(view.name, labels, view.k, key=key) for chunk in chunks])
    return chunks, label_key


def precompute_lines(session: LensSession, prepared: Prepared, first_line: int, last_line: int) -> int:
    """Bring the states and hint labels of lines first..last up to date (what an inlay request for
    them would compute); returns how many tokens they hold."""
    start, end = prepared.snapshot.positions.line_span(first_line, last_line)
    indices = prepared.tokens_in(start, end)[:MAX_HINTS]
    if not indices:
        return 0
    with prepared.timeline.lock:
        labelled_chunks(session, prepared, indices)
    return len(indices)


def fill_labels(chunks: list[ChunkStates], key: Hashable, glyphs: list[Glyphs]) -> None:
    """Memoise every chunk's sparkline labels under `key`; the new chunks (those after an edit)
    in one `sparklines` call, the chunks the edit did not reach keep theirs."""
    missing = [(chunk, g) for chunk, g in zip(chunks, glyphs, strict=True) if key not in chunk.derived]
    if not missing:
        return
    texts = sparklines(np.concatenate([g.update for _, g in missing]))
    offset = 0
    for chunk, g in missing:
        rows = len(g.update)
        chunk.memo(key, lambda offset=offset, rows=rows: texts[offset:offset + rows])  # type: ignore[misc]
        offset += rows


def hint_reference(session: LensSession, data: Any) -> tuple[str, int, int] | None:
    """(uri, version, token index) from a hint's `data`, "document number:version:token" (compact: hints
    are many, and the uri would repeat in each)."""
    if not isinstance(data, str):
        return None
    try:
        number, version, index = (int(part) for part in data.split(":"))
    except ValueError:
        return None
    uri = session.documents.uri_of(number)
    return None if uri is None else (uri, version, index)


def resolve_tooltip(session: LensSession, prepared: Prepared, hint: types.InlayHint) -> types.InlayHint:
    """Add the numbers behind a glyph as a Markdown tooltip (the hint unchanged if its document moved on)."""
    reference = hint_reference(session, hint.data)
    if reference is None or prepared.labels is None:
        return hint
    uri, version, index = reference
    if uri != prepared.snapshot.uri or version != prepared.snapshot.version or not 0 <= index < len(prepared.tokens):
        return hint
    view = prepared.view
    with prepared.timeline.lock:
        prepared.check()
        session.sync_timeline(prepared)
        chunk = prepared.timeline.chunk_at(index, prepared.should_stop)
        glyphs = chunk.glyphs(view.name, prepared.labels, view.k, key=prepared.labels_key)
        t = index - chunk.start
        row = {name: getattr(glyphs, name)[t] for name in ("update", "kept", "positive", "negative")}
    token = prepared.tokens[index]
    lines = [f"**{token.text}** · `{prepared.model.name}` `{view.name}`", "",
             "| cluster | update | kept | + info | − info |", "|---:|---:|---:|---:|---:|"]
    for c in range(len(row["update"])):
        lines.append(f"| {c} | {row['update'][c]:+.3f} | {row['kept'][c]:.0%} | {row['positive'][c]:.3f} "
                     f"| {row['negative'][c]:.3f} |")
    hint.tooltip = types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n".join(lines))
    return hint
