/**
 * The panel: wires the stream (or a snapshot), the controls and the views together, keeps
 * the user's choices across hide/show, and turns clicks into requests and recolourings.
 */
import { drawAttribution } from "./attributionView";
import { robustScale } from "./colors";
import { CompareView } from "./compareView";
import { clearCloudLayouts } from "./cloudView";
import { ControlBar } from "./controls";
import { drawUnitDetail, drawWordProfile } from "./detailView";
import type { ProfileSeries } from "./detailView";
import { composeSvg, svgToPng } from "./exportView";
import { drawExpectedActual } from "./expectedActualView";
import type { ExpectedActual } from "./expectedActualView";
import {
  toClusterInsight,
  toComparison,
  toCoclusterView,
  toModelInfo,
  toSentenceGlyphs,
  toTokenAttribution,
  toTokenEffects,
  toUnitDetail,
  toWordDetail,
} from "./fromProtocol";
import type { Host } from "./host";
import { snapshotFrames } from "./host";
import { MainView } from "./mainView";
import { MatchList, toMatchResult } from "./matchListView";
import type { MatchEntry, TokenSpanSelection } from "./matchListView";
import { provenanceLine } from "./provenance";
import { SentenceStrip } from "./sentenceStrip";
import { listenForSpanDrag } from "./spanDrag";
import { RequestError, StreamClient } from "./streamClient";
import type { CursorState, GlyphView, ServerMessage, ToWebviewShowMatches, ToWebviewShowSentence, ToWebviewShowUnit, ToWebviewShowView } from "../../src/protocol/messages";
import { DEFAULT_CONTROLS } from "./viewModel";
import type {
  ClusterInsight,
  CoclusterView,
  ComparisonView,
  Controls,
  ModelInfo,
  SentenceGlyphs,
  TokenAttribution,
  TokenEffects,
  UnitDetail,
  WordDetail,
} from "./viewModel";

const MAX_SELECTED = 3;

/** The key a token's word is asked for and kept under (the statistics' words are lower case). */
function wordKey(text: string): string {
  return text.trim().toLowerCase();
}
const N_WORDS = 300;

interface SavedState {
  controls: Controls;
  selectedWords: string[];
  sentence: string | null;
}

export class PanelApp {
  readonly root: HTMLElement;
  private readonly controls: Controls;
  private readonly bar: ControlBar;
  private readonly status = document.createElement("div");
  /** Where the shown clusters' statistics came from (the server's provenance), for the status line. */
  private statisticsLine = "";
  private readonly mainContainer = document.createElement("section");
  private readonly detailContainer = document.createElement("section");
  private readonly stream: StreamClient;
  private readonly mainView: MainView;
  private readonly compareView: CompareView;
  private models: ModelInfo[] = [];
  private view: CoclusterView | null = null;
  private glyphs: SentenceGlyphs | null = null;
  private comparison: ComparisonView | null = null;
  private unitDetail: UnitDetail | null = null;
  private selectedWords: string[] = [];
  private selectedTokens = new Set<number>();
  private sentence: string | null = null;
  /** Word details (expected response, percentiles) of the view's model, layer and state; null: the model lacks the word. */
  private wordDetails = new Map<string, WordDetail | null>();
  /** Several sentences side by side, with zoom. */
  private readonly strip: SentenceStrip;
  /** Pattern search on the selected span (issue 14). */
  private readonly matchList: MatchList;
  private matchSerial = 0;
  /** An editor selection to search once its sentence's glyphs are shown. */
  private matchesAfterGlyphs: ToWebviewShowMatches | null = null;
  private querySerial = 0;
  /** A unit the extension asked for before the server's hello. */
  private unitAfterHello: ToWebviewShowUnit | null = null;
  /** Stability and chip output labels of the shown clusters (issue 13), when they have arrived. */
  private insight: ClusterInsight | null = null;
  /** Ablation effects and input attribution at the selected token. */
  private effects: TokenEffects | null = null;
  private attribution: TokenAttribution | null = null;
  private causalSerial = 0;
  /** Timestamps of the last render, read by tests and the benchmark. */
  readonly timings = { arrival: 0, painted: 0, recoloured: 0 };

