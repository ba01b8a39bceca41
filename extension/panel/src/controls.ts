/**
 * The control bar: model, layer, state kind, number of clusters, words shown, link filter,
 * part-of-speech colouring, a model to compare with, and export buttons. Plain labelled form
 * elements, so keyboard and screen readers work without extra code.
 */
import type { ClusterInsight, Controls, ModelInfo } from "./viewModel";

export interface ControlEvents {
  /** A control that needs new data from the server changed (model, layer, state, k). */
  onQuery(): void;
  /** A control that only changes the drawing changed (words shown, POS colours). */
  onRedraw(): void;
  /** The link filter's range or the links' width changed. */
  onLinkFilter(): void;
  /** The colour clip changed: recolour, no new data. */
  onColourClip(): void;
  /** Keep the shown sentence's glyphs, side by side with other kept sentences. */
  onPin(): void;
  onCompare(): void;
  onExport(format: "svg" | "png"): void;
  onSentence(text: string): void;
  /** Chips coloured by response or by effect at the selected token. */
  onChipColour(): void;
  /** The effects' replacement (zero or the expected state) changed: ask for the effects again. */
  onAblation(): void;
}

function field(label: string, control: HTMLElement, id: string): HTMLLabelElement {
  const wrapper = document.createElement("label");
  wrapper.className = "control";
  wrapper.htmlFor = id;
  control.id = id;
  const caption = document.createElement("span");
  caption.textContent = label;
  wrapper.append(caption, control);
  return wrapper;
}

function select(options: [string, string][], value: string): HTMLSelectElement {
  const element = document.createElement("select");
  for (const [v, text] of options) element.append(new Option(text, v, false, v === value));
  element.value = value;
  return element;
}

function number(value: number, min: number, max: number, step = 1): HTMLInputElement {
  const element = document.createElement("input");
  element.type = "number";
  Object.assign(element, { min: String(min), max: String(max), step: String(step) });
  element.value = String(value);
  return element;
}

/** A slider whose aria-valuetext says what its value means. */
function range(value: number, min: number, max: number, step: number, describe: (v: number) => string, onInput: (v: number) => void): HTMLInputElement {
  const element = document.createElement("input");
  Object.assign(element, { type: "range", min: String(min), max: String(max), step: String(step) });
  element.value = String(value);
  element.setAttribute("aria-valuetext", describe(value));
  element.addEventListener("input", () => {
    const v = Number(element.value);
    element.setAttribute("aria-valuetext", describe(v));
    onInput(v);
  });
  return element;
}

export class ControlBar {
  readonly element = document.createElement("form");
  private models: ModelInfo[] = [];
  /** The stability of the shown clusters per k, next to the k control (kept across renders). */
  private readonly stability = document.createElement("div");

  constructor(private readonly controls: Controls, private readonly events: ControlEvents) {
    this.element.className = "controls";
    this.element.setAttribute("aria-label", "View controls");
    this.element.addEventListener("submit", (event) => event.preventDefault());
  }

  /** Stability scores for k and its neighbours: the current k's score, the suggested k marked; each k a button. */
  setStability(stability: ClusterInsight["stability"] | null): void {
    this.stabilityScores = stability;
    this.drawStability();
  }

  private stabilityScores: ClusterInsight["stability"] | null = null;

