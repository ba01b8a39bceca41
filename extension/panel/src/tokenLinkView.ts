/**
 * Links from each token of the sentence to every memory chip (RNNVis' sentence links): width =
 * the token's net update of that cluster (the glyph's `update`), orange = the cluster's memory
 * grew, blue = it shrank. The clicked token's links are drawn strong, the others faint.
 */
import type { G } from "./svg";
import { signColour } from "./colors";
import { keepsLink, linkWidth } from "./layout";
import type { LinkFilter, Rect } from "./layout";

export interface TokenLinkShape {
  token: number;
  /** Chip (unit cluster) in display order. */
  cluster: number;
  update: number;
  width: number;
  path: string;
}

/**
 * One link per token and chip whose |update| share of the sentence's largest lies in the
 * filter's range. `rowMiddles[t]`: the y of token t's glyph row; `x0`: where the links leave the
 * sentence column. `update` is row-major T x K in chip order.
 */
export function layoutTokenLinks(update: Float32Array, rowMiddles: number[], x0: number, chips: Rect[], filter: LinkFilter): TokenLinkShape[] {
  const k = chips.length;
  let strongest = 0;
  for (let i = 0; i < rowMiddles.length * k; i++) strongest = Math.max(strongest, Math.abs(update[i] ?? 0));
  if (strongest === 0) return [];
  const shapes: TokenLinkShape[] = [];
  rowMiddles.forEach((y0, t) => {
    for (let c = 0; c < k; c++) {
      const u = update[t * k + c] ?? 0;
      if (!keepsLink(u, strongest, filter)) continue;
      const chip = chips[c];
      const x1 = chip.x - 2;
      const y1 = chip.y + chip.height / 2;
      const mid = (x0 + x1) / 2;
      shapes.push({
        token: t,
        cluster: c,
        update: u,
        width: linkWidth(u, strongest, filter.width),
        path: `M${x0.toFixed(1)},${y0.toFixed(1)}C${mid.toFixed(1)},${y0.toFixed(1)} ${mid.toFixed(1)},${y1.toFixed(1)} ${x1.toFixed(1)},${y1.toFixed(1)}`,
      });
    }
  });
  return shapes;
}

export function drawTokenLinks(group: G, shapes: TokenLinkShape[], tokens: string[], selected: Set<number>): void {
  group.selectAll("*").remove();
  group
    .selectAll<SVGPathElement, TokenLinkShape>("path.token-link")
    .data(shapes)
    .join("path")
    .attr("class", (d) => `token-link${selected.has(d.token) ? " selected" : ""}`)
    .attr("data-token", (d) => d.token)
    .attr("data-unit-cluster", (d) => d.cluster)
    .attr("data-update", (d) => d.update)
    .attr("d", (d) => d.path)
    .attr("fill", "none")
    .attr("stroke", (d) => signColour(d.update))
    .attr("stroke-width", (d) => d.width.toFixed(2))
    .append("title")
    .text((d) => `“${tokens[d.token] ?? ""}” updates unit cluster U${d.cluster + 1} by ${d.update >= 0 ? "+" : ""}${d.update.toFixed(3)} a unit`);
}

/** Strong links for the selected tokens, faint ones for the rest (no redraw). */
export function markTokenLinks(group: G, selected: Set<number>): void {
  group.selectAll<SVGPathElement, TokenLinkShape>("path.token-link").classed("selected", (d) => selected.has(d.token));
}