  constructor(root: HTMLElement, private readonly host: Host) {
    this.root = root;
    const saved = host.loadState<SavedState>();
    this.controls = { ...DEFAULT_CONTROLS, ...(saved?.controls ?? {}) };
    this.selectedWords = saved?.selectedWords ?? [];
    this.sentence = saved?.sentence ?? null;
    const handlers = {
      onWord: (word: string, additive: boolean) => this.selectWord(word, additive),
      onToken: (index: number, additive: boolean) => this.selectToken(index, additive),
      onUnit: (unit: number) => void this.showUnit(unit),
    };
    this.mainView = new MainView(handlers, "Memory chips, word clouds and links");
    this.compareView = new CompareView(handlers);
    this.bar = new ControlBar(this.controls, {
      // While comparing, a new layer, state or k compares again (choose "—" to leave comparison).
      onQuery: () => void (this.controls.compareWith ? this.compare() : this.query()),
      onRedraw: () => this.paint(),
      onLinkFilter: () => {
        this.mainView.updateLinks(this.controls);
        this.compareView.left.updateLinks(this.controls);
        this.compareView.right.updateLinks(this.controls);
        this.save();
      },
      onColourClip: () => (this.save(), this.recolour()),
      onPin: () => this.glyphs && !this.comparison && this.strip.keep(this.glyphs),
      onCompare: () => void this.compare(),
      onExport: (format) => void this.exportView(format),
      onSentence: (text) => void this.loadSentence(text, null, 0),
      onChipColour: () => {
        this.save();
        this.recolour();
        this.paintDetails();
      },
      onAblation: () => {
        this.save();
        this.effects = null;
        this.recolour();
        this.fetchCausal();
      },
    });
    this.stream = new StreamClient({
      onMessage: (message) => this.onPush(message),
      onStatus: (status, detail) => this.setStatus(status === "open" ? "connected" : `${status}${detail ? `: ${detail}` : ""}`, status === "closed"),
    });
    this.status.className = "status";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.mainContainer.className = "main";
    this.mainContainer.setAttribute("aria-label", "Hidden memory view");
    this.detailContainer.className = "details";
    this.detailContainer.setAttribute("aria-label", "Details");
    this.strip = new SentenceStrip({
      onToken: (glyphs, token) => this.showKeptToken(glyphs, token),
      onChange: () => this.save(),
    });
    this.matchList = new MatchList({ onFind: () => void this.findSimilar(), onMatch: (match) => this.showMatch(match) });
    root.append(this.bar.element, this.status, this.mainContainer, this.strip.element, this.matchList.element, this.detailContainer);
    listenForSpanDrag(this.mainContainer, (first, last) => this.selectSpan(first, last));
    new ResizeObserver(() => this.onResize()).observe(this.mainContainer);
  }

  start(): void {
    this.host.listen({
      onCursor: (cursor) => this.followCursor(cursor),
      onCompare: (a, b) => {
        this.controls.model = a;
        this.controls.compareWith = b;
        // Before the server's hello the request would fail; hello starts the comparison then.
        if (this.models.length > 0) void this.compare();
      },
      onShow: (message) => this.show(message),
    });
    if (this.host.kind === "snapshot") {
      for (const frame of snapshotFrames()) this.stream.receive(frame);
      const statistics = this.statisticsLine ? ` · ${this.statisticsLine}` : "";
      this.setStatus(`snapshot: words and tokens can be clicked; other controls need a running server${statistics}`, false);
      return;
    }
    const transport = this.host.transport();
    if (transport) this.stream.attach(transport);
    else this.setStatus("no token in the page URL: open the link that `rnnlens serve` prints", true);
  }

  /** What a palette command computed, or the model the language server now uses (host.ts onShow). */
  private show(message: ToWebviewShowView | ToWebviewShowUnit | ToWebviewShowSentence | ToWebviewShowMatches): void {
    switch (message.type) {
      case "show_view": {
        const c = this.controls;
        const newModel = message.model !== null && message.model !== c.model;
        // null keeps the panel's choice; another model starts from its own default layer and state.
        const next = {
          model: message.model ?? c.model,
          layer: message.layer ?? (newModel ? 0 : c.layer),
          state: message.state ?? (newModel ? "" : c.state),
          k: message.k ?? c.k,
        };
        const same = next.model === c.model && next.layer === c.layer && next.state === c.state && next.k === c.k && !c.compareWith;
        Object.assign(c, next);
        c.compareWith = "";
        this.save();
        // Before the server's hello there are no models: hello draws the view with these controls.
        if (this.models.length === 0 || (same && this.view)) return;
        this.fillModelDefaults();
        this.bar.render();
        void this.query();
        break;
      }
      case "show_unit":
        // Before the server's hello a request would fail as offline: hello asks for it then.
        if (this.models.length === 0) this.unitAfterHello = message;
        else void this.showUnit(message.unit, message);
        break;
      case "show_sentence":
        this.followCursor(message.cursor);
        break;
      case "show_matches":
        // The editor's "Find similar memory patterns": the same search, listed with glyphs here.
        this.matchesAfterGlyphs = message;
        if (!this.comparison && this.glyphs?.text === message.cursor.sentence) this.findEditorSelection();
        else void this.loadSentence(message.cursor.sentence, message.cursor.uri, message.cursor.sentence_start);
        break;
    }
  }

  /** Drop cached cloud layouts, so the next paint lays out like new data would. */
  forgetLayouts(): void {
    clearCloudLayouts();
  }

  /** Feed one encoded server message as if it had just arrived (snapshots, tests, the benchmark). */
  receiveFrame(bytes: Uint8Array): void {
    this.stream.receive(bytes);
  }

