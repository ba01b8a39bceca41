"""Hover on a token: its glyph, kept rate, the units that moved most, its cluster and the model's output.

`hover_data` gathers the numbers on a worker thread (under the timeline's lock, so they all
belong to one document version); `render_hover` turns them into Markdown (pure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lsprotocol import types

from rnnlens.errors import RnnLensError
from rnnlens.lsp.glyph_text import data_uri, glyph_image, sparkline
from rnnlens.lsp.hover_effects import CausalHover, causal_hover, render_causal
from rnnlens.lsp.markdown import escape as _escape
from rnnlens.lsp.session import LensSession, Prepared

MOVED_UNITS = 5
LEGEND = ("Glyph: one bar per unit cluster, for the net update of the cluster's memory at this word "
          "(`▁` strong decrease … `▄▅` little change … `█` strong increase). Image: positive information above "
          "the line (orange), negative below (blue), dark = change at this step, grey = kept rate. "
          "Kept rate: share of the previous memory carried over.")


@dataclass
class HoverData:
    token: str
    norm: str
    index: int
    model: str
    view: str
    kept_rate: float
    moved: list[tuple[int, float, float | None]]  # unit, response here, expected response (None: unknown)
    output: dict[str, Any]
    glyph: dict[str, np.ndarray] | None = None  # Glyphs fields for this token, (K,) each
    cluster_status: str = ""
    word_cluster: int | None = None
    part_of_speech: str | None = None  # the word's majority tag in the Brown corpus; None: Brown lacks it
    word_count: int | None = None
    provenance: str | None = None  # Provenance.short() of the statistics behind clusters and expectations
    notes: list[str] = field(default_factory=list)
    causal: CausalHover | None = None  # what each chip does here, the words driving the output (hover_effects)


def kept_rate(current: np.ndarray, previous: np.ndarray) -> float:
    """Share of |s_{t-1}| carried over into s_t by units that kept their sign (docs/method.md, step 6; all units)."""
    same = np.sign(current) == np.sign(previous)
    carried = float(np.where(same, np.minimum(np.abs(current), np.abs(previous)), 0.0).sum())
    held = float(np.abs(previous).sum())
    return carried / held if held > 0 else 0.0


def hover_data(session: LensSession, prepared: Prepared, index: int) -> HoverData:
    model, view = prepared.model, prepared.view
    timeline = prepared.timeline
    with timeline.lock:
        prepared.check()
        session.sync_timeline(prepared)
        chunk = timeline.chunk_at(index, prepared.should_stop)
        t = index - chunk.start
        current = chunk.current(view.name)[t].astype(np.float64)
        previous = (chunk.previous(view.name)[t]).astype(np.float64)
        top_hidden = chunk.current(f"layer{model.num_layers}.h")[t]
        glyph = None
        if prepared.labels is not None:
            glyphs = chunk.glyphs(view.name, prepared.labels, view.k, key=prepared.labels_key)
            glyph = {name: getattr(glyphs, name)[t] for name in ("positive", "negative", "delta_positive",
                                                                 "delta_negative", "update", "kept")}
    token = prepared.tokens[index]
    response = current - previous
    order = np.argsort(-np.abs(response))[:MOVED_UNITS]
    data = HoverData(token=token.text, norm=token.norm, index=index, model=model.name, view=view.name,
                     kept_rate=kept_rate(current, previous), moved=[(int(u), float(response[u]), None) for u in order],
                     output=session.output_at(prepared, top_hidden), glyph=glyph)
    if prepared.labels is None:
        data.cluster_status = session.clusters.status(session.cluster_key(model, view))
        return data
    try:  # expected responses exist once the model was evaluated (clusters ready implies that)
        word = session.explain_word(prepared, token.norm)
        if word.mean is not None and word.mean.shape == response.shape:
            data.moved = [(u, r, float(word.mean[u])) for u, r, _ in data.moved]
        data.word_cluster = word.cluster
        data.part_of_speech = word.pos
        data.word_count = word.count
        data.provenance = word.provenance.short() if word.provenance is not None else None
    except RnnLensError as exc:
        data.notes.append(str(exc))
    return data


def render_hover(data: HoverData, image: bool = True) -> str:
    lines = [f"**{_escape(data.token)}** · token {data.index + 1} · `{data.model}` `{data.view}`", ""]
    if data.glyph is not None:
        text = sparkline(data.glyph["update"])
        picture = ""
        if image:
            png = glyph_image(data.glyph["positive"], data.glyph["negative"], data.glyph["delta_positive"],
                              data.glyph["delta_negative"], data.glyph["kept"])
            width = 12 * len(data.glyph["update"])
            picture = f" ![glyph]({data_uri(png)}|width={width},height=48)"
        lines.append(f"glyph `{text}`{picture}")
    else:
        lines.append(f"glyph: unit clusters {data.cluster_status or 'not ready'}")
    lines += ["", f"kept rate **{data.kept_rate:.0%}**", ""]
    moved = ", ".join(f"#{unit} {value:+.2f}" + (f" (expected {expected:+.2f})" if expected is not None else "")
                      for unit, value, expected in data.moved)
    lines += [f"moved most: {moved}", ""]
    facts = []
    if data.word_cluster is not None:
        facts.append(f"word cluster {data.word_cluster}")
    if data.part_of_speech:
        facts.append(f"Brown tag {data.part_of_speech} (the word's majority tag in the Brown corpus)")
    if data.word_count is not None:
        facts.append(f"seen {data.word_count:,}× in the statistics' corpus")
    if facts:
        lines += [" · ".join(facts), ""]
    items = data.output.get("items", [])
    if items:
        title = "next word" if data.output.get("kind") == "next" else "class"
        lines += [f"{title}: " + ", ".join(f"`{_escape(label)}` {p:.0%}" for label, p in items), ""]
    if data.causal is not None:
        lines += render_causal(data.causal)
    for note in data.notes:
        lines += [f"_{_escape(note)}_", ""]
    lines += ["---", f"_{LEGEND}_"]
    if data.provenance:
        lines += ["", f"_{_escape(data.provenance)}_"]
    return "\n".join(lines)


def hover_result(session: LensSession, prepared: Prepared, offset: int) -> types.Hover | None:
    index = prepared.token_at(offset)
    if index is None:
        return None
    data = hover_data(session, prepared, index)
    prepared.check()
    data.causal = causal_hover(session, prepared, index)
    prepared.check()
    start, end = prepared.span(index)
    positions = prepared.snapshot.positions
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                    value=render_hover(data, session.settings.hover_image)),
                       range=types.Range(positions.position_at(start), positions.position_at(end)))
