/**
 * Several sentences side by side (RNNVis' sentence view): each kept sentence's glyphs in its own
 * column, one zoom for all. Zoom only rescales the drawn columns (viewBox), it never redraws.
 */
import { create } from "d3-selection";
import type { G } from "./svg";
import { drawGlyphs, glyphColumnHeight } from "./glyphView";
import type { SentenceGlyphs } from "./viewModel";

const COLUMN_WIDTH = 180;
export const MAX_KEPT = 6;

export interface StripEvents {
  /** A token of a kept sentence was clicked: show that sentence with the token selected. */
  onToken(glyphs: SentenceGlyphs, token: number): void;
  onChange(): void;
}

export class SentenceStrip {
  readonly element = document.createElement("section");
  private kept: SentenceGlyphs[] = [];
  private zoom = 1;
  private readonly columns = document.createElement("div");
  private readonly zoomInput = document.createElement("input");

  constructor(private readonly events: StripEvents) {
    this.element.className = "sentence-strip";
    this.element.setAttribute("aria-label", "Sentences side by side");
    this.columns.className = "strip-columns";
    Object.assign(this.zoomInput, { type: "range", min: "0.3", max: "2", step: "0.1", id: "control-zoom" });
    this.zoomInput.value = "1";
    this.zoomInput.setAttribute("aria-label", "Zoom of the sentences side by side");
    this.zoomInput.addEventListener("input", () => this.setZoom(Number(this.zoomInput.value)));
  }

  /** The texts kept, for saving and for asking again when the view (model, layer, k) changes. */
  get texts(): string[] {
    return this.kept.map((g) => g.text);
  }

  /** Keep a sentence (again: its glyphs replace the older ones in place); the oldest goes beyond MAX_KEPT. */
  keep(glyphs: SentenceGlyphs): void {
    const at = this.kept.findIndex((g) => g.text === glyphs.text);
    if (at >= 0) this.kept[at] = glyphs;
    else this.kept = [...this.kept, glyphs].slice(-MAX_KEPT);
    this.render();
  }

  /** Replace every kept sentence's glyphs (a new view: columns follow its chips); drop those not given. */
  replaceAll(glyphs: SentenceGlyphs[]): void {
    this.kept = glyphs.slice(-MAX_KEPT);
    this.render();
  }

  setZoom(zoom: number): void {
    this.zoom = Math.min(2, Math.max(0.3, zoom));
    this.zoomInput.value = String(this.zoom);
    this.element.dataset.zoom = String(this.zoom);
    for (const svg of this.columns.querySelectorAll<SVGSVGElement>("svg.strip-glyphs")) {
      svg.setAttribute("width", String(Math.round(Number(svg.dataset.width) * this.zoom)));
      svg.setAttribute("height", String(Math.round(Number(svg.dataset.height) * this.zoom)));
    }
  }

  private render(): void {
    if (this.kept.length === 0) {
      this.element.replaceChildren();
      this.events.onChange();
      return;
    }
    const header = document.createElement("div");
    header.className = "strip-header";
    const title = document.createElement("span");
    title.className = "view-title";
    title.textContent = `Sentences side by side (${this.kept.length})`;
    const zoom = document.createElement("label");
    zoom.className = "control";
    zoom.htmlFor = "control-zoom";
    zoom.append("Zoom", this.zoomInput);
    header.append(title, zoom);
    this.columns.replaceChildren(...this.kept.map((glyphs, i) => this.column(glyphs, i)));
    this.element.replaceChildren(header, this.columns);
    this.setZoom(this.zoom);
    this.events.onChange();
  }

  private column(glyphs: SentenceGlyphs, index: number): HTMLElement {
    const figure = document.createElement("figure");
    figure.className = "strip-column";
    figure.dataset.text = glyphs.text;
    const caption = document.createElement("figcaption");
    caption.textContent = glyphs.text;
    caption.title = glyphs.text;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "strip-remove";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Remove “${glyphs.text}” from the sentences side by side`);
    remove.addEventListener("click", () => {
      this.kept = this.kept.filter((_, j) => j !== index);
      this.render();
    });
    caption.prepend(remove);
    const height = glyphColumnHeight(glyphs) + 16;
    const svg = create("svg")
      .attr("class", "strip-glyphs")
      .attr("xmlns", "http://www.w3.org/2000/svg")
      .attr("viewBox", `0 -16 ${COLUMN_WIDTH} ${height}`)
      .attr("data-width", COLUMN_WIDTH)
      .attr("data-height", height)
      .attr("role", "img")
      .attr("aria-label", `Glyphs of “${glyphs.text}”`);
    drawGlyphs(svg.append("g") as unknown as G, glyphs, COLUMN_WIDTH, new Set(), { onToken: (t) => this.events.onToken(glyphs, t) });
    figure.append(caption, svg.node() as SVGSVGElement);
    return figure;
  }
}