  /** Messages nobody asked for: hello on connect, cursor moves, and answers replayed by a snapshot. */
  private onPush(message: ServerMessage): void {
    this.timings.arrival = this.stream.lastArrival;
    switch (message.type) {
      case "hello": {
        this.models = message.models.map(toModelInfo);
        const settings = (message.settings ?? {}) as Record<string, unknown>;
        if (!this.models.some((m) => m.name === this.controls.model)) {
          const wanted = typeof settings.model === "string" ? settings.model : "";
          this.controls.model = this.models.find((m) => m.name === wanted)?.name ?? this.models.find((m) => !m.error)?.name ?? "";
          this.controls.layer = 0;
          this.controls.state = "";
          if (typeof settings.clusters === "number") this.controls.k = settings.clusters;
        }
        this.fillModelDefaults();
        this.bar.setModels(this.models);
        if (message.cursor) this.sentence = message.cursor.sentence || this.sentence;
        if (this.host.kind !== "snapshot") void (this.controls.compareWith ? this.compare() : this.query());
        if (this.unitAfterHello) void this.showUnit(this.unitAfterHello.unit, this.unitAfterHello);
        this.unitAfterHello = null;
        break;
      }
      case "cursor":
        // Inside VS Code the extension posts cursor moves directly; the stream's copy would repeat them.
        if (this.host.kind !== "webview") this.followCursor(message.cursor);
        break;
      case "cocluster_view":
        this.statisticsLine = provenanceLine(message.view.provenance);
        this.acceptView(toCoclusterView(message.view));
        break;
      case "glyph_view":
        this.acceptGlyphs(message);
        break;
      case "compare_view":
        this.comparison = toComparison(message);
        this.paint();
        break;
      case "unit_detail":
        this.unitDetail = toUnitDetail(message);
        this.paintDetails();
        break;
      case "word_detail": {
        const detail = toWordDetail(message);
        this.wordDetails.set(detail.word, detail);
        this.paintDetails();
        break;
      }
      // Answers replayed without a request (a snapshot, a test): shown when they fit what is on screen.
      case "cluster_insight_view":
        if (this.view) {
          this.insight = toClusterInsight(message, this.view.clusterIds);
          this.bar.setStability(this.shownInsight()?.stability ?? null);
          this.mainView.setChipOutputs(this.shownInsight()?.outputs ?? null);
        }
        break;
      case "effects_view":
        if (this.view) {
          this.effects = toTokenEffects(message, this.view.clusterIds);
          this.recolour();
          this.paintDetails();
        }
        break;
      case "attribution_view":
        this.attribution = toTokenAttribution(message);
        this.paintDetails();
        break;
      case "match_view":
        this.matchList.show(toMatchResult(message, this.matchOrder(message.layer, message.state, message.k)));
        break;
      case "error":
        this.setStatus(message.message, true);
        break;
      default:
        break;
    }
  }

  private fillModelDefaults(): void {
    const info = this.models.find((m) => m.name === this.controls.model);
    if (!info) return;
    if (this.controls.layer < 1 || this.controls.layer > info.layers) this.controls.layer = info.layers;
    if (!info.states.includes(this.controls.state)) this.controls.state = info.defaultState ?? info.states[0] ?? "h";
  }

  private async query(): Promise<void> {
    if (!this.controls.model) return;
    this.fillModelDefaults();
    this.controls.compareWith = "";
    this.comparison = null;
    this.save();
    const serial = ++this.querySerial;
    // A newer view replaces an older one: the server stops working on what is no longer wanted.
    this.stream.cancelAll();
    const c = this.controls;
    this.setStatus(`co-clustering ${c.model} layer ${c.layer} ${c.state}, k = ${c.k}…`, false);
    try {
      const answer = await this.stream.request(
        { type: "cocluster_request", model: c.model, layer: c.layer, state: c.state, k: c.k, n_words: N_WORDS },
        (fraction, text) => serial === this.querySerial && this.setStatus(`${Math.round(fraction * 100)}% ${text}`, false),
      );
      if (serial !== this.querySerial || answer.type !== "cocluster_view") return;
      this.timings.arrival = this.stream.lastArrival;
      this.acceptView(toCoclusterView(answer.view));
      this.statisticsLine = provenanceLine(answer.view.provenance);
      const statistics = this.statisticsLine ? ` · ${this.statisticsLine}` : "";
      this.setStatus(`${c.model}: ${answer.view.hidden_size} units, ${answer.view.words.length} words, ${c.k} clusters${statistics}`, false);
      void this.fetchInsight(serial);
      void this.refreshKept(this.view);
      if (this.sentence) await this.loadSentence(this.sentence, this.glyphs?.uri ?? null, this.glyphs?.documentOffset ?? 0);
    } catch (error) {
      if (serial === this.querySerial) this.reportError(error);
    }
  }

  /** Stability and chip labels take seconds (ablation over a corpus sample): asked for after the view is drawn. */
  private async fetchInsight(serial: number): Promise<void> {
    const view = this.view;
    if (!view) return;
    try {
      const answer = await this.stream.request({ type: "cluster_insight_request", model: view.model, layer: view.layer, state: view.state, k: view.k, n_words: N_WORDS });
      if (serial !== this.querySerial || answer.type !== "cluster_insight_view" || this.view !== view) return;
      this.insight = toClusterInsight(answer, view.clusterIds);
      this.bar.setStability(this.insight.stability);
      this.mainView.setChipOutputs(this.insight.outputs);
      if (answer.notes.length) this.setStatus(answer.notes.join(" "), true);
    } catch (error) {
      if (serial === this.querySerial) this.reportError(error);
    }
  }

