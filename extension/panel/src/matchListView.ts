/**
 * Pattern search in the panel (issue 14, after LSTMVis): "Find similar" on the span of tokens selected
 * in the sentence view, then a list of the corpus spans where the same units are on, each with its
 * text in context, score, part-of-speech tags or predicted class, and its tokens' glyphs.
 */
import { create } from "d3-selection";
import type { G } from "./svg";
import { drawGlyphs, glyphColumnHeight } from "./glyphView";
import { glyphsInOrder } from "./fromProtocol";
import { provenanceLine } from "./provenance";
import type { MatchView } from "../../src/protocol/messages";
import type { SentenceGlyphs } from "./viewModel";

const GLYPH_WIDTH = 150;
const GLYPH_SCALE = 0.55; // the match's rows drawn smaller than the sentence view's

/** The selected span of the shown sentence: tokens first..stop-1 of `glyphs`. */
export interface TokenSpanSelection {
  glyphs: SentenceGlyphs;
  first: number;
  stop: number;
}

export interface MatchEntry {
  rank: number;
  document: number;
  text: string;
  before: string;
  after: string;
  score: number;
  shared: number;
  pos: string[] | null;
  label: string | null;
  /** The glyphs of the match's line (before + text + after); the match is tokens first..stop-1. */
  context: SentenceGlyphs;
  first: number;
  stop: number;
}

export interface MatchResult {
  model: string;
  tokens: string[];
  threshold: number;
  units: number;
  corpus: string;
  searchedTokens: number;
  searchedDocuments: number;
  patterns: { kind: string; pattern: string; matches: number }[];
  matches: MatchEntry[];
  provenance: string;
}

/** The server's answer with every match's glyph columns in the chips' display order. */
export function toMatchResult(message: MatchView, order: number[] | null): MatchResult {
  return {
    model: message.model,
    tokens: message.tokens,
    threshold: message.threshold,
    units: message.units.shape[0] ?? 0,
    corpus: message.corpus,
    searchedTokens: message.searched_tokens,
    searchedDocuments: message.searched_documents,
    patterns: message.shared_patterns.map((p) => ({ kind: p.kind, pattern: p.pattern, matches: p.matches })),
    matches: message.matches.map((m) => ({
      rank: m.rank,
      document: m.document,
      text: m.text,
      before: m.before,
      after: m.after,
      score: m.score,
      shared: m.shared,
      pos: m.pos,
      label: m.label,
      context: glyphsInOrder(m.glyphs, order),
      first: m.first,
      stop: m.stop,
    })),
    provenance: provenanceLine(message.provenance),
  };
}

/** Tokens first..stop-1 of `g` as glyphs of their own (rows only; offsets stay those of g's text). */
export function sliceGlyphs(g: SentenceGlyphs, first: number, stop: number): SentenceGlyphs {
  const rows = (a: Float32Array) => a.slice(first * g.k, stop * g.k);
  return {
    ...g,
    tokens: g.tokens.slice(first, stop),
    positive: rows(g.positive),
    negative: rows(g.negative),
    deltaPositive: rows(g.deltaPositive),
    deltaNegative: rows(g.deltaNegative),
    kept: rows(g.kept),
    update: rows(g.update),
    outputs: g.outputs?.slice(first, stop),
    responses: g.responses && g.units ? g.responses.slice(first * g.units, stop * g.units) : undefined,
  };
}

export interface MatchListEvents {
  onFind(): void;
  /** A match was clicked: show its line in the sentence view with the match selected. */
  onMatch(match: MatchEntry): void;
}

export class MatchList {
  readonly element = document.createElement("section");
  private readonly button = document.createElement("button");
  private readonly hint = document.createElement("span");
  private readonly body = document.createElement("div");

  constructor(private readonly events: MatchListEvents) {
    this.element.className = "match-list";
    this.element.setAttribute("aria-label", "Similar memory patterns");
    this.button.type = "button";
    this.button.className = "find-similar";
    this.button.textContent = "Find similar";
    this.button.disabled = true;
    this.button.addEventListener("click", () => this.events.onFind());
    this.hint.className = "match-hint";
    this.body.className = "match-body";
    this.body.setAttribute("aria-live", "polite");
    const header = document.createElement("div");
    header.className = "match-header";
    const title = document.createElement("span");
    title.className = "view-title";
    title.textContent = "Similar memory patterns";
    header.append(title, this.button, this.hint);
    this.element.append(header, this.body);
    this.setSpan(null);
  }

