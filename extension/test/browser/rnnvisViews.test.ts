/**
 * The RNNVis views of issue 14 (part 2) in a real Chromium against a real `rnnlens serve`:
 * token-to-chip links by update, expected vs actual with percentile bands, several sentences
 * side by side with zoom, stroke-width and colour-clip controls and a link filter range.
 * Updates and links are checked against what the Python CLI computes for the same model.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, closePanel, coclusterFromCli, type OpenPanel, openPanel, python, repo, tokenCount } from "./serve";

const MODEL = process.env.RNNLENS_PANEL_MODEL ?? "brown-lstm";
const K = 4;
const SENTENCE = "The film was not good, but the actors were wonderful.";
const OTHER = "A slow and boring film.";
const FULL_ORANGE = "rgb(242, 142, 43)";
const FULL_BLUE = "rgb(59, 120, 194)";

let panel: OpenPanel | undefined;
let page: Page;

/** The CLI's per-token update of every unit cluster (its own numbering), for the test's sentence. */
function updatesFromCli(text: string): { text: string; updates: number[] }[] {
  const file = resolve(tmpdir(), `rnnlens-views-${process.pid}.txt`);
  writeFileSync(file, text);
  const run = spawnSync(python, ["-m", "rnnlens", "analyze", file, "--model", MODEL, "-k", String(K), "--json"], { cwd: repo, encoding: "utf8" });
  if (run.status !== 0) throw new Error(run.stderr);
  const tokens = JSON.parse(run.stdout).tokens as { text: string; glyph: { update: number }[] }[];
  return tokens.map((t) => ({ text: t.text, updates: t.glyph.map((g) => g.update) }));
}

async function setRange(p: Page, selector: string, value: number): Promise<void> {
  await p.fill(selector, String(value));
  await p.dispatchEvent(selector, "input");
}

const share = (values: number[]) => {
  const max = Math.max(...values.map(Math.abs));
  return (v: number) => Math.abs(v) / max;
};
const inRange = (s: number, min: number, max: number) => s > 0 && s >= min - 1e-6 && s <= max + 1e-6;

beforeAll(async () => {
  panel = await openPanel(MODEL, K, { width: 1200, height: 1000 });
  ({ page } = panel);
  await page.fill("#control-sentence", SENTENCE);
  await page.press("#control-sentence", "Enter");
  await page.waitForFunction((n) => document.querySelectorAll("svg.main-view g.glyph").length === n, tokenCount(SENTENCE), { timeout: 120_000 });
});

afterAll(() => closePanel(panel));

