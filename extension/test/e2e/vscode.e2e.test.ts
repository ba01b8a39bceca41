/**
 * RNN Lens in a real VS Code (code-server 4.100.3 = VS Code 1.100.3, in Chromium), used as a new
 * user would: the built .vsix in a fresh profile with VS Code's default settings (only
 * `rnnlens.interpreter` set), a sample text in a new workspace. Every check reads what is on
 * screen (editor lines with their inlay glyphs, hovers, quick picks, notifications, the status
 * bar, the panel's webview) or the extension's output channel as VS Code writes it.
 *
 * One code-server and one browser for the whole file; the tests run in order and build on
 * each other (the palette commands run against the document the first test opened). Every
 * command package.json contributes must have a step here: the last steps check that the palette
 * offers each one and that a step ran it and saw it do what its title says.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  GLYPH,
  answerInput,
  choose,
  clearToasts,
  clickWord,
  openFromExplorer,
  openPalette,
  openProgress,
  panelFrame,
  python,
  quickOpen,
  quickPickLabels,
  repo,
  runPaletteCommand,
  startVsCode,
  toasts,
  visibleLines,
  waitForToast,
  wordsWithGlyphs,
} from "./codeServer";
import type { VsCode } from "./codeServer";
import type { Page } from "playwright-core";

const SAMPLE = resolve(repo, "samples/texts/kitchen.txt");
const FIRST_LINES = 5;
/** The palette titles of the commands the extension contributes ("RNN Lens: Show panel"), read from its manifest. */
const PALETTE: string[] = JSON.parse(readFileSync(resolve(repo, "package.json"), "utf8")).contributes.commands.map(
  (c: { category?: string; title: string }) => (c.category ? `${c.category}: ${c.title}` : c.title),
);
/** Palette commands a step has run and checked (added at the end of that step, so only once its checks passed). */
const checked = new Set<string>();
// Screenshots of failed steps, for a human look (git-ignored).
const artifacts = resolve(repo, "artifacts/e2e");
let vscode: VsCode;
/** Every notification text seen during the run (stray messages are caught even if they fade). */
const seen = new Set<string>();
let watcher: ReturnType<typeof setInterval> | undefined;