  /** The insight of the view on screen, if it has arrived. */
  private shownInsight(): ClusterInsight | null {
    const view = this.view;
    const insight = this.insight;
    if (!view || !insight) return null;
    const same = insight.model === view.model && insight.layer === view.layer && insight.state === view.state && insight.k === view.k;
    return same ? insight : null;
  }

  private acceptView(view: CoclusterView): void {
    this.view = view;
    const old = this.view;
    // Word details belong to one model, layer and state.
    if (!old || old.model !== view.model || old.layer !== view.layer || old.state !== view.state) this.wordDetails.clear();
    this.selectedWords = this.selectedWords.filter((w) => view.responses?.has(w) || this.wordDetails.get(w));
    if (this.glyphs && this.glyphs.k !== view.k) this.glyphs = null;
    this.schedulePaint();
  }

  private acceptGlyphs(message: GlyphView): void {
    this.glyphs = toSentenceGlyphs(message, this.view?.clusterIds ?? null);
    this.selectedTokens = new Set();
    this.schedulePaint();
    if (this.matchesAfterGlyphs?.cursor.sentence === this.glyphs.text) this.findEditorSelection();
  }

  /** Select the editor selection's tokens in the shown sentence and search for their pattern. */
  private findEditorSelection(): void {
    const wanted = this.matchesAfterGlyphs;
    const glyphs = this.glyphs;
    this.matchesAfterGlyphs = null;
    if (!wanted || !glyphs) return;
    const chosen = glyphs.tokens.flatMap((t, i) => (t.start < wanted.end && t.end > wanted.start ? [i] : []));
    if (chosen.length === 0) return this.matchList.setError("the editor's selection holds no token of the model");
    this.selectedTokens = new Set([chosen[0], chosen[chosen.length - 1]]);
    this.selectedWords = [];
    this.schedulePaint();
    void this.findSimilar();
  }

  private async loadSentence(text: string, uri: string | null, sentenceStart: number): Promise<void> {
    this.sentence = text;
    this.save();
    const c = this.controls;
    if (this.comparison) return this.loadComparedSentence(text, uri, sentenceStart);
    if (!c.model || !this.view) return;
    try {
      const answer = await this.stream.request({ type: "glyph_request", model: c.model, text, layer: c.layer, state: c.state, k: c.k });
      if (answer.type !== "glyph_view" || answer.glyphs.text !== this.sentence) return;
      // A text the extension relayed from the editor maps back to the document for reveal.
      this.acceptGlyphs({ ...answer, uri: answer.uri ?? uri, sentence_start: answer.sentence_start ?? sentenceStart });
    } catch (error) {
      this.reportError(error);
    }
  }

  /** The glyphs on screen: the sentence's, or in comparison model A's (B's share its tokens). */
  private shownGlyphs(): SentenceGlyphs | null {
    return this.comparison ? this.comparison.glyphsA : this.glyphs;
  }

  private markTokens(): void {
    this.matchList.setSpan(this.selectedSpan());
    this.mainView.markTokens(this.selectedTokens);
    this.compareView.left.markTokens(this.selectedTokens);
    this.compareView.right.markTokens(this.selectedTokens);
  }

  private followCursor(cursor: Pick<CursorState, "uri" | "sentence" | "sentence_start" | "offset">): void {
    if (!cursor.sentence.trim()) return;
    const current = this.shownGlyphs();
    if (current && current.text === cursor.sentence && current.uri === cursor.uri) {
      this.markTokenAt(cursor.offset - cursor.sentence_start);
      return;
    }
    void this.loadSentence(cursor.sentence, cursor.uri, cursor.sentence_start).then(() => this.markTokenAt(cursor.offset - cursor.sentence_start));
  }

  private markTokenAt(offset: number): void {
    const glyphs = this.shownGlyphs();
    if (!glyphs) return;
    const index = glyphs.tokens.findIndex((t) => t.start <= offset && offset <= t.end);
    if (index >= 0) {
      this.selectedTokens = new Set([index]);
      this.markTokens();
      this.recolour();
      this.fetchCausal();
    }
  }

  /** The one selected token of the single-model view, with its glyphs (effects and attribution need both). */
  private causalToken(): { glyphs: SentenceGlyphs; token: number } | null {
    if (this.comparison || !this.glyphs || this.selectedTokens.size !== 1) return null;
    return { glyphs: this.glyphs, token: [...this.selectedTokens][0] };
  }

  /** Ask for the chips' ablation effects and the input attribution at the selected token (and its word's expected response). */
  private fetchCausal(): void {
    const selected = this.causalToken();
    const view = this.view;
    // A snapshot has no server to ask: its tokens still colour the chips by their responses.
    if (!selected || !view || this.host.kind === "snapshot") return;
    const word = wordKey(selected.glyphs.tokens[selected.token]?.text ?? "");
    if (word && !this.wordDetails.has(word)) void this.fetchWord(word, true);
    const serial = ++this.causalSerial;
    const { glyphs, token } = selected;
    const c = this.controls;
    this.paintDetailsSoon();
    void this.stream
      .request({ type: "effects_request", model: view.model, text: glyphs.text, token, layer: view.layer, state: view.state, k: view.k, mode: c.ablation })
      .then((answer) => {
        if (serial !== this.causalSerial || answer.type !== "effects_view") return;
        this.effects = toTokenEffects(answer, view.clusterIds);
        this.recolour();
        this.paintDetails();
      })
      .catch((error) => serial === this.causalSerial && this.reportError(error));
    void this.stream
      .request({ type: "attribution_request", model: c.model, text: glyphs.text, token, target: null })
      .then((answer) => {
        if (serial !== this.causalSerial || answer.type !== "attribution_view") return;
        this.attribution = toTokenAttribution(answer);
        this.paintDetails();
      })
      .catch((error) => serial === this.causalSerial && this.reportError(error));
  }