  /** The span "Find similar" would search for (null: nothing selected). */
  setSpan(span: TokenSpanSelection | null): void {
    this.button.disabled = span === null;
    if (span === null) {
      this.hint.textContent = "select a span in the sentence: click its first token, shift-click its last (or drag)";
      this.button.title = this.hint.textContent;
      return;
    }
    const words = span.glyphs.tokens.slice(span.first, span.stop).map((t) => t.text).join(" ");
    this.hint.textContent = `“${words}”`;
    this.button.title = `Find the places in the corpus where the units on over “${words}” are on`;
  }

  setBusy(message: string): void {
    this.element.dataset.state = "busy";
    this.body.replaceChildren(paragraph("match-status", message));
  }

  setError(message: string): void {
    this.element.dataset.state = "error";
    this.body.replaceChildren(paragraph("match-status error", message));
  }

  show(result: MatchResult): void {
    this.element.dataset.state = "done";
    const summary = paragraph(
      "match-summary",
      `${result.matches.length} matches for “${result.tokens.join(" ")}”: ${result.units} units of ${result.model} above ${result.threshold}; ` +
        `searched ${result.searchedTokens.toLocaleString("en")} tokens in ${result.searchedDocuments.toLocaleString("en")} documents of ${result.corpus}`,
    );
    summary.title = result.provenance;
    const patterns = document.createElement("p");
    patterns.className = "match-patterns";
    if (result.patterns.length) {
      patterns.append("Shared: ");
      for (const p of result.patterns) {
        const chip = document.createElement("span");
        chip.className = `match-pattern ${p.kind}`;
        chip.textContent = `${p.pattern} ×${p.matches}`;
        chip.title = p.kind === "pos" ? `part-of-speech sequence of ${p.matches} matches (Brown tags)` : `predicted class at ${p.matches} matches' last token`;
        patterns.append(chip);
      }
    }
    const list = document.createElement("ol");
    list.className = "matches";
    list.replaceChildren(...result.matches.map((m) => this.item(m)));
    this.body.replaceChildren(summary, patterns, list);
  }

  private item(match: MatchEntry): HTMLElement {
    const item = document.createElement("li");
    item.className = "match";
    item.dataset.rank = String(match.rank);
    item.tabIndex = 0;
    item.setAttribute("role", "button");
    item.setAttribute("aria-label", `Match ${match.rank}: “${match.text}”, score ${match.score.toFixed(2)}; show it in the sentence view`);
    const open = () => this.events.onMatch(match);
    item.addEventListener("click", open);
    item.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        open();
      }
    });
    const line = document.createElement("div");
    line.className = "match-text";
    const hit = document.createElement("mark");
    hit.textContent = match.text;
    line.append(tail(match.before, true), hit, tail(match.after, false));
    const facts = document.createElement("div");
    facts.className = "match-facts";
    const tags = match.pos ? match.pos.join(" ") : "";
    facts.textContent = [`score ${match.score.toFixed(2)}`, `${match.shared} units`, tags && `POS ${tags}`, match.label && `→ ${match.label}`]
      .filter(Boolean)
      .join(" · ");
    const glyphs = sliceGlyphs(match.context, match.first, match.stop);
    const height = glyphColumnHeight(glyphs);
    const svg = create("svg")
      .attr("class", "match-glyphs")
      .attr("xmlns", "http://www.w3.org/2000/svg")
      .attr("viewBox", `0 0 ${GLYPH_WIDTH} ${height}`)
      .attr("width", Math.round(GLYPH_WIDTH * GLYPH_SCALE))
      .attr("height", Math.round(height * GLYPH_SCALE))
      .attr("role", "img")
      .attr("aria-label", `Glyphs of “${match.text}”`);
    drawGlyphs(svg.append("g") as unknown as G, glyphs, GLYPH_WIDTH, new Set(), { onToken: () => undefined } /* the click reaches the item */);
    const words = document.createElement("div");
    words.className = "match-words";
    words.append(line, facts);
    item.append(svg.node() as SVGSVGElement, words);
    return item;
  }
}

function paragraph(className: string, text: string): HTMLParagraphElement {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  return p;
}

/** The context either side of a match, cut to a few words. */
function tail(text: string, before: boolean): HTMLElement {
  const span = document.createElement("span");
  span.className = "match-context";
  const cut = 40;
  span.textContent = text.length <= cut ? text : before ? `…${text.slice(-cut)}` : `${text.slice(0, cut)}…`;
  return span;
}