function cli(args: string[]): string {
  const run = spawnSync(python, ["-m", "rnnlens", ...args], { cwd: repo, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`rnnlens ${args.join(" ")}: ${run.stderr}`);
  return run.stdout;
}

async function glyphsOfFirstLines(page: Page = vscode.page): Promise<{ word: string; glyph: string | undefined }[][]> {
  return (await visibleLines(page)).slice(0, FIRST_LINES).map(wordsWithGlyphs);
}

async function waitForAllGlyphs(timeout: number, page: Page = vscode.page): Promise<{ word: string; glyph: string | undefined }[][]> {
  const started = Date.now();
  let lines = await glyphsOfFirstLines(page);
  while (Date.now() - started < timeout) {
    if (lines.length === FIRST_LINES && lines.every((words) => words.length > 0 && words.every((w) => w.glyph && GLYPH.test(w.glyph)))) break;
    await page.waitForTimeout(250);
    lines = await glyphsOfFirstLines(page);
  }
  return lines;
}

/** The words of the first lines that have no glyph ("line 2: road"). */
function withoutGlyph(lines: { word: string; glyph: string | undefined }[][]): string[] {
  return lines.flatMap((words, line) => words.filter((w) => !w.glyph || !GLYPH.test(w.glyph)).map((w) => `line ${line + 1}: ${w.word}`));
}

function statusBarText(page: Page = vscode.page): Promise<string> {
  return page.locator('[id="rnnlens.rnnlens.rnnlens.status"]').innerText();
}

/** The error lines of the extension's output channel. */
function logErrors(session: VsCode): string[] {
  return session.log().split("\n").filter((line) => /\[error\]/.test(line));
}

describe("RNN Lens in VS Code (code-server)", () => {
  beforeAll(async () => {
    // A warm analysis cache (expected responses and co-clusters of the sample models), as after a
    // first use; the first-use path has its own benchmark.
    for (const model of ["brown-lstm", "brown-gru"]) cli(["cocluster", "--model", model, "--json"]);
    // The panel's stability and chip labels at k = 8, and the pattern index of the held-out split.
    cli(["cocluster", "--model", "brown-lstm", "-k", "8", "--stability", "--unit-outputs", "--json"]);
    cli(["match", "--model", "brown-lstm", "--text", "the children argued", "--json"]);
    vscode = await startVsCode([SAMPLE]);
    watcher = setInterval(() => {
      void toasts(vscode.page).then((texts) => texts.forEach((t) => seen.add(t))).catch(() => undefined);
    }, 100);
    await openFromExplorer(vscode.page, "kitchen.txt");
  }, 300_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== "fail" || !vscode) return;
    mkdirSync(artifacts, { recursive: true });
    const name = context.task.name.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60);
    await vscode.page.screenshot({ path: resolve(artifacts, `${name}.png`) }).catch(() => undefined);
  });

  afterAll(async () => {
    if (watcher) clearInterval(watcher);
    await vscode?.close();
  });

  it("shows a glyph after every word of the first five lines, at VS Code's default settings", async () => {
    const lines = await waitForAllGlyphs(120_000);
    const text = readFileSync(SAMPLE, "utf8").split("\n").slice(0, FIRST_LINES);
    expect(lines.map((words) => words.map((w) => w.word).join(" "))).toEqual(text.map((line) => (line.match(/[A-Za-z]+/g) ?? []).join(" ")));
    expect(withoutGlyph(lines)).toEqual([]);
    // The glyph has one bar per unit cluster (8 by default) and the line is not cut short with "…".
    expect(new Set(lines.flat().map((w) => w.glyph!.length))).toEqual(new Set([8]));
  });

  it("hovering a word shows the RNN Lens details for it, what each chip does there and the words driving its output", async () => {
    await clickWord(vscode.page, 0, "road", { hover: true });
    const hover = vscode.page.locator(".monaco-hover:visible", { hasText: "kept rate" });
    await hover.waitFor({ timeout: 30_000 });
    const text = await hover.innerText();
    expect(text).toContain("road");
    expect(text).toContain("brown-lstm");
    expect(text).toMatch(/kept rate \d+%/);
    // Cluster ablation: the strongest chips' signed changes of the next word's log-probability.
    expect(text).toMatch(/what each chip does here: layer \d's chips zeroed at this token, change in log-probability/);
    expect(text).toMatch(/next word(?: \(also the top prediction\))? \S+ \(log p -?\d+\.\d\d\): chip \d+ [+-]\d/);
    // Integrated gradients over the line up to "road": the words listed are words of that line.
    const driving = /words driving the next word \S+ \(the last (\d+) words of the line, integrated gradients\): ([^\n]+)/.exec(text);
    expect(driving, text).not.toBeNull();
    const listed = driving![2].split(" · ").map((entry) => entry.trim().split(/\s+/)[0]);
    const before = "The old house stood at the end of the road".split(" ");
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.filter((word) => !before.includes(word))).toEqual([]);
    expect(listed.some((word) => word !== "road"), `an earlier word drives the output: ${driving![2]}`).toBe(true);
    await vscode.page.mouse.move(5, 500);
  });

  it("the status bar names the model and the statistics its glyphs use", async () => {
    // No rnnlens.model set: the server's default model, and the statistics (corpus:split, tokens) behind it.
    await expect.poll(statusBarText, { timeout: 30_000 }).toMatch(/RNN Lens: brown-lstm · \w[\w-]*:\w+/);
    await vscode.page.locator('[id="rnnlens.rnnlens.rnnlens.status"]').hover();
    const tooltip = vscode.page.locator(".workbench-hover:visible, .monaco-hover:visible", { hasText: "tokens" });
    await tooltip.waitFor({ timeout: 10_000 });
    expect(await tooltip.innerText()).toMatch(/statistics: \w[\w-]*:\w+, [\d,]+ tokens/);
    await vscode.page.mouse.move(5, 500);
  });

  it("Show panel: the side panel draws memory chips and word clouds of the model the editor uses", async () => {
    await runPaletteCommand(vscode.page, "RNN Lens: Show panel");
    const frame = await panelFrame(vscode.page);
    await frame.locator("g.chip").first().waitFor({ timeout: 60_000 });
    expect(await frame.locator("g.chip").count()).toBe(8);
    expect(await frame.locator("g.cloud").count()).toBe(8);
    expect(await frame.locator("text.word").count()).toBeGreaterThan(8);
    // The panel shows the language server's model (brown-lstm, its default), not the first one listed.
    expect(await frame.locator("#control-model").inputValue()).toBe("brown-lstm");
    checked.add("RNN Lens: Show panel");
  });

  it("the panel follows the cursor in the editor", async () => {
    const frame = await panelFrame(vscode.page);
    for (const [line, word] of [[1, "coffee"], [3, "hopeful"]] as const) {
      await clickWord(vscode.page, line, word);
      await frame.locator("g.glyph.selected text.token", { hasText: word }).waitFor({ timeout: 15_000 });
      expect(await frame.locator("g.glyph.selected text.token").textContent()).toBe(word);
    }
  });

  it("the panel shows which memory matters: stability next to k, output labels on the chips", async () => {
    const frame = await panelFrame(vscode.page);
    // Stability for k - 2 .. k + 2 (k = 8), the current k marked, its score beside the control.
    await frame.locator("#control-stability button.stability-k").first().waitFor({ timeout: 60_000 });
    const ks = await frame.$$eval("#control-stability button.stability-k", (buttons) =>
      buttons.map((b) => ({ k: Number(b.getAttribute("data-k")), text: b.textContent ?? "", current: b.classList.contains("current") })),
    );
    expect(ks.map((b) => b.k)).toEqual([6, 7, 8, 9, 10]);
    for (const b of ks) expect(b.text).toMatch(new RegExp(`^${b.k}: [01]\\.\\d\\d$`));
    expect(ks.filter((b) => b.current).map((b) => b.k)).toEqual([8]);
    expect(await frame.locator("#control-stability > span").textContent()).toMatch(/^stability [01]\.\d\d$/);
    // What each cluster pushes, under its chip: a language model's top raised words.
    const labels = () => frame.$$eval("text.chip-output", (texts) => texts.map((t) => t.textContent ?? "").filter(Boolean));
    await expect.poll(async () => (await labels()).length, { timeout: 60_000 }).toBe(8);
    expect((await labels()).filter((label) => !/^→ \S/.test(label))).toEqual([]);
  });

  it("the panel colours the chips by their effect at the editor's token, with its heat strip, token links and expected vs actual", async () => {
    const frame = await panelFrame(vscode.page);
    const fills = () => frame.$$eval("g.chip", (chips) => chips.map((c) => [...c.querySelectorAll("rect.cell")].map((r) => r.getAttribute("fill") ?? "")));
    await frame.locator("#control-chip-colour").selectOption("effect");
    expect(await frame.locator("#rnnlens-panel").getAttribute("data-chip-colour")).toBe("effect");
    await clickWord(vscode.page, 3, "were");
    await frame.locator("g.glyph.selected text.token", { hasText: "were" }).waitFor({ timeout: 15_000 });
    await expect.poll(() => frame.locator("g.chip[data-effect]").count(), { timeout: 60_000 }).toBe(8);
    // One colour a chip (its effect), and some chip is not grey.
    const byEffect = await fills();
    expect(byEffect.map((cells) => new Set(cells).size)).toEqual(Array(8).fill(1));
    expect(byEffect.some((cells) => cells[0] !== "#9a9a9a")).toBe(true);
    expect(await frame.locator(".effects-caption").textContent()).toMatch(/^Chips coloured by their effect at “were” on /);
    // The heat strip: the sentence's tokens, scored up to "were", none after it.
    await frame.locator("svg.attribution-strip rect.attribution").first().waitFor({ state: "attached", timeout: 60_000 });
    const strip = await frame.$$eval("svg.attribution-strip g.attribution-token", (gs) =>
      gs.map((g) => ({ text: g.querySelector("text")?.textContent ?? "", scored: g.querySelector("rect.attribution")?.getAttribute("data-score") != null })),
    );
    const sentence = strip.map((t) => t.text);
    expect(sentence.slice(0, 8)).toEqual(["He", "wrote", "that", "the", "men", "were", "tired", "but"]);
    expect(strip.map((t, i) => (t.scored ? i : -1)).filter((i) => i >= 0).at(-1)).toBe(sentence.indexOf("were"));
    expect(await frame.locator(".attribution-caption").textContent()).toMatch(/^Which words drive .* at “were”: integrated gradients .* \d+ steps; convergence delta/);
    // Token links from the selected token, and its actual response over its word's expected one.
    expect(await frame.locator("path.token-link.selected").count()).toBeGreaterThan(0);
    await frame.locator("svg.expected-actual g.actual").waitFor({ state: "attached", timeout: 30_000 });
    expect(await frame.locator("svg.expected-actual .view-title").textContent()).toMatch(/^“were”: expected response vs actual at this token/);
    // Back to responses: cells within a chip differ again.
    await frame.locator("#control-chip-colour").selectOption("response");
    await expect.poll(() => frame.locator("g.chip[data-effect]").count(), { timeout: 10_000 }).toBe(0);
    expect(Math.max(...(await fills()).map((cells) => new Set(cells).size))).toBeGreaterThan(1);
  });

  it("the panel keeps the sentence side by side", async () => {
    const frame = await panelFrame(vscode.page);
    const tokens = await frame.locator("svg.main-view g.glyph").count();
    await frame.locator("#control-pin").click();
    const columns = frame.locator("figure.strip-column");
    await expect.poll(() => columns.count(), { timeout: 10_000 }).toBe(1);
    expect(await columns.first().locator("g.glyph").count()).toBe(tokens);
    await columns.first().locator("button.strip-remove").click();
    expect(await columns.count()).toBe(0);
  });

  it("Analyze document explains the sentence at the cursor, and the panel selects it", async () => {
    await clickWord(vscode.page, 2, "rain");
    const frame = await panelFrame(vscode.page);
    await frame.locator("g.glyph.selected text.token", { hasText: "rain" }).waitFor({ timeout: 15_000 });
    // The panel then shows a sentence of its own, so only the command can bring the analysed one back.
    await frame.locator("#control-sentence").fill("The dog slept by the door.");
    await frame.locator("#control-sentence").press("Enter");
    await frame.locator("g.glyph text.token", { hasText: "dog" }).first().waitFor({ timeout: 15_000 });
    await runPaletteCommand(vscode.page, "RNN Lens: Analyze document");
    expect(await waitForToast(vscode.page, /Explained the sentence/)).toMatch(/Explained the sentence .When the rain came in the afternoon.* with brown-lstm/);
    await frame.locator("g.glyph.selected text.token", { hasText: "rain" }).waitFor({ timeout: 15_000 });
    expect(await frame.locator("g.glyph text.token", { hasText: "afternoon" }).count()).toBeGreaterThan(0);
    expect(await frame.locator("g.glyph text.token", { hasText: "dog" }).count()).toBe(0);
    checked.add("RNN Lens: Analyze document");
  });

  it("Co-cluster hidden states clusters into the number of clusters asked for, and shows them", async () => {
    await clearToasts(vscode.page);
    await runPaletteCommand(vscode.page, "RNN Lens: Co-cluster hidden states");
    await answerInput(vscode.page, "6");
    expect(await waitForToast(vscode.page, /Co-clustered/)).toMatch(/Co-clustered 300 words and 150 units of brown-lstm layer 2 \w into 6 clusters/);
    const frame = await panelFrame(vscode.page);
    await expect.poll(() => frame.locator("g.chip").count(), { timeout: 30_000 }).toBe(6);
    expect(await frame.locator("g.cloud").count()).toBe(6);
    expect(await frame.locator("#control-k").inputValue()).toBe("6");
    checked.add("RNN Lens: Co-cluster hidden states");
  });

  it("Find similar memory patterns lists the selection's matches in the reference peek, and steps through them", async () => {
    const page = vscode.page;
    await page.locator(".tab", { hasText: "kitchen.txt" }).click();
    // Select "the children argued" (line 2) as a user does: to the word's start, then word by word.
    await clickWord(page, 1, "the");
    await page.keyboard.press("Control+ArrowLeft");
    for (let i = 0; i < 3; i++) await page.keyboard.press("Control+Shift+ArrowRight");
    await runPaletteCommand(page, "RNN Lens: Find similar memory patterns");
    const peek = page.locator(".peekview-widget");
    const references = peek.locator(".ref-tree .monaco-list-row .referenceMatch");
    await references.first().waitFor({ timeout: 60_000 });
    // The results file (one line a match) is open, and each listed match has its line as preview.
    await page.locator(".tab.active", { hasText: "brown-lstm.log" }).waitFor({ timeout: 10_000 });
    const previews = await references.allInnerTexts();
    expect(previews.length).toBeGreaterThan(1);
    expect(previews.filter((text) => !/\w/.test(text))).toEqual([]);
    // F4 steps to the next match: the selected row moves one down.
    const selected = peek.locator(".ref-tree .monaco-list-row.selected");
    const at = async () => Number(await selected.getAttribute("data-index"));
    const first = await at();
    const firstText = await selected.innerText();
    await page.keyboard.press("F4");
    await expect.poll(at, { timeout: 10_000 }).toBe(first + 1);
    expect(await selected.innerText()).not.toBe(firstText);
    await page.keyboard.press("Escape");
    await peek.waitFor({ state: "hidden", timeout: 10_000 });
    await page.locator(".tab", { hasText: "brown-lstm.log" }).locator(".codicon-close").click();
    // The results opened in the preview tab, where kitchen.txt (opened by a single click) was.
    if ((await page.locator(".tab", { hasText: "kitchen.txt" }).count()) === 0) await quickOpen(page, "kitchen.txt");
    await page.locator(".tab.active", { hasText: "kitchen.txt" }).waitFor({ timeout: 10_000 });
    checked.add("RNN Lens: Find similar memory patterns");
  });

  it("Evaluate corpus on the workspace's text files counts each file once", async () => {
    await clearToasts(vscode.page);
    await runPaletteCommand(vscode.page, "RNN Lens: Evaluate corpus");
    expect(await quickPickLabels(vscode.page)).toEqual(["Workspace text files", "brown", "sotu", "rotten-tomatoes"]);
    await choose(vscode.page, "Workspace text files");
    const message = await waitForToast(vscode.page, /Evaluated/);
    const tokens = countTokens();
    const [, counted, distinct] = /Evaluated brown-lstm on the workspace's text files\b.*?([\d,]+) tokens, ([\d,]+) distinct words/.exec(message) ?? [];
    expect(Number(counted?.replace(/,/g, "")), message).toBe(tokens);
    expect(Number(distinct?.replace(/,/g, ""))).toBeLessThan(tokens);
    checked.add("RNN Lens: Evaluate corpus");
  });

  it("Compare models offers the other models and titles the tab with both names", async () => {
    await clearToasts(vscode.page);
    await runPaletteCommand(vscode.page, "RNN Lens: Compare models");
    const labels = await quickPickLabels(vscode.page);
    expect(labels).not.toContain("brown-lstm"); // the current model (the default one: no rnnlens.model set)
    expect(labels).toEqual(expect.arrayContaining(["brown-gru", "brown-rnn"]));
    await choose(vscode.page, "brown-gru");
    await vscode.page.locator(".tab", { hasText: "RNN Lens: brown-lstm vs brown-gru" }).waitFor({ timeout: 120_000 });
    expect(await waitForToast(vscode.page, /cluster similarity/)).toMatch(/^brown-lstm vs brown-gru: cluster similarity \d\.\d\d$/);
    await vscode.page.locator(".tab", { hasText: "RNN Lens: brown-lstm vs brown-gru" }).locator(".codicon-close").click();
    checked.add("RNN Lens: Compare models");
  });

  it("Select model switches the glyphs, the status bar and the setting to the model picked", async () => {
    await vscode.page.locator(".tab", { hasText: "kitchen.txt" }).click();
    const before = (await glyphsOfFirstLines())[0].map((w) => w.glyph).join(" ");
    await runPaletteCommand(vscode.page, "RNN Lens: Select model");
    expect(await quickPickLabels(vscode.page)).toEqual(expect.arrayContaining(["brown-lstm", "brown-gru", "brown-rnn", "rt-gru"]));
    await choose(vscode.page, "brown-gru");
    expect(await waitForToast(vscode.page, /now explains/)).toMatch(/RNN Lens now explains brown-gru/);
    await expect.poll(statusBarText, { timeout: 30_000 }).toContain("brown-gru");
    await expect.poll(async () => (await glyphsOfFirstLines())[0].map((w) => w.glyph).join(" "), { timeout: 60_000 }).not.toBe(before);
    const settings = () => JSON.parse(readFileSync(resolve(vscode.userDataDir, "User/settings.json"), "utf8"));
    await expect.poll(() => settings()["rnnlens.model"], { timeout: 10_000 }).toBe("brown-gru");
    // The open panel follows the model the editor now uses.
    const frame = await panelFrame(vscode.page);
    await expect.poll(() => frame.locator("#control-model").inputValue(), { timeout: 30_000 }).toBe("brown-gru");
    checked.add("RNN Lens: Select model");
  });

  it("no picker pops up a stray message listing the models", () => {
    expect([...seen].filter((t) => /^Models:/.test(t))).toEqual([]);
  });

  it("Explain unit shows what makes a unit rise and fall", async () => {
    await runPaletteCommand(vscode.page, "RNN Lens: Explain unit");
    await answerInput(vscode.page, "5");
    expect(await waitForToast(vscode.page, /Unit 5 of/)).toMatch(/^Unit 5 of brown-gru: rises for .+; falls for .+/);
    // The panel's detail view shows the same unit's top words.
    const detail = (await panelFrame(vscode.page)).locator("svg.unit-detail");
    await detail.waitFor({ timeout: 30_000 });
    expect(await detail.locator(".view-title").textContent()).toMatch(/^Unit 5 \(layer \d, \w\)/);
    checked.add("RNN Lens: Explain unit");
  });

  it("an edit gets its glyphs within a second of VS Code asking for them", async () => {
    await clickWord(vscode.page, 0, "The");
    await vscode.page.keyboard.press("End");
    const typed = Date.now();
    await vscode.page.keyboard.type(" The lamp was lit.");
    const typedDone = Date.now();
    let glyphAt = 0;
    while (Date.now() - typed < 10_000) {
      const words = wordsWithGlyphs((await visibleLines(vscode.page))[0]);
      if (words.find((w) => w.word === "lit")?.glyph) {
        glyphAt = Date.now();
        break;
      }
      await vscode.page.waitForTimeout(20);
    }
    expect(glyphAt).toBeGreaterThan(0);
    // VS Code itself waits 800 ms after the last keystroke before it shows new hints near the cursor
    // (InlayHintsController); the server's share must fit in the second after that.
    const latency = glyphAt - typedDone;
    console.log(`edit -> glyph on the new word: ${latency} ms after the last keystroke`);
    expect(latency).toBeLessThan(800 + 1000);
  });

  it("Restart server restarts it, and the glyphs come back", async () => {
    const startsBefore = vscode.log().match(/Python: /g)?.length ?? 0;
    await runPaletteCommand(vscode.page, "RNN Lens: Restart server");
    await expect.poll(() => vscode.log().match(/Python: /g)?.length ?? 0, { timeout: 30_000 }).toBe(startsBefore + 1);
    await expect.poll(statusBarText, { timeout: 60_000 }).toMatch(/RNN Lens/);
    const lines = await waitForAllGlyphs(90_000);
    expect(lines.flat().every((w) => w.glyph && GLYPH.test(w.glyph))).toBe(true);
    checked.add("RNN Lens: Restart server");
  });

  it("leaves no progress open once the work has ended", async () => {
    // Background work after the restart (clusters served from the cache) may still be finishing:
    // it gets half a minute, far more than it needs on a warm cache; a progress left open stays.
    await expect.poll(() => openProgress(vscode.page), { timeout: 30_000, interval: 500 }).toEqual([]);
  });

  it("code-server is a remote window: vscode.env.remoteName is its host:port (the interpreter hint depends on it)", () => {
    const line = /VS Code [\d.]+ \(.*\), remote: (.*)$/m.exec(vscode.log());
    expect(line, "the activation line of the RNN Lens output").not.toBeNull();
    console.log(`code-server: vscode.env.remoteName = ${line![1]}`);
    expect(line![1]).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("the palette offers every command the extension contributes, and a step above checked each one", async () => {
    expect(PALETTE.length).toBeGreaterThan(8);
    await openPalette(vscode.page, ">RNN Lens: ", "RNN Lens: ");
    const offered = await quickPickLabels(vscode.page);
    await vscode.page.keyboard.press("Escape");
    expect(PALETTE.filter((title) => !offered.includes(title))).toEqual([]);
    expect(PALETTE.filter((title) => !checked.has(title)), "commands no step ran and checked").toEqual([]);
  });

  it("the output channel has no errors", () => {
    expect(logErrors(vscode)).toEqual([]);
  });
});

