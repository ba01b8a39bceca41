/**
 * Model comparison: two co-clusterings side by side, the second reordered so that matched
 * clusters share a row, with each match's overlap, the overall similarity score, and each
 * model's glyphs of the same sentence.
 */
import { MainView } from "./mainView";
import type { MainViewHandlers } from "./mainView";
import type { ComparisonView, Controls, CoclusterView, SentenceGlyphs } from "./viewModel";

/** Reorder model B's clusters (chips, clouds, both link axes and its glyph columns) by the matching to A. */
export function alignToA(comparison: ComparisonView): { b: CoclusterView; glyphsB: SentenceGlyphs | null; scores: (number | null)[] } {
  const { a, b, matches } = comparison;
  const k = b.unitClusters.length;
  const order: number[] = new Array(a.unitClusters.length).fill(-1);
  const scores: (number | null)[] = new Array(a.unitClusters.length).fill(null);
  for (const [ia, ib, score] of matches) {
    if (ia < order.length) {
      order[ia] = ib;
      scores[ia] = score;
    }
  }
  const used = new Set(order.filter((i) => i >= 0));
  const rest = [...Array(k).keys()].filter((i) => !used.has(i));
  for (let i = 0; i < order.length; i++) if (order[i] < 0) order[i] = rest.shift() ?? i;
  order.push(...rest);
  const kb = order.length;
  const links = new Float32Array(kb * kb);
  for (let w = 0; w < kb; w++) for (let u = 0; u < kb; u++) links[w * kb + u] = b.links[order[w] * k + order[u]] ?? 0;
  return {
    b: {
      ...b,
      unitClusters: order.map((i) => b.unitClusters[i] ?? []),
      wordClusters: order.map((i) => b.wordClusters[i] ?? []),
      links,
      clusterIds: order.map((i) => b.clusterIds[i] ?? i),
    },
    glyphsB: comparison.glyphsB && reorderColumns(comparison.glyphsB, order),
    scores,
  };
}

/** Glyphs with column c taken from column order[c]: B's glyph bars line up with its reordered chips. */
export function reorderColumns(glyphs: SentenceGlyphs, order: number[]): SentenceGlyphs {
  const k = glyphs.k;
  if (order.length !== k) return glyphs;
  const t = glyphs.tokens.length;
  const pick = (values: Float32Array) => {
    const out = new Float32Array(t * k);
    for (let row = 0; row < t; row++) for (let c = 0; c < k; c++) out[row * k + c] = values[row * k + order[c]] ?? 0;
    return out;
  };
  return {
    ...glyphs,
    positive: pick(glyphs.positive),
    negative: pick(glyphs.negative),
    deltaPositive: pick(glyphs.deltaPositive),
    deltaNegative: pick(glyphs.deltaNegative),
    kept: pick(glyphs.kept),
    update: pick(glyphs.update),
  };
}

export class CompareView {
  readonly element: HTMLDivElement;
  readonly left: MainView;
  readonly right: MainView;

  constructor(handlers: MainViewHandlers) {
    this.element = document.createElement("div");
    this.element.className = "compare";
    this.left = new MainView(handlers, "Model A");
    this.right = new MainView(handlers, "Model B");
  }

  render(comparison: ComparisonView, controls: Controls, width: number, selectedWords: string[], selectedTokens: Set<number>): void {
    const { b, glyphsB, scores } = alignToA(comparison);
    this.element.replaceChildren();
    const header = document.createElement("div");
    header.className = "compare-header";
    header.setAttribute("role", "status");
    header.textContent = `${comparison.a.model} vs ${comparison.b.model}: similarity ${comparison.similarity.toFixed(3)} (matched clusters share a row)`;
    this.element.append(header);
    const sides = document.createElement("div");
    sides.className = "compare-sides";
    const half = Math.max(320, Math.floor((width - 44) / 2));
    // Each side shows its own model's glyphs of the same sentence, when the server sent them.
    const noSentence = !comparison.glyphsA && !glyphsB;
    const common = { controls, width: half, selectedWords, selectedTokens, noSentence };
    this.left.render({ ...common, glyphs: comparison.glyphsA, view: comparison.a, title: `A: ${comparison.a.model} (layer ${comparison.a.layer}, ${comparison.a.state})` });
    this.right.render({
      ...common,
      glyphs: glyphsB,
      view: b,
      title: `B: ${b.model} (layer ${b.layer}, ${b.state}), rows matched to A`,
      noLegend: true,
      cloudNotes: scores.map((s, i) => (s === null ? "unmatched" : `= A W${i + 1}, overlap ${s.toFixed(2)}`)),
    });
    this.left.node.classList.add("side", "side-a");
    this.right.node.classList.add("side", "side-b");
    sides.append(this.left.node, this.right.node);
    this.element.append(sides);
  }
}
