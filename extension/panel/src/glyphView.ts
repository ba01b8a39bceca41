/**
 * Sentence glyphs: one row per token; for every unit cluster a bar split at a midline, positive
 * information above and negative below, with the change of each overlaid (orange = increase,
 * blue = decrease: colors.ts deltaColour); between rows a small chart of the kept rate per cluster.
 */
import type { G } from "./svg";
import { asButton, shorten } from "./svg";
import { deltaColour } from "./colors";
import type { SentenceGlyphs } from "./viewModel";

export const GLYPH_ROW = 38;
export const KEPT_GAP = 10;
const TEXT_WIDTH = 74;

export function glyphColumnHeight(glyphs: SentenceGlyphs): number {
  return glyphs.tokens.length * (GLYPH_ROW + KEPT_GAP);
}

export interface GlyphHandlers {
  onToken(index: number, additive: boolean): void;
}

export function drawGlyphs(group: G, glyphs: SentenceGlyphs, width: number, selected: Set<number>, handlers: GlyphHandlers): void {
  group.selectAll("*").remove();
  const k = glyphs.k;
  const barArea = Math.max(20, width - TEXT_WIDTH - 8);
  const barWidth = Math.max(2, Math.min(22, Math.floor(barArea / k) - 1));
  const half = GLYPH_ROW / 2 - 3;
  let max = 1e-9;
  for (let i = 0; i < glyphs.positive.length; i++) {
    max = Math.max(max, glyphs.positive[i], glyphs.negative[i]);
  }
  const scale = (v: number) => Math.min(half, (Math.abs(v) / max) * half);

  group.append("text").attr("class", "view-title").attr("x", 0).attr("y", -6).text("Sentence");
  glyphs.tokens.forEach((token, t) => {
    const top = t * (GLYPH_ROW + KEPT_GAP) + KEPT_GAP;
    const mid = top + GLYPH_ROW / 2;
    const row = group
      .append("g")
      .attr("class", `glyph${selected.has(t) ? " selected" : ""}`)
      .attr("data-token", t)
      .on("click", (event: MouseEvent) => handlers.onToken(t, event.shiftKey || event.ctrlKey || event.metaKey));
    asButton(row, () => `Token ${token.text}: select to colour the memory cells by its response`);
    const output = glyphs.outputs?.[t];
    row.append("title").text(`${token.text}${output ? ` → ${output}` : ""}`);
    row.append("rect").attr("class", "glyph-hit").attr("x", 0).attr("y", top).attr("width", width).attr("height", GLYPH_ROW);
    row
      .append("text")
      .attr("class", "token")
      .attr("x", TEXT_WIDTH - 4)
      .attr("y", mid + 4)
      .attr("text-anchor", "end")
      .text(shorten(token.text, 11));
    row
      .append("line")
      .attr("class", "midline")
      .attr("x1", TEXT_WIDTH)
      .attr("x2", TEXT_WIDTH + k * (barWidth + 1))
      .attr("y1", mid)
      .attr("y2", mid);
    for (let c = 0; c < k; c++) {
      const i = t * k + c;
      const x = TEXT_WIDTH + c * (barWidth + 1);
      const p = scale(glyphs.positive[i]);
      const n = scale(glyphs.negative[i]);
      row.append("rect").attr("class", "info").attr("x", x).attr("y", mid - p).attr("width", barWidth).attr("height", p);
      row.append("rect").attr("class", "info").attr("x", x).attr("y", mid).attr("width", barWidth).attr("height", n);
      const dp = glyphs.deltaPositive[i];
      const dn = glyphs.deltaNegative[i];
      const inner = Math.max(1, barWidth - 4);
      const dpH = scale(dp);
      const dnH = scale(dn);
      if (dpH > 0.3) {
        row.append("rect").attr("class", "delta delta-positive").attr("fill", deltaColour("positive", dp))
          .attr("x", x + (barWidth - inner) / 2).attr("y", mid - dpH).attr("width", inner).attr("height", dpH);
      }
      if (dnH > 0.3) {
        row.append("rect").attr("class", "delta delta-negative").attr("fill", deltaColour("negative", dn))
          .attr("x", x + (barWidth - inner) / 2).attr("y", mid).attr("width", inner).attr("height", dnH);
      }
    }
    if (t > 0) {
      // Kept rate between the previous token and this one, one small bar per cluster.
      const kept = group.append("g").attr("class", "kept").attr("aria-hidden", "true");
      for (let c = 0; c < k; c++) {
        const h = Math.max(0, Math.min(1, glyphs.kept[t * k + c])) * (KEPT_GAP - 4);
        kept.append("rect").attr("x", TEXT_WIDTH + c * (barWidth + 1) + 1).attr("y", top - 2 - h).attr("width", Math.max(1, barWidth - 2)).attr("height", h);
      }
      kept.append("line").attr("x1", TEXT_WIDTH).attr("x2", TEXT_WIDTH + k * (barWidth + 1)).attr("y1", top - 2).attr("y2", top - 2);
      if (t === 1) kept.append("text").attr("class", "kept-label").attr("x", TEXT_WIDTH - 4).attr("y", top - 2).attr("text-anchor", "end").text("kept");
    }
  });
}