describe("RNN Lens in code-server with the user's own PyTorch model", () => {
  // An entry point declared in the machine settings (rnnlens.modelPaths: a workspace cannot set it)
  // and chosen in the user settings: the user's own module and parameter names, weights RNN Lens
  // has not seen (the statistics of its corpus are evaluated on first use, in the editor).
  const entry = `${resolve(repo, "extension/test/e2e/own-model/mylens.py")}:load`;
  let own: VsCode;

  beforeAll(async () => {
    own = await startVsCode([SAMPLE], { machine: { "rnnlens.interpreter": python, "rnnlens.modelPaths": [entry] },
      user: { "rnnlens.model": entry } });
    await openFromExplorer(own.page, "kitchen.txt");
  }, 300_000);

  afterAll(async () => {
    await own?.close();
  });

  it("shows a glyph after every word of the first five lines, from the user's model", async () => {
    const lines = await waitForAllGlyphs(180_000, own.page);
    expect(lines.length).toBe(FIRST_LINES);
    expect(lines.every((words) => words.length > 0)).toBe(true);
    expect(withoutGlyph(lines)).toEqual([]);
    expect(new Set(lines.flat().map((w) => w.glyph!.length))).toEqual(new Set([8]));
  });

  it("the status bar and the hover name the user's model and the statistics of its corpus", async () => {
    await expect.poll(() => statusBarText(own.page), { timeout: 30_000 }).toMatch(/mylens\.py:load · brown:test/);
    await clickWord(own.page, 0, "road", { hover: true });
    const hover = own.page.locator(".monaco-hover:visible", { hasText: "kept rate" });
    await hover.waitFor({ timeout: 30_000 });
    const text = await hover.innerText();
    expect(text).toContain("road");
    expect(text).toMatch(/stats brown:test · [\d.]+k tokens · [\d.]+% unknown · \S*mylens\.py:load@[0-9a-f]{8}/);
    await own.page.mouse.move(5, 500);
  });

  it("Select model offers the user's model next to the samples", async () => {
    await runPaletteCommand(own.page, "RNN Lens: Select model");
    expect(await quickPickLabels(own.page)).toEqual(expect.arrayContaining([entry, "brown-lstm", "rt-gru"]));
    await own.page.keyboard.press("Escape");
  });

  it("the output channel has no errors", () => {
    expect(logErrors(own)).toEqual([]);
  });
});

