/**
 * Issue 14 in a real browser: select a span of tokens in the panel's sentence view (click its first
 * token, shift-click its last), "Find similar", and the list of matches shows what `rnnlens match`
 * finds for the same span (text, score, part-of-speech tags and the patterns they share), each with
 * one glyph row per matched token; a click on a match shows its line in the sentence view.
 */
import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePanelBuilt, launchChromium, python, repo, startServe, watchPolicyViolations } from "./serve";

const MODEL = "brown-lstm";
const K = 6;
const SENTENCE = "the taxpayers made appeals to the board of assessors .";
const SPAN = ["to", "of"]; // its first and last token: "to the board of"
const artifacts = resolve(repo, "artifacts");

let serve: { url: string; process: ChildProcess };
let browser: Browser;
let page: Page;
let violations: string[];

/** What `rnnlens match` finds for the same characters of the same sentence. */
function cliMatch(): any {
  const file = join(mkdtempSync(join(tmpdir(), "rnnlens-match-")), "sentence.txt");
  writeFileSync(file, SENTENCE);
  const start = SENTENCE.indexOf("to the board");
  const end = SENTENCE.indexOf(" of ") + 3;
  const run = spawnSync(python, ["-m", "rnnlens", "match", file, "--range", `${start}:${end}`, "--model", MODEL, "--top", "20", "--json"], {
    cwd: repo,
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

beforeAll(async () => {
  ensurePanelBuilt();
  mkdirSync(artifacts, { recursive: true });
  serve = await startServe(["--model", MODEL, "--clusters", String(K)]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
  page.on("pageerror", (error) => console.error("page error:", error.message));
  violations = await watchPolicyViolations(page);
  await page.goto(serve.url);
  await page.waitForFunction(() => Number(document.getElementById("rnnlens-panel")?.dataset.painted ?? 0) >= 1, null, { timeout: 120_000 });
  await page.fill("#control-sentence", SENTENCE);
  await page.press("#control-sentence", "Enter");
  await page.waitForFunction((n) => document.querySelectorAll("svg.main-view g.glyph").length === n, SENTENCE.split(" ").length, { timeout: 120_000 });
});

afterAll(async () => {
  await browser?.close();
  serve?.process.kill();
});

describe("pattern search in the panel", () => {
  it("needs a selected span before it can search", async () => {
    expect(await page.isDisabled("button.find-similar")).toBe(true);
  });

  it("lists what rnnlens match finds for the selected span, each match with its glyphs and tags", async () => {
    const expected = cliMatch();
    const words = await page.$$eval("svg.main-view g.glyph text.token", (texts) => texts.map((t) => t.textContent));
    await page.locator("svg.main-view g.glyph").nth(words.indexOf(SPAN[0])).click();
    await page.locator("svg.main-view g.glyph").nth(words.indexOf(SPAN[1])).click({ modifiers: ["Shift"] });
    expect(await page.textContent(".match-hint")).toBe("“to the board of”");
    await page.click("button.find-similar");
    await page.waitForSelector(".match-list[data-state=done] li.match", { timeout: 180_000 });

    const shown = await page.$$eval("li.match", (items) =>
      items.map((li) => ({
        text: li.querySelector("mark")?.textContent,
        facts: li.querySelector(".match-facts")?.textContent ?? "",
        rows: li.querySelectorAll("svg.match-glyphs g.glyph").length,
        bars: li.querySelectorAll("svg.match-glyphs g.glyph rect.info").length,
      })),
    );
    expect(expected.matches.length).toBeGreaterThan(0);
    expect(shown.map((m) => m.text)).toEqual(expected.matches.map((m: any) => m.text));
    shown.forEach((m, i) => {
      const want = expected.matches[i];
      expect(m.facts).toContain(`score ${want.score.toFixed(2)}`);
      expect(m.facts).toContain(`POS ${want.pos.join(" ")}`);
      expect(m.rows).toBe(want.tokens.length); // one glyph row per matched token
      expect(m.bars).toBe(want.tokens.length * K * 2); // positive and negative bar per cluster
    });
    const patterns = await page.$$eval(".match-pattern.pos", (chips) => chips.map((c) => c.textContent));
    expect(patterns).toEqual(expected.pos_patterns.map((p: any) => `${p.pattern} ×${p.matches}`));
    expect(await page.textContent(".match-summary")).toContain(`${expected.query.units.length} units of ${MODEL} above ${expected.query.threshold}`);
    await page.screenshot({ path: resolve(artifacts, "panel-pattern-search.png"), fullPage: true });
  });

  it("selects a span dragged across the sentence's tokens", async () => {
    const rows = page.locator("svg.main-view g.glyph");
    const words = await page.$$eval("svg.main-view g.glyph text.token", (texts) => texts.map((t) => t.textContent));
    const from = await rows.nth(words.indexOf("the")).boundingBox();
    const to = await rows.nth(words.indexOf("assessors")).boundingBox();
    await page.mouse.move(from!.x + 20, from!.y + from!.height / 2);
    await page.mouse.down();
    await page.mouse.move(to!.x + 20, to!.y + to!.height / 2, { steps: 4 });
    await page.mouse.up();
    expect(await page.textContent(".match-hint")).toBe("“the taxpayers made appeals to the board of assessors”");
  });

  it("shows a clicked match's line in the sentence view with the match selected", async () => {
    const expected = cliMatch();
    const match = expected.matches[1] ?? expected.matches[0];
    const rank = match.rank;
    await page.click(`li.match[data-rank="${rank}"]`);
    const context = `${match.before}${match.text}${match.after}`;
    const tokens = spawnSync(python, ["-c", "import sys; from rnnlens.data.tokenizer import tokenize; print(len(tokenize(sys.argv[1])))", context], { cwd: repo, encoding: "utf8" });
    await page.waitForFunction((n) => document.querySelectorAll("svg.main-view g.glyph").length === n, Number(tokens.stdout.trim()), { timeout: 30_000 });
    const selected = await page.$$eval("svg.main-view g.glyph.selected > title", (titles) => titles.map((t) => (t.textContent ?? "").split(" → ")[0]));
    expect(selected).toEqual(match.tokens.length > 1 ? [match.tokens[0], match.tokens.at(-1)] : [match.tokens[0]]);
    // The shown match is itself a span: searching it again is one click away.
    expect(await page.isDisabled("button.find-similar")).toBe(false);
    expect(violations).toEqual([]);
  });
});