  /** The effects at the selected token for the view on screen, if they have arrived. */
  private shownEffects(): TokenEffects | null {
    const selected = this.causalToken();
    const e = this.effects;
    const view = this.view;
    if (!selected || !e || !view) return null;
    const same = e.text === selected.glyphs.text && e.token === selected.token && e.model === view.model && e.layer === view.layer && e.state === view.state && e.k === view.k;
    return same ? e : null;
  }

  private shownAttribution(): TokenAttribution | null {
    const selected = this.causalToken();
    const a = this.attribution;
    if (!selected || !a) return null;
    return a.text === selected.glyphs.text && a.token === selected.token && a.model === this.controls.model ? a : null;
  }

  /** Both compared models' glyphs of a new sentence, each for the layer and state its side shows. */
  private async loadComparedSentence(text: string, uri: string | null, sentenceStart: number): Promise<void> {
    const comparison = this.comparison;
    if (!comparison) return;
    const k = this.controls.k;
    try {
      const [a, b] = await Promise.all(
        [comparison.a, comparison.b].map((side) => this.stream.request({ type: "glyph_request", model: side.model, text, layer: side.layer, state: side.state, k })),
      );
      if (this.comparison !== comparison || a.type !== "glyph_view" || b.type !== "glyph_view" || a.glyphs.text !== this.sentence) return;
      comparison.glyphsA = toSentenceGlyphs({ ...a, uri: a.uri ?? uri, sentence_start: a.sentence_start ?? sentenceStart }, comparison.a.clusterIds);
      comparison.glyphsB = toSentenceGlyphs({ ...b, uri: b.uri ?? uri, sentence_start: b.sentence_start ?? sentenceStart }, comparison.b.clusterIds);
      this.selectedTokens = new Set();
      this.schedulePaint();
    } catch (error) {
      this.reportError(error);
    }
  }

  private async compare(): Promise<void> {
    const c = this.controls;
    if (!c.compareWith) {
      this.comparison = null;
      return void this.query();
    }
    this.fillModelDefaults();
    this.save();
    this.stream.cancelAll();
    // Both sides use the chosen layer and state kind (a model without that state kind uses its
    // default, and each side's title says which); a layer the partner lacks is an error, not a guess.
    const partner = this.models.find((m) => m.name === c.compareWith);
    if (partner && c.layer > partner.layers) {
      this.setStatus(`${c.compareWith} has ${partner.layers === 1 ? "1 layer" : `layers 1..${partner.layers}`}: choose a layer both models have to compare layer by layer`, true);
      return;
    }
    this.setStatus(`comparing ${c.model} with ${c.compareWith} (layer ${c.layer}, ${c.state})…`, false);
    try {
      const answer = await this.stream.request(
        { type: "compare_request", model_a: c.model, model_b: c.compareWith, text: this.sentence, layer: c.layer, state: c.state, k: c.k },
        (fraction, text) => this.setStatus(`${Math.round(fraction * 100)}% ${text}`, false),
      );
      if (answer.type !== "compare_view") return;
      this.comparison = toComparison(answer);
      this.paint();
      this.setStatus(`${c.model} vs ${c.compareWith}: similarity ${answer.similarity.toFixed(3)}`, false);
    } catch (error) {
      this.reportError(error);
    }
  }

  // ---- selection ---------------------------------------------------------------------------

  private selectWord(word: string, additive: boolean): void {
    if (additive) {
      const i = this.selectedWords.indexOf(word);
      if (i >= 0) this.selectedWords.splice(i, 1);
      else this.selectedWords = [...this.selectedWords, word].slice(-MAX_SELECTED);
    } else {
      this.selectedWords = this.selectedWords.length === 1 && this.selectedWords[0] === word ? [] : [word];
    }
    this.selectedTokens = new Set();
    this.mainView.markTokens(this.selectedTokens);
    this.mainView.markWords(this.selectedWords);
    this.compareView.left.markWords(this.selectedWords);
    this.compareView.right.markWords(this.selectedWords);
    this.recolour();
    this.save();
    this.paintDetailsSoon();
    for (const w of this.selectedWords) if (!this.responseOf(w)) void this.fetchWord(w);
    // One word alone: its percentile bands come with its word detail.
    const [only] = this.selectedWords;
    if (this.selectedWords.length === 1 && this.responseOf(only) && !this.wordDetails.has(only) && this.host.kind !== "snapshot") void this.fetchWord(only, true);
  }