describe("RNN Lens in code-server without a Python that has RNN Lens", () => {
  let other: VsCode;

  beforeAll(async () => {
    // No rnnlens.interpreter anywhere, and no Python with RNN Lens on PATH.
    const env = { ...process.env, PATH: [dirname(process.execPath), "/usr/bin", "/bin"].join(":") };
    other = await startVsCode([SAMPLE], { machine: {}, env });
    await openFromExplorer(other.page, "kitchen.txt");
  }, 300_000);

  afterAll(async () => {
    await other?.close();
  });

  it("says which Python it tried and that the setting belongs on the server's Remote tab; its button opens it there", async () => {
    const message = await waitForToast(other.page, /rnnlens\.interpreter/, 90_000).catch((error: Error) => {
      throw new Error(`${error.message}\nRNN Lens output:\n${other.log()}`);
    });
    expect(message).toMatch(/python3 \(from default\)/);
    expect(message).toMatch(/This VS Code runs on the server at (127\.0\.0\.1:\d+): set "rnnlens\.interpreter" to a Python there, in the Remote \[\1\] settings/);
    await other.page.locator(".notification-toast", { hasText: "Remote [" }).locator(".monaco-button", { hasText: "Open settings" }).click();
    const editor = other.page.locator(".settings-editor");
    await editor.waitFor({ timeout: 30_000 });
    // The search box is a small Monaco editor: its text is in its view lines.
    await expect.poll(() => editor.locator(".settings-header .view-lines").first().innerText(), { timeout: 10_000 }).toContain("rnnlens.interpreter");
  });

  it("starts once the interpreter is typed into the Remote tab the button opened (the User tab does not offer it)", async () => {
    const editor = other.page.locator(".settings-editor");
    const input = editor.locator(".setting-item-contents", { hasText: "Interpreter" }).locator("input").first();
    await input.fill(python);
    await input.press("Tab");
    await expect.poll(() => other.log(), { timeout: 60_000 }).toContain(`Python: ${python} (from setting)`);
    await expect.poll(() => statusBarText(other.page), { timeout: 120_000 }).toMatch(/RNN Lens: brown-lstm/);
  });
});

function countTokens(): number {
  const script = "import sys; from rnnlens.data.tokenizer import tokenize; print(len(tokenize(open(sys.argv[1]).read())))";
  const run = spawnSync(python, ["-c", script, SAMPLE], { cwd: repo, encoding: "utf8" });
  return Number(run.stdout.trim());
}
