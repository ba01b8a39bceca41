/**
 * The panel in a real browser (Debian Chromium via playwright-core) against a real
 * `rnnlens serve` with a trained sample model. Counts are checked against what the Python CLI
 * computes for the same model; screenshots go to artifacts/ (gitignored) for a human look.
 */
import { resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { encodeMessage } from "../../src/protocol/codec";
import { artifacts, closePanel, coclusterFromCli, type OpenPanel, openPanel, python, repo, tokenCount, waitForPaint, watchPolicyViolations } from "./serve";

// The 2-layer LSTM language model on Brown, compared with the vanilla RNN trained the same way.
const MODEL = process.env.RNNLENS_PANEL_MODEL ?? "brown-lstm";
const PARTNER = process.env.RNNLENS_PANEL_PARTNER ?? "brown-rnn";
const K = 4;
const SENTENCE = "The film was not good, but the actors were wonderful.";
const NEUTRAL = "#9a9a9a";

let panel: OpenPanel | undefined;
let serve: OpenPanel["serve"];
let cliView: ReturnType<typeof coclusterFromCli> | undefined;
const expectedView = () => (cliView ??= coclusterFromCli(MODEL, K));
let browser: Browser;
let page: Page;
let violations: string[];
let pagePolicy: string | undefined;

async function cellFills(p: Page): Promise<string[]> {
  return p.$$eval("rect.cell", (cells) => cells.map((c) => c.getAttribute("fill") ?? ""));
}

beforeAll(async () => {
  panel = await openPanel(MODEL, K, { width: 1200, height: 900 });
  ({ serve, browser, page, violations } = panel);
  pagePolicy = (await panel.response?.allHeaders())?.["content-security-policy"];
});

afterAll(() => closePanel(panel));

describe("the panel under rnnlens serve", () => {
  it("draws one chip per unit cluster, one cell per unit, one cloud per word cluster, as the CLI computes", async () => {
    const expected = expectedView();
    const units = expected.unit_clusters.reduce((n, c) => n + c.length, 0);
    expect(await page.locator("g.chip").count()).toBe(K);
    expect(await page.locator("rect.cell").count()).toBe(units);
    expect(await page.locator("g.cloud").count()).toBe(K);
    const chipSizes = await page.$$eval("g.chip", (chips) => chips.map((c) => c.querySelectorAll("rect.cell").length));
    expect([...chipSizes].sort((a, b) => a - b)).toEqual(expected.unit_clusters.map((c) => c.length).sort((a, b) => a - b));
    // Every cloud shows words of exactly one word cluster of the CLI's answer.
    const clouds = await page.$$eval("g.cloud", (gs) => gs.map((g) => [...g.querySelectorAll("text.word")].map((t) => t.getAttribute("data-word"))));
    for (const words of clouds) {
      expect(words.length).toBeGreaterThan(0);
      expect(expected.word_clusters.some((cluster) => words.every((w) => cluster.includes(w as string)))).toBe(true);
    }
  });

  it("draws the links the filter keeps, coloured by sign", async () => {
    const expected = expectedView();
    const flat = expected.links.flat();
    const max = Math.max(...flat.map(Math.abs));
    const filter = Number(await page.inputValue("#control-links"));
    const kept = flat.filter((s) => Math.abs(s) >= filter * max);
    expect(await page.locator("path.link").count()).toBe(kept.length);
    const strokes = await page.$$eval("path.link", (paths) => paths.map((p) => p.getAttribute("stroke")));
    expect(strokes.filter((s) => s === "#f28e2b").length).toBe(kept.filter((s) => s >= 0).length);
    await page.fill("#control-links", "1");
    await page.dispatchEvent("#control-links", "input");
    expect(await page.locator("path.link").count()).toBe(1);
    await page.fill("#control-links", String(filter));
    await page.dispatchEvent("#control-links", "input");
  });

  it("shows one glyph per token of a typed sentence, with one bar pair per cluster", async () => {
    const painted = Number(await page.getAttribute("#rnnlens-panel", "data-painted"));
    await page.fill("#control-sentence", SENTENCE);
    await page.press("#control-sentence", "Enter");
    await waitForPaint(page, painted + 1);
    expect(await page.locator("g.glyph").count()).toBe(tokenCount(SENTENCE));
    const bars = await page.$$eval("g.glyph", (glyphs) => glyphs[0].querySelectorAll("rect.info").length);
    expect(bars).toBe(2 * K);
    await page.screenshot({ path: resolve(artifacts, "panel-light.png"), fullPage: true });
  });

  it("follows the editor's cursor: the sentence's glyphs, with the cursor's token selected", async () => {
    const sentence = "A slow and boring film.";
    const cursor = { uri: "file:///tmp/review.txt", line: 3, character: 12, offset: 52, token: "boring", sentence, sentence_start: 41 };
    const frame = Array.from(encodeMessage({ type: "cursor", cursor }));
    const painted = Number(await page.getAttribute("#rnnlens-panel", "data-painted"));
    await page.evaluate((bytes) => (window as any).rnnlens.receiveFrame(new Uint8Array(bytes)), frame);
    await waitForPaint(page, painted + 1);
    expect(await page.locator("g.glyph").count()).toBe(tokenCount(sentence));
    await page.waitForSelector("g.glyph.selected");
    expect(await page.locator("g.glyph.selected text.token").textContent()).toBe("boring");
    // Back to the typed sentence for the tests below.
    await page.fill("#control-sentence", SENTENCE);
    await page.press("#control-sentence", "Enter");
    await page.waitForFunction((n) => document.querySelectorAll("g.glyph").length === n, tokenCount(SENTENCE));
  });

  it("recolours every cell when a word in a cloud is clicked, and again for another word", async () => {
    expect(new Set(await cellFills(page))).toEqual(new Set([NEUTRAL]));
    const words = page.locator("text.word");
    await words.nth(0).click();
    const first = await cellFills(page);
    expect(first.filter((f) => f !== NEUTRAL).length).toBeGreaterThan(first.length / 2);
    await words.nth(1).click({ modifiers: ["Shift"] });
    // Two words: each cell splits into two stripes, one per word.
    expect((await cellFills(page)).length).toBe(first.length * 2);
    await page.waitForSelector("svg.word-profile polyline.overlay", { state: "attached" });
    expect(await page.locator("svg.word-profile polyline.overlay").count()).toBe(1);
    await words.nth(2).click();
    const third = await cellFills(page);
    expect(third.length).toBe(first.length);
    expect(third).not.toEqual(first);
  });

  it("recolours the cells by a token's response when a glyph is clicked", async () => {
    await page.locator("g.glyph").nth(4).click();
    const fills = await cellFills(page);
    expect(fills.filter((f) => f !== NEUTRAL).length).toBeGreaterThan(0);
    expect(await page.getAttribute("#rnnlens-panel", "data-selected")).toBe("good");
  });

  it("opens a unit's box plots when a cell is clicked", async () => {
    await page.locator("rect.cell").first().click();
    await page.waitForSelector("svg.unit-detail g.box", { timeout: 60_000, state: "attached" });
    expect(await page.locator("svg.unit-detail g.box").count()).toBeGreaterThan(2);
    // Each word's box, whiskers and mean sit on that word's own row.
    const misplaced = await page.$$eval("svg.unit-detail g.box", (boxes) =>
      boxes.filter((box) => {
        const rect = box.querySelector("rect");
        const mean = box.querySelector<SVGPathElement>("path.mean")?.getBBox();
        if (!rect || !mean) return false;
        const top = Number(rect.getAttribute("y"));
        const centre = mean.y + mean.height / 2;
        return centre < top || centre > top + Number(rect.getAttribute("height"));
      }).length,
    );
    expect(misplaced).toBe(0);
    await page.screenshot({ path: resolve(artifacts, "panel-details.png"), fullPage: true });
  });

  it("re-renders with the new number of clusters when k changes", async () => {
    await page.fill("#control-k", "6");
    await page.dispatchEvent("#control-k", "change");
    // The new co-clustering, then the sentence's glyphs for six clusters (one paint or two:
    // both may land in the same animation frame when the glyphs come back fast).
    await page.waitForFunction(() => document.querySelectorAll("g.chip").length === 6 && document.querySelector("g.glyph")?.querySelectorAll("rect.info").length === 12, null, { timeout: 180_000 });
    expect(await page.locator("g.chip").count()).toBe(6);
    expect(await page.locator("g.cloud").count()).toBe(6);
    expect(await page.$$eval("g.glyph", (g) => g[0].querySelectorAll("rect.info").length)).toBe(12);
  });

  it("switches to another layer and state kind", async () => {
    const painted = Number(await page.getAttribute("#rnnlens-panel", "data-painted"));
    await page.selectOption("#control-layer", "1");
    await waitForPaint(page, painted + 1);
    await page.selectOption("#control-state", "h");
    await page.waitForFunction(() => /layer 1 · h ·/.test(document.querySelector("svg.main-view .view-title")?.textContent ?? ""), null, { timeout: 120_000 });
    expect(await page.locator("g.chip").count()).toBe(6);
    await page.selectOption("#control-layer", "2");
    await page.selectOption("#control-state", "c");
    await page.waitForFunction(() => /layer 2 · c ·/.test(document.querySelector("svg.main-view .view-title")?.textContent ?? ""), null, { timeout: 120_000 });
  });

  it("restores the controls and the sentence after a reload (hidden and shown again)", async () => {
    await page.reload();
    await waitForPaint(page, 1);
    expect(await page.inputValue("#control-k")).toBe("6");
    await page.waitForFunction((n) => document.querySelectorAll("g.glyph").length === n, tokenCount(SENTENCE), { timeout: 60_000 });
  });

  it("colours the words by part of speech when asked", async () => {
    expect(await page.locator("text.word[fill]").count()).toBe(0);
    await page.check("#control-pos");
    await page.waitForFunction(() => document.querySelectorAll("text.word[fill]").length > 0);
    const colours = await page.$$eval("text.word[fill]", (words) => new Set(words.map((w) => w.getAttribute("fill"))).size);
    expect(colours).toBeGreaterThan(2); // nouns, verbs, function words... differ
    await page.uncheck("#control-pos");
  });

  it("works by keyboard: Enter on a focused word selects it", async () => {
    await page.locator("text.word").nth(3).focus();
    await page.keyboard.press("Enter");
    const word = await page.locator("text.word").nth(3).getAttribute("data-word");
    // The colours come from the view's responses, or from the server when the view has none.
    await page.waitForFunction((w) => document.getElementById("rnnlens-panel")?.dataset.selected === w, word, { timeout: 30_000 });
  });

  it("exports the current view as SVG and PNG", async () => {
    const [svg] = await Promise.all([page.waitForEvent("download"), page.click("text=SVG")]);
    const [png] = await Promise.all([page.waitForEvent("download"), page.click("text=PNG")]);
    await svg.saveAs(resolve(artifacts, "export.svg"));
    await png.saveAs(resolve(artifacts, "export.png"));
    expect(svg.suggestedFilename()).toMatch(/\.svg$/);
    expect(png.suggestedFilename()).toMatch(/\.png$/);
  });

  it("renders in the dark theme", async () => {
    const dark = await browser.newPage({ viewport: { width: 1200, height: 900 }, colorScheme: "dark" });
    await dark.goto(serve.url);
    await waitForPaint(dark, 1);
    const background = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(30, 30, 30)");
    await dark.screenshot({ path: resolve(artifacts, "panel-dark.png"), fullPage: true });
    await dark.close();
  });

  it("renders a standalone snapshot (rnnlens snapshot) with no server", async () => {
    const file = resolve(artifacts, `snapshot-${MODEL}.html`);
    const run = spawnSync(python, ["-m", "rnnlens", "snapshot", "--model", MODEL, "-k", String(K), "--text", SENTENCE, "-o", file], { cwd: repo, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const offline = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const offlineViolations = await watchPolicyViolations(offline);
    await offline.goto(`file://${file}`);
    await waitForPaint(offline, 1);
    expect(await offline.locator("g.chip").count()).toBe(K);
    expect(await offline.locator("rect.cell").count()).toBe(expectedView().unit_clusters.flat().length);
    expect(await offline.locator("g.glyph").count()).toBe(tokenCount(SENTENCE));
    await offline.locator("text.word").first().click();
    expect((await cellFills(offline)).some((f) => f !== NEUTRAL)).toBe(true);
    expect(await offline.content()).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
    expect(offlineViolations).toEqual([]);
    await offline.close();
  });

  it("compares two models side by side, matched clusters on one row", async () => {
    await page.selectOption("#control-compare", PARTNER);
    await page.waitForSelector(".compare svg.side-b", { timeout: 300_000 });
    expect(await page.locator(".compare svg.main-view").count()).toBe(2);
    expect(await page.textContent(".compare-header")).toMatch(new RegExp(`${MODEL} vs ${PARTNER}: similarity \\d\\.\\d{3}`));
    // Both sides show the same number of clusters, each with its own model's units.
    expect(await page.locator(".compare svg.side-a g.chip").count()).toBe(6);
    expect(await page.locator(".compare svg.side-b g.chip").count()).toBe(6);
    expect(await page.locator(".compare svg.side-b text.chip-label", { hasText: "overlap" }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: resolve(artifacts, "panel-compare.png"), fullPage: true });
  });

  it("shows both models' glyphs of the sentence, side by side, one bar pair per cluster", async () => {
    const tokens = tokenCount(SENTENCE);
    await page.waitForFunction((n) => document.querySelectorAll(".compare svg.side-a g.glyph").length === n && document.querySelectorAll(".compare svg.side-b g.glyph").length === n, tokens, { timeout: 120_000 });
    const bars = await page.$$eval(".compare svg.side-b g.glyph", (glyphs) => glyphs[0].querySelectorAll("rect.info").length);
    expect(bars).toBe(2 * 6);
    // A token clicked on one side is marked on both.
    await page.locator(".compare svg.side-b g.glyph").nth(4).click();
    expect(await page.locator(".compare svg.side-a g.glyph.selected text.token").textContent()).toBe("good");
    expect(await page.locator(".compare svg.side-b g.glyph.selected text.token").textContent()).toBe("good");
  });

  it("compares the layer and state chosen in the controls", async () => {
    const title = (side: string) => page.textContent(`.compare svg.${side} .view-title`);
    await page.selectOption("#control-layer", "1");
    await page.waitForFunction(() => /layer 1, c\)/.test(document.querySelector(".compare svg.side-a .view-title")?.textContent ?? ""), null, { timeout: 300_000 });
    await page.selectOption("#control-state", "h");
    await page.waitForFunction(() => /layer 1, h\)/.test(document.querySelector(".compare svg.side-a .view-title")?.textContent ?? ""), null, { timeout: 300_000 });
    // The vanilla RNN has only h: same layer, its own state kind, said in its title.
    expect(await title("side-b")).toMatch(new RegExp(`B: ${PARTNER} \\(layer 1, h\\)`));
    // The sentence's glyphs follow the new layer on both sides.
    await page.waitForFunction((n) => document.querySelectorAll(".compare svg.side-b g.glyph").length === n, tokenCount(SENTENCE), { timeout: 120_000 });
  });

  it("leaves the comparison for the single-model view", async () => {
    const painted = Number(await page.getAttribute("#rnnlens-panel", "data-painted"));
    await page.selectOption("#control-compare", "");
    await waitForPaint(page, painted + 1);
    await page.waitForFunction(() => document.getElementById("rnnlens-panel")?.dataset.mode === "main");
  });

  it("ran everything above under a strict Content-Security-Policy with no violation", async () => {
    expect(pagePolicy).toMatch(/default-src 'none'/);
    expect(pagePolicy).toMatch(/connect-src ws:\/\/127\.0\.0\.1:\d+\/ws(;|$)/);
    expect(pagePolicy).not.toMatch(/unsafe/);
    expect(violations).toEqual([]);
  });
});