  /** A kept sentence's token clicked: that sentence becomes the shown one, with the token selected. */
  private showKeptToken(glyphs: SentenceGlyphs, token: number): void {
    if (this.comparison || !this.view || glyphs.k !== this.view.k) return;
    this.sentence = glyphs.text;
    this.glyphs = glyphs;
    this.selectedWords = [];
    this.selectedTokens = new Set([token]);
    this.paint();
    this.fetchCausal();
  }

  /** The span from the first to the last selected token of the single-model sentence view. */
  private selectedSpan(): TokenSpanSelection | null {
    if (this.comparison || !this.glyphs || this.selectedTokens.size === 0 || this.host.kind === "snapshot") return null;
    const chosen = [...this.selectedTokens];
    return { glyphs: this.glyphs, first: Math.min(...chosen), stop: Math.max(...chosen) + 1 };
  }

  /** A span dragged across the sentence view: its first and last token selected, as click and shift-click do. */
  private selectSpan(first: number, last: number): void {
    if (this.comparison || !this.glyphs) return;
    this.selectedTokens = new Set([first, last]);
    this.selectedWords = [];
    this.mainView.markWords([]);
    this.markTokens();
    this.recolour();
    this.paintDetailsSoon();
  }

  /** Pattern search: the corpus spans where the units on over the selected span are on. */
  private async findSimilar(): Promise<void> {
    const span = this.selectedSpan();
    const view = this.view;
    if (!span || !view) return;
    const serial = ++this.matchSerial;
    const words = span.glyphs.tokens.slice(span.first, span.stop).map((t) => t.text).join(" ");
    this.matchList.setBusy(`searching the corpus of ${view.model} for the memory pattern of “${words}”…`);
    try {
      // state null: the model's default state, the one the pattern index holds.
      const answer = await this.stream.request({
        type: "match_request", model: view.model, text: span.glyphs.text, first: span.first, stop: span.stop,
        layer: view.layer, state: null, threshold: null, top: 20, k: view.k,
      });
      if (serial !== this.matchSerial || answer.type !== "match_view") return;
      this.matchList.show(toMatchResult(answer, this.matchOrder(answer.layer, answer.state, answer.k)));
    } catch (error) {
      if (serial === this.matchSerial && !(error instanceof RequestError && error.code === "cancelled")) {
        this.matchList.setError(error instanceof Error ? error.message : String(error));
      }
    }
  }

  /** The chips' display order, when the matches' glyphs use the view's clusters. */
  private matchOrder(layer: number, state: string, k: number): number[] | null {
    const view = this.view;
    return view && view.layer === layer && view.state === state && view.k === k ? view.clusterIds : null;
  }

  /** A match clicked: its line becomes the shown sentence, with the match's span selected. */
  private showMatch(match: MatchEntry): void {
    if (this.comparison || !this.view || match.context.k !== this.view.k) return;
    this.sentence = match.context.text;
    this.glyphs = match.context;
    this.selectedWords = [];
    this.selectedTokens = new Set([match.first, match.stop - 1]);
    this.paint();
    this.fetchCausal();
  }

  /** The kept sentences' glyphs again for a new view (their columns follow its chips). */
  private async refreshKept(view: CoclusterView | null): Promise<void> {
    const texts = this.strip.texts;
    if (!view || texts.length === 0) return;
    const answers = await Promise.all(
      texts.map((text) => this.stream.request({ type: "glyph_request", model: view.model, text, layer: view.layer, state: view.state, k: view.k }).catch(() => null)),
    );
    if (this.view !== view) return;
    this.strip.replaceAll(answers.flatMap((a) => (a?.type === "glyph_view" ? [toSentenceGlyphs(a, view.clusterIds)] : [])));
  }

  /**
   * Expected vs actual: one word selected (with its percentile bands once its detail arrived), or
   * one token whose word the statistics know, with the token's actual response overlaid.
   */
  private expectedVsActual(): ExpectedActual | null {
    const view = this.view;
    if (!view) return null;
    if (this.selectedWords.length === 1) {
      const word = this.selectedWords[0];
      const detail = this.wordDetails.get(word);
      const expected = detail?.profile ?? view.responses?.get(word);
      // Without bands the plain profile says the same.
      return expected && detail?.percentiles ? { word, expected, percentiles: detail.percentiles, actual: null } : null;
    }
    const selected = this.causalToken();
    const glyphs = selected?.glyphs;
    if (!selected || !glyphs?.responses || !glyphs.units || this.selectedWords.length) return null;
    const token = glyphs.tokens[selected.token];
    const key = wordKey(token?.text ?? "");
    const detail = this.wordDetails.get(key);
    const expected = detail?.profile ?? view.responses?.get(key);
    if (!expected || !token) return null;
    const units = glyphs.units;
    const actual = glyphs.responses.subarray(selected.token * units, (selected.token + 1) * units);
    return { word: detail?.word ?? key, expected, percentiles: detail?.percentiles ?? null, actual: { token: token.text, response: actual } };
  }