describe("RNNVis views in the panel", () => {
  it("links each token to the chips it updates, width by the CLI's update, only inside the filter's range", async () => {
    const cli = updatesFromCli(SENTENCE);
    const all = cli.flatMap((t) => t.updates);
    const of = share(all);
    const min = Number(await page.inputValue("#control-links"));
    const links = await page.$$eval("path.token-link", (paths) => paths.map((p) => ({ token: Number(p.dataset.token), update: Number(p.dataset.update), width: Number(p.getAttribute("stroke-width")), stroke: p.getAttribute("stroke") })));
    for (const [t, token] of cli.entries()) {
      const drawn = links.filter((l) => l.token === t).map((l) => l.update).sort((a, b) => a - b);
      const expected = token.updates.filter((u) => inRange(of(u), min, 1)).sort((a, b) => a - b);
      expect(drawn.length).toBe(expected.length);
      drawn.forEach((u, i) => expect(u).toBeCloseTo(expected[i], 4));
    }
    // Wider for a larger update; orange for growth, blue for shrinking.
    const sorted = [...links].sort((a, b) => Math.abs(a.update) - Math.abs(b.update));
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].width).toBeGreaterThanOrEqual(sorted[i - 1].width - 1e-6);
    for (const l of links) expect(l.stroke).toBe(l.update >= 0 ? "#f28e2b" : "#3b78c2");
  });

  it("highlights the clicked token's links and only those", async () => {
    await page.locator("svg.main-view g.glyph").nth(1).click();
    const marked = await page.$$eval("path.token-link.selected", (paths) => [...new Set(paths.map((p) => p.dataset.token))]);
    expect(marked).toEqual(["1"]);
    const opacity = await page.$$eval("path.token-link", (paths) => paths.map((p) => [p.dataset.token, getComputedStyle(p).strokeOpacity]));
    for (const [token, value] of opacity) expect(Number(value)).toBe(token === "1" ? 0.75 : 0.1);
  });

  it("overlays the token's actual response on its word's expected response and percentile bands", async () => {
    // "was": among the most frequent words, whose occurrences the statistics keep samples of.
    await page.locator("svg.main-view g.glyph").nth(2).click();
    // Drawn at once from the view's expected responses; the bands come with the word's detail.
    await page.waitForSelector("svg.expected-actual g.actual", { state: "attached", timeout: 60_000 });
    await page.waitForSelector("svg.expected-actual path.band-9-91", { state: "attached", timeout: 60_000 });
    const svg = page.locator("svg.expected-actual");
    expect(await svg.locator(".view-title").textContent()).toMatch(/“was”: expected response vs actual at this token \((\d+) of (\d+) units inside the 9–91 % band\)/);
    const units = coclusterFromCli(MODEL, K).unit_clusters.reduce((n, c) => n + c.length, 0);
    // One band rectangle per unit, for each band.
    for (const band of ["band-9-91", "band-25-75"]) {
      const d = (await svg.locator(`path.${band}`).getAttribute("d")) ?? "";
      expect(d.match(/M/g)?.length).toBe(units);
    }
    const inside = Number(await svg.locator("g.actual").getAttribute("data-inside"));
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThanOrEqual(units);
    await page.screenshot({ path: resolve(artifacts, "panel-expected-actual.png"), fullPage: true });
  });

  it("shows a cloud word's expected response with its bands, without an actual response", async () => {
    const word = (await page.locator("text.word").first().textContent()) ?? "";
    await page.locator("text.word").first().click();
    // The previous step's view (a token's word, with its actual response) is on screen until this one replaces it.
    const title = page.locator("svg.expected-actual .view-title");
    await expect.poll(() => title.textContent(), { timeout: 60_000 }).toMatch(/expected response with 25–75 % and 9–91 % bands/);
    expect(await title.textContent()).toContain(`“${word}”`);
    await page.waitForSelector("svg.expected-actual path.band-9-91", { state: "attached", timeout: 60_000 });
    expect(await page.locator("svg.expected-actual g.actual").count()).toBe(0);
  });

  it("keeps only the chip-cloud links inside a min-max range, and draws the strongest as wide as asked", async () => {
    const links = coclusterFromCli(MODEL, K).links.flat();
    const of = share(links);
    const count = async () => page.locator("path.link").count();
    await setRange(page, "#control-links", 0.2);
    await setRange(page, "#control-links-max", 0.6);
    expect(await count()).toBe(links.filter((s) => inRange(of(s), 0.2, 0.6)).length);
    const tokenShares = await page.$$eval("path.token-link", (paths) => paths.map((p) => Number(p.dataset.update)));
    const tokenOf = share(updatesFromCli(SENTENCE).flatMap((t) => t.updates));
    for (const u of tokenShares) expect(inRange(tokenOf(u), 0.2, 0.6)).toBe(true);
    await setRange(page, "#control-links", 0);
    await setRange(page, "#control-links-max", 1);
    expect(await count()).toBe(links.filter((s) => s !== 0).length);
    await setRange(page, "#control-link-width", 12);
    const widest = await page.$$eval("path.link", (paths) => Math.max(...paths.map((p) => Number(p.getAttribute("stroke-width")))));
    expect(widest).toBeCloseTo(12, 1);
    await setRange(page, "#control-link-width", 6.75);
  });

  it("saturates more cells with a lower colour clip", async () => {
    await page.locator("svg.main-view g.glyph").nth(4).click();
    const saturated = async () => (await page.$$eval("rect.cell", (cells) => cells.map((c) => c.getAttribute("fill")))).filter((f) => f === FULL_ORANGE || f === FULL_BLUE).length;
    await setRange(page, "#control-clip", 1);
    const atMax = await saturated();
    await setRange(page, "#control-clip", 0.5);
    const atHalf = await saturated();
    expect(atMax).toBeLessThanOrEqual(2); // only the largest reaches full colour
    expect(atHalf).toBeGreaterThan(atMax + 10); // about half of the cells
    await setRange(page, "#control-clip", 0.98);
  });

  it("keeps several sentences side by side, zooms them, and shows a kept sentence's token on click", async () => {
    await page.click("#control-pin");
    await page.fill("#control-sentence", OTHER);
    await page.press("#control-sentence", "Enter");
    await page.waitForFunction((n) => document.querySelectorAll("svg.main-view g.glyph").length === n, tokenCount(OTHER), { timeout: 60_000 });
    await page.click("#control-pin");
    const columns = page.locator("figure.strip-column");
    expect(await columns.count()).toBe(2);
    expect(await columns.nth(0).locator("g.glyph").count()).toBe(tokenCount(SENTENCE));
    expect(await columns.nth(1).locator("g.glyph").count()).toBe(tokenCount(OTHER));
    const widthOf = async () => Number(await columns.nth(0).locator("svg.strip-glyphs").getAttribute("width"));
    const before = await widthOf();
    await setRange(page, "#control-zoom", 0.5);
    expect(await widthOf()).toBe(Math.round(before / 2));
    await setRange(page, "#control-zoom", 1);
    await page.screenshot({ path: resolve(artifacts, "panel-side-by-side.png"), fullPage: true });
    // A token of the first kept sentence: the main view shows that sentence with the token selected.
    await columns.nth(0).locator("g.glyph").nth(1).click();
    await page.waitForFunction((n) => document.querySelectorAll("svg.main-view g.glyph").length === n, tokenCount(SENTENCE));
    expect(await page.locator("svg.main-view g.glyph.selected text.token").textContent()).toBe("film");
    await columns.nth(1).locator("button.strip-remove").click();
    expect(await page.locator("figure.strip-column").count()).toBe(1);
  });

  it("asks the kept sentences again for a new k, so their columns follow the chips", async () => {
    await page.fill("#control-k", "5");
    await page.dispatchEvent("#control-k", "change");
    await page.waitForFunction(() => document.querySelector("figure.strip-column g.glyph")?.querySelectorAll("rect.info").length === 10, null, { timeout: 180_000 });
    expect(await page.locator("figure.strip-column").count()).toBe(1);
  });
});