  private drawStability(): void {
    const stability = this.stabilityScores;
    const k = this.controls.k;
    this.stability.className = "control stability";
    this.stability.id = "control-stability";
    this.stability.replaceChildren();
    if (!stability) return;
    const current = stability.k.indexOf(k);
    const caption = document.createElement("span");
    caption.textContent = current >= 0 ? `stability ${stability.score[current].toFixed(2)}` : "stability";
    caption.title = `Mean adjusted Rand index between ${stability.runs} co-clusterings of bootstrap samples of the words (0 = chance agreement, 1 = the same clusters every run). High says the clusters are reproducible, not that they are meaningful.`;
    this.stability.append(caption);
    stability.k.forEach((value, i) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `stability-k${value === k ? " current" : ""}${value === stability.suggestedK ? " suggested" : ""}`;
      button.dataset.k = String(value);
      button.textContent = `${value}: ${stability.score[i].toFixed(2)}`;
      button.title = `k = ${value}: stability ${stability.score[i].toFixed(3)}${value === stability.suggestedK ? " (suggested: the most stable k)" : ""}`;
      button.addEventListener("click", () => {
        if (value === this.controls.k) return;
        this.controls.k = value;
        this.render();
        this.events.onQuery();
      });
      this.stability.append(button);
    });
  }

  setModels(models: ModelInfo[]): void {
    this.models = models;
    this.render();
  }

  render(): void {
    const c = this.controls;
    const model = this.models.find((m) => m.name === c.model);
    const layers = model?.layers ?? Math.max(1, c.layer);
    const states = model?.states ?? [c.state];
    this.element.replaceChildren();

    const modelSelect = select(this.models.map((m) => [m.name, m.error ? `${m.name} (cannot load)` : m.name]), c.model);
    modelSelect.addEventListener("change", () => {
      c.model = modelSelect.value;
      const info = this.models.find((m) => m.name === c.model);
      c.layer = info?.layers ?? 1;
      c.state = info?.defaultState ?? info?.states[0] ?? "h";
      this.render();
      this.events.onQuery();
    });
    const layerSelect = select([...Array(layers).keys()].map((i) => [String(i + 1), `layer ${i + 1}`]), String(c.layer));
    layerSelect.addEventListener("change", () => ((c.layer = Number(layerSelect.value)), this.events.onQuery()));
    const stateSelect = select(states.map((s) => [s, s === "c" ? "c (cell)" : s === "h" ? "h (hidden)" : s]), c.state);
    stateSelect.addEventListener("change", () => ((c.state = stateSelect.value), this.events.onQuery()));
    const k = number(c.k, 2, 40);
    k.addEventListener("change", () => {
      const value = Math.round(Number(k.value));
      if (value >= 2 && value <= 40) ((c.k = value), this.events.onQuery());
    });
    const words = number(c.wordsShown, 3, 60);
    words.addEventListener("change", () => {
      const value = Math.round(Number(words.value));
      if (value >= 1) ((c.wordsShown = value), this.events.onRedraw());
    });
    // The link filter is a range: links from min to max of the strongest (min > max keeps none).
    const filter = range(c.linkFilter, 0, 1, 0.05, (v) => `links at least ${Math.round(v * 100)}% of the strongest`, (v) => {
      c.linkFilter = v;
      this.events.onLinkFilter();
    });
    const filterMax = range(c.linkFilterMax, 0, 1, 0.05, (v) => `links at most ${Math.round(v * 100)}% of the strongest`, (v) => {
      c.linkFilterMax = v;
      this.events.onLinkFilter();
    });
    const filterRange = document.createElement("span");
    filterRange.className = "range-pair";
    filterRange.append(filter, filterMax);
    filterMax.id = "control-links-max";
    filterMax.title = "Hide links stronger than this share of the strongest";
    filter.title = "Hide links weaker than this share of the strongest";
    filter.setAttribute("aria-label", "Link filter: weakest link shown");
    filterMax.setAttribute("aria-label", "Link filter: strongest link shown");
    const linkWidth = range(c.linkWidth, 1, 16, 0.25, (v) => `strongest link ${v} px wide`, (v) => {
      c.linkWidth = v;
      this.events.onLinkFilter();
    });
    linkWidth.title = "Stroke width of the strongest link (chip-cloud and token-chip links)";
    const clip = range(c.colourClip, 0.5, 1, 0.01, (v) => `full colour from the ${Math.round(v * 100)}th percentile of the responses`, (v) => {
      c.colourClip = v;
      this.events.onColourClip();
    });
    clip.title = "Colour clip: the share of the selected responses' magnitudes below full colour (lower = more cells saturated; 1 = only the largest)";
    const pin = document.createElement("button");
    pin.type = "button";
    pin.id = "control-pin";
    pin.textContent = "Keep side by side";
    pin.title = "Keep the shown sentence's glyphs below, side by side with other kept sentences";
    pin.addEventListener("click", () => this.events.onPin());
    const pos = document.createElement("input");
    pos.type = "checkbox";
    pos.checked = c.posColours;
    // The tag is the word's majority tag in the Brown corpus, not a tag of the word in this text.
    pos.title = "Colour words by their majority part-of-speech tag in the Brown corpus (words Brown does not have stay uncoloured)";
    pos.addEventListener("change", () => ((c.posColours = pos.checked), this.events.onRedraw()));
    // The current model is offered too: comparing a model with itself is a useful sanity check.
    const compare = select([["", "—"], ...this.models.map((m): [string, string] => [m.name, m.name])], c.compareWith);
    compare.addEventListener("change", () => ((c.compareWith = compare.value), this.events.onCompare()));

    const sentence = document.createElement("input");
    sentence.type = "text";
    sentence.placeholder = "type a sentence, Enter shows its glyphs";
    sentence.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && sentence.value.trim()) (event.preventDefault(), this.events.onSentence(sentence.value));
    });

    const chipColour = select([["response", "response"], ["effect", "effect at the token"]], c.chipColour);
    chipColour.title = "Colour the chips by the selected word's or token's response, or by what replacing each chip's state at the selected token does to the output (ablation)";
    chipColour.addEventListener("change", () => ((c.chipColour = chipColour.value === "effect" ? "effect" : "response"), this.events.onChipColour()));

    const ablation = select([["zero", "zero"], ["mean", "expected state"]], c.ablation);
    ablation.title = "What a chip's state is replaced by to measure its effect: zero, or the layer's expected state (its mean over the statistics' corpus, closer to what the model has seen)";
    ablation.addEventListener("change", () => ((c.ablation = ablation.value === "mean" ? "mean" : "zero"), this.events.onAblation()));

    const exportSvg = document.createElement("button");
    exportSvg.type = "button";
    exportSvg.textContent = "SVG";
    exportSvg.title = "Export the current view as SVG";
    exportSvg.addEventListener("click", () => this.events.onExport("svg"));
    const exportPng = document.createElement("button");
    exportPng.type = "button";
    exportPng.textContent = "PNG";
    exportPng.title = "Export the current view as PNG";
    exportPng.addEventListener("click", () => this.events.onExport("png"));

    this.element.append(
      field("Model", modelSelect, "control-model"),
      field("Layer", layerSelect, "control-layer"),
      field("State", stateSelect, "control-state"),
      field("Clusters", k, "control-k"),
      this.stability,
      field("Words shown", words, "control-words"),
      field("Link filter", filterRange, "control-links-range"),
      field("Link width", linkWidth, "control-link-width"),
      field("Colour clip", clip, "control-clip"),
      field("Brown POS colours", pos, "control-pos"),
      field("Colour chips by", chipColour, "control-chip-colour"),
      field("Ablate to", ablation, "control-ablation"),
      field("Compare with", compare, "control-compare"),
      field("Sentence", sentence, "control-sentence"),
      pin,
    );
    filter.id = "control-links";
    this.drawStability();
    const exports = document.createElement("div");
    exports.className = "control exports";
    exports.append(exportSvg, exportPng);
    this.element.append(exports);
  }
}