  private selectToken(index: number, additive: boolean): void {
    const glyphs = this.shownGlyphs();
    if (!glyphs) return;
    if (additive) {
      if (this.selectedTokens.has(index)) this.selectedTokens.delete(index);
      else if (this.selectedTokens.size < MAX_SELECTED) this.selectedTokens.add(index);
    } else {
      this.selectedTokens = new Set([index]);
    }
    this.selectedWords = [];
    this.mainView.markWords([]);
    this.compareView.left.markWords([]);
    this.compareView.right.markWords([]);
    this.markTokens();
    this.recolour();
    this.paintDetailsSoon();
    this.fetchCausal();
    const token = glyphs.tokens[index];
    if (glyphs.uri && token) {
      const start = glyphs.documentOffset + token.start;
      const end = glyphs.documentOffset + token.end;
      if (!this.host.reveal(glyphs.uri, start, end)) void this.stream.request({ type: "reveal", uri: glyphs.uri, start, end }).catch(() => undefined);
    }
  }

  /** A word's detail; `quiet`: a word the model lacks is remembered as such, not reported (a token, a band fetch). */
  private async fetchWord(word: string, quiet = false): Promise<void> {
    const c = this.controls;
    try {
      const answer = await this.stream.request({ type: "word_request", model: c.model, word, layer: c.layer, state: c.state, k: c.k });
      if (answer.type === "word_detail") {
        this.wordDetails.set(word, toWordDetail(answer));
        this.recolour();
        this.paintDetails();
      }
    } catch (error) {
      if (!quiet) this.reportError(error);
      else if (!(error instanceof RequestError && error.code === "cancelled")) this.wordDetails.set(word, null);
    }
  }

  private responseOf(word: string): Float32Array | undefined {
    return this.view?.responses?.get(word) ?? this.wordDetails.get(word)?.profile;
  }

  /** The response vectors the cells show: selected words, else selected tokens. */
  private selectedSeries(): { label: string; response: Float32Array }[] {
    const out: { label: string; response: Float32Array }[] = [];
    for (const word of this.selectedWords) {
      const response = this.responseOf(word);
      if (response) out.push({ label: word, response });
    }
    const glyphs = this.shownGlyphs();
    if (out.length === 0 && glyphs?.responses && glyphs.units) {
      for (const t of [...this.selectedTokens].sort((a, b) => a - b)) {
        out.push({ label: glyphs.tokens[t]?.text ?? `#${t}`, response: glyphs.responses.subarray(t * glyphs.units, (t + 1) * glyphs.units) });
      }
    }
    return out;
  }

  private recolour(): void {
    const effects = this.controls.chipColour === "effect" ? this.shownEffects() : null;
    if (effects) {
      // Orange: the chip raises the output here (replacing its state lowers it); blue: the reverse.
      let scale = 1e-9;
      for (const v of effects.contribution) scale = Math.max(scale, Math.abs(v));
      this.mainView.colourByChip(effects.contribution, scale);
      this.mainView.setChipEffects(
        Array.from(effects.contribution, (v, i) => `at “${this.glyphs?.tokens[effects.token]?.text ?? ""}”: ${v >= 0 ? "raises" : "lowers"} ${effects.target} by ${Math.abs(v).toPrecision(3)} (${Math.round(effects.share[i] * 100)} % of the change)`),
        effects.contribution,
      );
      this.timings.recoloured = performance.now();
      this.root.dataset.selected = this.glyphs?.tokens[effects.token]?.text ?? "";
      this.root.dataset.chipColour = "effect";
      return;
    }
    this.mainView.setChipEffects(null, null);
    this.root.dataset.chipColour = "response";
    const series = this.selectedSeries();
    const responses = series.map((s) => s.response);
    let scale = 1;
    if (responses.length) {
      const joined = new Float32Array(responses.reduce((n, r) => n + r.length, 0));
      let offset = 0;
      for (const r of responses) (joined.set(r, offset), (offset += r.length));
      scale = robustScale(joined, this.controls.colourClip);
    }
    this.mainView.recolour(responses, scale);
    const comparison = this.comparison;
    if (comparison) {
      // In comparison each side colours by its own model's response (same word or token, other units).
      const side = (view: CoclusterView, glyphs: SentenceGlyphs | null): Float32Array[] => {
        if (this.selectedWords.length) return this.selectedWords.map((w) => view.responses?.get(w)).filter((r): r is Float32Array => !!r);
        const units = glyphs?.units;
        if (!glyphs?.responses || !units) return [];
        return [...this.selectedTokens].sort((a, b) => a - b).map((t) => glyphs.responses!.subarray(t * units, (t + 1) * units));
      };
      this.compareView.left.recolour(side(comparison.a, comparison.glyphsA), scale);
      this.compareView.right.recolour(side(comparison.b, comparison.glyphsB), scale);
    }
    this.timings.recoloured = performance.now();
    this.root.dataset.selected = series.map((s) => s.label).join(" ");
  }

  /** A unit's top words in the detail view; `of` names another model, layer and state than the controls'. */
  private async showUnit(unit: number, of?: { model: string; layer: number; state: string }): Promise<void> {
    const c = this.controls;
    const model = of?.model ?? (this.comparison ? this.comparison.a.model : c.model);
    try {
      const answer = await this.stream.request({ type: "unit_request", model, layer: of?.layer ?? c.layer, state: of?.state ?? c.state, unit, top: 8, k: c.k });
      if (answer.type === "unit_detail") {
        this.unitDetail = toUnitDetail(answer);
        this.paintDetails();
      }
    } catch (error) {
      this.reportError(error);
    }
  }

