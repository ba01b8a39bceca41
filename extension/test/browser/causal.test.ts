/**
 * Issue 13 in a real browser: the panel under a real `rnnlens serve` with the sample sentiment
 * classifier shows the clusters' stability next to k, an output label on every chip, chips
 * coloured by their ablation effect at a selected token and the attribution heat strip over the
 * sentence. Every number is checked against what the Python CLI computes for the same model.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NdArray, encodeMessage } from "../../src/protocol/codec";
import { artifacts, closePanel, type OpenPanel, openPanel, python, repo } from "./serve";

const MODEL = "rt-gru";
const K = 4;
const SENTENCE = "the movie is boring .";
const TOKEN = 3; // "boring"
const NEUTRAL = "#9a9a9a";

let panel: OpenPanel | undefined;
let serve: OpenPanel["serve"];
let browser: Browser;
let page: Page;
let violations: string[];

function cli(args: string[]): any {
  const run = spawnSync(python, ["-m", "rnnlens", ...args, "--json"], { cwd: repo, encoding: "utf8" });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

let sentenceFile = "";
const sentencePath = () => {
  if (!sentenceFile) {
    sentenceFile = join(mkdtempSync(join(tmpdir(), "rnnlens-causal-")), "sentence.txt");
    writeFileSync(sentenceFile, `${SENTENCE}\n`);
  }
  return sentenceFile;
};

beforeAll(async () => {
  panel = await openPanel(MODEL, K, { width: 1200, height: 900 });
  ({ serve, browser, page, violations } = panel);
});

afterAll(() => closePanel(panel));

describe("which memory matters, in the panel", () => {
  it("shows the stability of each k next to the k control, the current and the suggested k marked", async () => {
    const expected = cli(["cocluster", "--model", MODEL, "-k", String(K), "--stability"]);
    await page.waitForSelector("#control-stability button.stability-k", { timeout: 180_000 });
    const shown = await page.$$eval("#control-stability button.stability-k", (buttons) =>
      buttons.map((b) => ({ k: Number(b.getAttribute("data-k")), text: b.textContent ?? "", classes: b.className })),
    );
    expect(shown.map((b) => b.k)).toEqual(Object.keys(expected.stability).map(Number));
    for (const b of shown) {
      expect(b.text).toBe(`${b.k}: ${expected.stability[String(b.k)].toFixed(2)}`);
      expect(b.classes.includes("current")).toBe(b.k === K);
      expect(b.classes.includes("suggested")).toBe(b.k === expected.suggested_k);
    }
    expect(await page.textContent("#control-stability > span")).toBe(`stability ${expected.stability[String(K)].toFixed(2)}`);
  });

  it("labels every chip with the output its cluster pushes", async () => {
    const expected = cli(["cocluster", "--model", MODEL, "-k", String(K), "--unit-outputs"]);
    await page.waitForFunction((k) => [...document.querySelectorAll("text.chip-output")].filter((t) => t.textContent).length === k, K, { timeout: 180_000 });
    const labels = await page.$$eval("text.chip-output", (texts) => texts.map((t) => t.textContent));
    expect([...labels].sort()).toEqual(expected.unit_outputs.map((o: { label: string }) => o.label).sort());
    expect(labels.every((l) => /^→ (positive|negative)$/.test(l ?? ""))).toBe(true);
    // The tooltip says what the label means.
    expect(await page.locator("g.chip title").first().textContent()).toMatch(/over the corpus → (positive|negative); raises/);
  });

  it("colours the chips by their ablation effect at the selected token, one colour a chip", async () => {
    await page.fill("#control-sentence", SENTENCE);
    await page.press("#control-sentence", "Enter");
    await page.waitForFunction((n) => document.querySelectorAll("g.glyph").length === n, 5, { timeout: 120_000 });
    await page.selectOption("#control-chip-colour", "effect");
    await page.locator("g.glyph").nth(TOKEN).click();
    await page.waitForFunction((k) => document.querySelectorAll("g.chip[data-effect]").length === k, K, { timeout: 120_000 });
    expect(await page.getAttribute("#rnnlens-panel", "data-chip-colour")).toBe("effect");
    // The CLI's effects at the same token; the panel colours the predicted class ("negative":
    // the larger base probability), by minus the change: the chip's contribution.
    const expected = cli(["effects", sentencePath(), "--model", MODEL, "-k", String(K), "--token", String(TOKEN)]).tokens[0];
    const column = expected.targets[0].base >= expected.targets[1].base ? 0 : 1;
    const contributions = expected.clusters.map((c: { delta: number[] }) => -c.delta[column]).sort((a: number, b: number) => a - b);
    const shown = (await page.$$eval("g.chip", (chips) => chips.map((c) => Number(c.getAttribute("data-effect"))))).sort((a, b) => a - b);
    shown.forEach((value, i) => expect(value).toBeCloseTo(contributions[i], 4));
    // Every cell of a chip has its chip's colour; the chip with the largest effect is coloured.
    const perChip = await page.$$eval("g.chip", (chips) => chips.map((c) => new Set([...c.querySelectorAll("rect.cell")].map((r) => r.getAttribute("fill"))).size));
    expect(perChip).toEqual(Array(K).fill(1));
    const strongest = await page.$$eval("g.chip", (chips) => {
      const best = chips.reduce((a, b) => (Math.abs(Number(b.getAttribute("data-effect"))) > Math.abs(Number(a.getAttribute("data-effect"))) ? b : a));
      return best.querySelector("rect.cell")?.getAttribute("fill");
    });
    expect(strongest).not.toBe(NEUTRAL);
    expect(await page.textContent(".effects-caption")).toMatch(/effect at “boring” on p\(negative\)/);
  });

  it("ablating to the expected state instead of zero asks again and shows the CLI's --mode mean effects", async () => {
    const before = await page.$$eval("g.chip", (chips) => chips.map((c) => c.getAttribute("data-effect")));
    await page.selectOption("#control-ablation", "mean");
    await page.waitForFunction(
      (old) => {
        const now = [...document.querySelectorAll("g.chip")].map((c) => c.getAttribute("data-effect"));
        return now.every((v) => v !== null) && now.join() !== old.join();
      },
      before,
      { timeout: 120_000 },
    );
    const expected = cli(["effects", sentencePath(), "--model", MODEL, "-k", String(K), "--token", String(TOKEN), "--mode", "mean"]);
    expect(expected.expected_state).toMatch(/^mean over .+ \([\d,]+ tokens\)$/);
    const record = expected.tokens[0];
    const column = record.targets[0].base >= record.targets[1].base ? 0 : 1;
    const contributions = record.clusters.map((c: { delta: number[] }) => -c.delta[column]).sort((a: number, b: number) => a - b);
    const shown = (await page.$$eval("g.chip", (chips) => chips.map((c) => Number(c.getAttribute("data-effect"))))).sort((a, b) => a - b);
    shown.forEach((value, i) => expect(value).toBeCloseTo(contributions[i], 4));
    expect(await page.textContent(".effects-caption")).toContain("replacing its state by its expected state");
    await page.selectOption("#control-ablation", "zero");
    await page.waitForFunction((old) => [...document.querySelectorAll("g.chip")].map((c) => c.getAttribute("data-effect")).join() === old.join(), before, {
      timeout: 120_000,
    });
  });

  it("draws the attribution heat strip over the sentence, with the convergence delta", async () => {
    await page.waitForSelector("svg.attribution-strip rect.attribution", { timeout: 120_000, state: "attached" });
    const expected = cli(["attribute", sentencePath(), "--model", MODEL, "--token", String(TOKEN)]);
    const cells = await page.$$eval("svg.attribution-strip g.attribution-token", (gs) =>
      gs.map((g) => ({ text: g.querySelector("text")?.textContent, score: g.querySelector("rect.attribution")?.getAttribute("data-score") ?? null, fill: g.querySelector("rect")?.getAttribute("fill") })),
    );
    // Every token of the sentence; those up to the selected one carry the CLI's scores.
    expect(cells.map((c) => c.text)).toEqual(["the", "movie", "is", "boring", "."]);
    expected.scores.forEach((s: { score: number }, i: number) => expect(Number(cells[i].score)).toBeCloseTo(s.score, 3));
    expect(cells[4].score).toBeNull();
    const strongest = expected.scores.reduce((a: { score: number }, b: { score: number }) => (Math.abs(b.score) > Math.abs(a.score) ? b : a));
    // Full colour (the end of colors.ts's scale) for the strongest: orange raises the output, blue lowers it.
    expect(cells[expected.scores.indexOf(strongest)].fill).toBe(strongest.score >= 0 ? "rgb(242, 142, 43)" : "rgb(59, 120, 194)");
    const caption = await page.textContent(".attribution-caption");
    expect(caption).toMatch(new RegExp(`class '${expected.target.name}' at “boring”: integrated gradients .* ${expected.steps} steps; convergence delta`));
    await page.screenshot({ path: resolve(artifacts, "panel-effects.png"), fullPage: true });
  });

  it("shows a refused attribution as its sentence, with no colours", async () => {
    const refusal = "integrated gradients at token 3 did not converge: with 128 steps the convergence delta 0.2 exceeds 5% of the output difference 0.5";
    const frame = encodeMessage({
      type: "attribution_view", id: 99_999, model: MODEL, text: SENTENCE, token: TOKEN, start: TOKEN, target: "", target_role: "class",
      scores: NdArray.fromValues("float32", [0], []), output: null, baseline_output: null, convergence_delta: null, steps: null, refused: refusal,
    });
    await page.evaluate((bytes) => (window as any).rnnlens.receiveFrame(new Uint8Array(bytes)), Array.from(frame));
    await page.waitForSelector(".attribution-refused");
    expect(await page.textContent(".attribution-refused")).toContain(refusal);
    expect(await page.locator("svg.attribution-strip").count()).toBe(0);
  });

  it("in a standalone snapshot (no server) a clicked token colours the chips by its response, with no error", async () => {
    const file = resolve(artifacts, `snapshot-${MODEL}-causal.html`);
    const run = spawnSync(python, ["-m", "rnnlens", "snapshot", "--model", MODEL, "-k", String(K), "--text", SENTENCE, "-o", file], { cwd: repo, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const offline = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await offline.goto(`file://${file}`);
    await offline.waitForFunction(() => Number(document.getElementById("rnnlens-panel")?.dataset.painted ?? 0) >= 1, null, { timeout: 60_000 });
    await offline.locator("g.glyph").nth(TOKEN).click();
    await offline.waitForFunction(() => [...document.querySelectorAll("rect.cell")].some((c) => c.getAttribute("fill") !== "#9a9a9a"));
    expect(await offline.locator(".status.error").count()).toBe(0);
    expect(await offline.locator("svg.attribution-strip").count()).toBe(0);
    await offline.close();
  });

  it("goes back to colouring the chips by the token's response", async () => {
    await page.selectOption("#control-chip-colour", "response");
    expect(await page.getAttribute("#rnnlens-panel", "data-chip-colour")).toBe("response");
    expect(await page.locator("g.chip[data-effect]").count()).toBe(0);
    // A token's response differs from unit to unit: some chip has cells of several colours.
    const perChip = await page.$$eval("g.chip", (chips) => chips.map((c) => new Set([...c.querySelectorAll("rect.cell")].map((r) => r.getAttribute("fill"))).size));
    expect(Math.max(...perChip)).toBeGreaterThan(1);
    expect(violations).toEqual([]);
  });
});
