/**
 * The main picture of one model (the paper's figure, columns B-D): sentence glyphs on the
 * left, memory chips, links, and word clouds on the right, in one SVG so it exports whole.
 */
import { create } from "d3-selection";
import type { G, Svg } from "./svg";
import { BLUE, ORANGE, posLegend } from "./colors";
import { drawChips } from "./chipView";
import type { DrawnChips } from "./chipView";
import { drawClouds } from "./cloudView";
import { GLYPH_ROW, KEPT_GAP, drawGlyphs, glyphColumnHeight } from "./glyphView";
import { layoutLinks, layoutMain } from "./layout";
import type { LinkFilter, MainLayout } from "./layout";
import { drawLinks } from "./linkView";
import { drawTokenLinks, layoutTokenLinks, markTokenLinks } from "./tokenLinkView";
import type { ChipOutput, CoclusterView, Controls, SentenceGlyphs } from "./viewModel";

const TOKEN_LINK_ROOM = 48;

export interface MainViewHandlers {
  onWord(word: string, additive: boolean): void;
  onToken(index: number, additive: boolean): void;
  onUnit(unit: number): void;
}

export interface MainViewInput {
  view: CoclusterView;
  glyphs: SentenceGlyphs | null;
  controls: Controls;
  width: number;
  selectedWords: string[];
  selectedTokens: Set<number>;
  title?: string;
  /** Leave out the sentence column (comparison). */
  noSentence?: boolean;
  /** Extra text after each cloud's label (comparison: the match's overlap). */
  cloudNotes?: string[];
  /** Leave out the colour key (the second side of a comparison). */
  noLegend?: boolean;
}

export class MainView {
  readonly svg: Svg;
  private chips: DrawnChips | null = null;
  private layout: MainLayout | null = null;
  private linkGroup: G;
  private tokenLinkGroup: G | null = null;
  private glyphWidth = 0;
  private input: MainViewInput | null = null;

  constructor(private readonly handlers: MainViewHandlers, label: string) {
    this.svg = create("svg").attr("class", "main-view").attr("role", "img").attr("aria-label", label) as unknown as Svg;
    this.linkGroup = this.svg.append("g");
  }

  get node(): SVGSVGElement {
    return this.svg.node() as SVGSVGElement;
  }

  render(input: MainViewInput): void {
    this.input = input;
    this.marked = [];
    const { view, glyphs, controls } = input;
    const showGlyphs = glyphs !== null && glyphs.k === view.unitClusters.length;
    // The sentence column is always reserved, so chips and clouds keep their place (and their
    // cached cloud layouts) when a sentence arrives or changes. Comparison views have none.
    const glyphWidth = input.noSentence ? 0 : Math.min(300, Math.max(170, 82 + view.unitClusters.length * 15));
    this.glyphWidth = glyphWidth;
    const layout = layoutMain(view.unitClusters, {
      width: input.width,
      glyphWidth,
      // Room between the glyphs and the chips for the token links.
      linkRoom: glyphWidth > 0 ? TOKEN_LINK_ROOM : 0,
      glyphHeight: showGlyphs && glyphs ? glyphColumnHeight(glyphs) : 0,
      minRowHeight: 76,
    });
    this.layout = layout;
    this.svg.selectAll("*").remove();
    this.svg
      .attr("width", layout.width)
      .attr("height", layout.height)
      .attr("viewBox", `0 0 ${layout.width} ${layout.height}`)
      .attr("xmlns", "http://www.w3.org/2000/svg");
    this.svg
      .append("text")
      .attr("class", "view-title")
      .attr("x", glyphWidth > 0 ? glyphWidth + 16 + TOKEN_LINK_ROOM : 0)
      .attr("y", 12)
      .text(input.title ?? `${view.model} · layer ${view.layer} · ${view.state} · ${view.k} clusters`);
    if (!input.noLegend) this.drawLegend(layout.width, controls.posColours);
    layout.rows.forEach((row, i) => {
      const x = glyphWidth > 0 ? glyphWidth + 8 : 0;
      if (i % 2 === 1) this.svg.append("rect").attr("class", "row-band").attr("x", x).attr("y", row.y).attr("width", row.width - x).attr("height", row.height);
    });
    this.linkGroup = this.svg.append("g").attr("class", "links");
    this.tokenLinkGroup = showGlyphs && glyphs && layout.glyphColumn ? (this.svg.append("g").attr("class", "token-links") as unknown as G) : null;
    const chipGroup = this.svg.append("g").attr("class", "chips") as unknown as G;
    const cloudGroup = this.svg.append("g").attr("class", "clouds") as unknown as G;
    let mark = performance.now();
    const measure = (name: string) => {
      const now = performance.now();
      performance.measure(`rnnlens:${name}`, { start: mark, end: now });
      mark = now;
    };
    this.chips = drawChips(chipGroup, layout.chips, layout.cellSize, { onUnit: (u) => this.handlers.onUnit(u) });
    measure("chips");
    drawClouds(cloudGroup, view.wordClusters, layout.clouds, controls.wordsShown, controls.posColours, input.selectedWords, {
      onWord: (w, additive) => this.handlers.onWord(w, additive),
    }, input.cloudNotes);
    measure("clouds");
    this.updateLinks(controls);
    measure("links");
    if (showGlyphs && glyphs && layout.glyphColumn) {
      const glyphGroup = this.svg.append("g").attr("class", "glyphs").attr("transform", `translate(0, ${layout.glyphColumn.y})`) as unknown as G;
      drawGlyphs(glyphGroup, glyphs, glyphWidth, input.selectedTokens, { onToken: (t, a) => this.handlers.onToken(t, a) });
      measure("glyphs");
    } else if (layout.glyphColumn) {
      this.svg.append("text").attr("class", "hint-text").attr("x", 0).attr("y", layout.glyphColumn.y + 4)
        .text("Sentence: move the cursor in a text");
      this.svg.append("text").attr("class", "hint-text").attr("x", 0).attr("y", layout.glyphColumn.y + 18)
        .text("or type one above");
    }
  }