  // ---- drawing -----------------------------------------------------------------------------

  private width(): number {
    return Math.max(340, Math.floor(this.mainContainer.clientWidth || this.root.clientWidth || 800));
  }

  private lastWidth = 0;

  private onResize(): void {
    const width = this.width();
    if (Math.abs(width - this.lastWidth) > 24) this.paint();
  }

  private paintQueued = false;

  /** Paint once in the next frame, however many messages arrive before it (view + glyphs). */
  private schedulePaint(): void {
    if (this.paintQueued) return;
    this.paintQueued = true;
    requestAnimationFrame(() => {
      this.paintQueued = false;
      this.paint();
    });
  }

  /** Draw everything from the current data and controls. */
  paint(): void {
    this.paintQueued = false;
    const width = this.width();
    this.lastWidth = width;
    this.save();
    if (this.comparison) {
      this.compareView.render(this.comparison, this.controls, width, this.selectedWords, this.selectedTokens);
      this.mainContainer.replaceChildren(this.compareView.element);
      this.root.dataset.mode = "compare";
    } else if (this.view) {
      this.mainView.render({
        view: this.view,
        glyphs: this.glyphs,
        controls: this.controls,
        width,
        selectedWords: this.selectedWords,
        selectedTokens: this.selectedTokens,
      });
      if (this.mainView.node.parentNode !== this.mainContainer) this.mainContainer.replaceChildren(this.mainView.node);
      this.mainView.setChipOutputs(this.shownInsight()?.outputs ?? null);
      this.root.dataset.mode = "main";
    } else {
      return;
    }
    this.matchList.setSpan(this.selectedSpan());
    this.recolour();
    this.paintDetails();
    this.timings.painted = performance.now();
    this.root.dataset.painted = String(Number(this.root.dataset.painted ?? 0) + 1);
  }

  private detailsQueued = false;

  /** Details after the cells: the recoloured chips reach the screen first, the profile a frame later. */
  private paintDetailsSoon(): void {
    if (this.detailsQueued) return;
    this.detailsQueued = true;
    // Two frames: the first shows the recoloured cells, the profile follows in the next.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        this.detailsQueued = false;
        this.paintDetails();
      }),
    );
  }

  private paintDetails(): void {
    const width = Math.min(this.width(), 900);
    const parts: Element[] = [];
    const view = this.comparison?.a ?? this.view;
    const series = this.selectedSeries();
    const expected = view && !this.comparison ? this.expectedVsActual() : null;
    if (view && expected) parts.push(drawExpectedActual(expected, view.unitClusters, width));
    else if (view && series.length) {
      const profile: ProfileSeries[] = series.map((s) => ({ word: s.label, response: s.response }));
      parts.push(drawWordProfile(profile, view.unitClusters, width));
    }
    const causal = this.causalToken();
    if (causal) {
      const effects = this.controls.chipColour === "effect" ? this.shownEffects() : null;
      if (effects) {
        const note = document.createElement("p");
        note.className = "effects-caption";
        const token = causal.glyphs.tokens[causal.token]?.text ?? "";
        note.textContent = `Chips coloured by their effect at “${token}” on ${effects.target}: orange = the chip raises it here (replacing its state by ${effects.mode === "mean" ? "its expected state" : "zero"} lowers it), blue = it lowers it. Ablation is off-distribution: a large effect says the output depends on those units here.`;
        parts.push(note);
      }
      const attribution = this.shownAttribution();
      if (attribution) parts.push(drawAttribution(attribution, causal.glyphs.tokens, width));
    }
    if (this.unitDetail) parts.push(drawUnitDetail(this.unitDetail, Math.min(width, 560)));
    if (parts.length === 0) {
      const hint = document.createElement("p");
      hint.className = "hint";
      hint.textContent = "Click a word or a token to colour the memory cells by its response (shift-click adds up to three); click a cell for its unit's top words.";
      parts.push(hint);
    }
    this.detailContainer.replaceChildren(...parts);
  }

  private async exportView(format: "svg" | "png"): Promise<void> {
    const svgs = [...this.mainContainer.querySelectorAll("svg"), ...this.detailContainer.querySelectorAll("svg")] as SVGSVGElement[];
    if (svgs.length === 0) return;
    const background = getComputedStyle(document.body).backgroundColor || "#ffffff";
    const svg = composeSvg(svgs, background);
    const name = `rnnlens-${this.controls.model || "view"}`;
    if (format === "svg") this.host.save(`${name}.svg`, new TextEncoder().encode(svg.text), "image/svg+xml");
    else this.host.save(`${name}.png`, await svgToPng(svg), "image/png");
  }

  private setStatus(text: string, isError: boolean): void {
    this.status.textContent = text;
    this.status.classList.toggle("error", isError);
  }

  private reportError(error: unknown): void {
    if (error instanceof RequestError && error.code === "cancelled") return;
    this.setStatus(error instanceof Error ? error.message : String(error), true);
  }

  private save(): void {
    this.host.saveState<SavedState>({ controls: this.controls, selectedWords: this.selectedWords, sentence: this.sentence });
  }
}