  /** Colour key in the header: the sign colours, and the part-of-speech colours when shown. */
  private drawLegend(width: number, pos: boolean): void {
    const entries: { label: string; colour: string }[] = [
      { label: "positive / increase", colour: ORANGE },
      { label: "negative / decrease", colour: BLUE },
      ...(pos ? posLegend() : []),
    ];
    const legend = this.svg.append("g").attr("class", "legend").attr("aria-hidden", "true");
    let x = width;
    for (const entry of [...entries].reverse()) {
      const text = legend.append("text").attr("y", 11).attr("text-anchor", "end").text(entry.label);
      text.attr("x", x);
      x -= entry.label.length * 5.6 + 4;
      legend.append("rect").attr("x", x - 9).attr("y", 3).attr("width", 9).attr("height", 9).attr("fill", entry.colour);
      x -= 20;
    }
  }

  /** Chip-cloud links and token-chip links, for the link filter's range and width. */
  updateLinks(controls: Pick<Controls, "linkFilter" | "linkFilterMax" | "linkWidth">): void {
    if (!this.layout || !this.input) return;
    const view = this.input.view;
    const filter: LinkFilter = { min: controls.linkFilter, max: controls.linkFilterMax, width: controls.linkWidth };
    drawLinks(this.linkGroup, layoutLinks(view.links, view.unitClusters.length, this.layout, filter));
    const glyphs = this.input.glyphs;
    const column = this.layout.glyphColumn;
    if (this.tokenLinkGroup && glyphs && column) {
      const middles = glyphs.tokens.map((_, t) => column.y + t * (GLYPH_ROW + KEPT_GAP) + KEPT_GAP + GLYPH_ROW / 2);
      const shapes = layoutTokenLinks(glyphs.update, middles, this.glyphWidth + 2, this.layout.chips, filter);
      drawTokenLinks(this.tokenLinkGroup, shapes, glyphs.tokens.map((t) => t.text), this.input.selectedTokens);
    }
  }

  recolour(responses: Float32Array[], scale: number): void {
    this.chips?.recolour(responses, scale);
  }

  /** One colour a chip (display order): the chips' ablation effects at a token. */
  colourByChip(values: Float32Array, scale: number): void {
    this.chips?.colourByChip(values, scale);
  }

  setChipOutputs(outputs: (ChipOutput | null)[] | null): void {
    this.chips?.setOutputs(outputs);
  }

  setChipEffects(lines: string[] | null, values: Float32Array | null): void {
    this.chips?.setEffects(lines, values);
  }

  private marked: Element[] = [];

  /** Mark the selected words in the clouds without re-laying them out (only the changed ones). */
  markWords(words: string[]): void {
    for (const node of this.marked) node.classList.remove("selected");
    this.marked = [];
    for (const word of words) {
      this.svg.node()?.querySelectorAll(`text.word[data-word="${CSS.escape(word)}"]`).forEach((node) => {
        node.classList.add("selected");
        this.marked.push(node);
      });
    }
  }

  markTokens(tokens: Set<number>): void {
    if (this.tokenLinkGroup) markTokenLinks(this.tokenLinkGroup, tokens);
    if (this.input) this.input.selectedTokens = tokens;
    this.svg.selectAll<SVGGElement, unknown>("g.glyph").classed("selected", function () {
      return tokens.has(Number(this.getAttribute("data-token")));
    });
  }
}
