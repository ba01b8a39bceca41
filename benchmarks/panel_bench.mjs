// Panel speed in a real browser (Debian Chromium via playwright-core), one command:
//   npm run bench            (or: node benchmarks/panel_bench.mjs [--repeat N])
// For the 2-layer LSTM sample (brown-lstm, via `rnnlens snapshot`; rt-gru if it is missing) and a
// synthetic 1,500-unit / 20-cluster / 300-word model, it measures with the Performance API:
//   first paint: co-clustering + glyph frames handed to the panel -> the frame after the DOM is built
//                (decode, validate, layout, d3-cloud, SVG): the first run (also compiles the code),
//                new data (cloud layouts recomputed; median, p95), and the same data again (cached);
//   recolour:    a click on a word -> the frame after every cell has its new colour;
//   baseline:    the same click answered by re-rendering the whole view (what a naive panel does),
//                measured in the same run: the ratio shows what the targeted recolour saves.
// Targets (1,500-unit case): first paint <= 500 ms, recolour <= 50 ms. Two shared cores: noisy.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, loadFixtures } from "../extension/scripts/loadFixtures.mjs";

const repo = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const repeat = Number(process.argv[process.argv.indexOf("--repeat") + 1]) || 10;
const python = resolve(repo, ".venv/bin/python");
const distPanel = resolve(repo, "extension/dist/panel");

if (!existsSync(join(distPanel, "panel.js"))) spawnSync("node", ["extension/esbuild.mjs"], { cwd: repo, stdio: "inherit" });
const { syntheticFrames, snapshotPage } = await loadFixtures();

/** The frames of a real sample model, built by `rnnlens snapshot` (the stream's own handlers). */
function sampleFrames() {
  const model = existsSync(resolve(repo, "samples/models/brown-lstm")) ? "brown-lstm" : "rt-gru";
  const out = join(mkdtempSync(join(tmpdir(), "rnnlens-bench-")), "snap.html");
  const run = spawnSync(python, ["-m", "rnnlens", "snapshot", "--model", model, "-k", "8", "-o", out], { cwd: repo, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`rnnlens snapshot failed: ${run.stderr}`);
  const html = readFileSync(out, "utf8");
  const lines = /id="rnnlens-snapshot">\s*([\s\S]*?)\s*<\/script>/.exec(html)[1].split(/\s+/).filter(Boolean);
  return { label: `${model} (sample${model === "brown-lstm" ? ", 2-layer LSTM" : "; brown-lstm not trained yet"}), k=8`, frames: lines.map((l) => Buffer.from(l, "base64")) };
}

const cases = [
  sampleFrames(),
  { label: "synthetic 1,500 units, 20 clusters, 300 words", frames: syntheticFrames({ model: "synthetic", hiddenSize: 1500, k: 20, words: 300, tokens: 20 }) },
];

const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * (values.length - 1) + 0.5))];
const fmt = (ms) => `${ms.toFixed(1).padStart(7)} ms`;

const browser = await chromium.launch(CHROMIUM);
const results = [];
for (const { label, frames } of cases) {
  const [hello, ...data] = frames;
  const file = join(mkdtempSync(join(tmpdir(), "rnnlens-bench-")), "page.html");
  writeFileSync(file, snapshotPage(distPanel, [hello]));
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => window.rnnlens !== undefined);
  const measured = await page.evaluate(
    async ({ data, repeat }) => {
      const frames = data.map((b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
      const nextFrame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      // Let a click's follow-up work (the profile, drawn a frame after the cells) finish first.
      const settle = () => new Promise((r) => setTimeout(r, 120));
      const app = window.rnnlens;
      // Fresh data each time (cloud layouts forgotten); the first run also pays for compiling the code.
      const paint = [];
      for (let i = 0; i < repeat; i++) {
        app.forgetLayouts();
        const t0 = performance.now();
        for (const f of frames) app.receiveFrame(f);
        await nextFrame();
        paint.push(performance.now() - t0);
      }
      // The same data again (a hidden panel shown again, a setting toggled): cached cloud layouts.
      const repaint = [];
      for (let i = 0; i < repeat; i++) {
        const t0 = performance.now();
        for (const f of frames) app.receiveFrame(f);
        await nextFrame();
        repaint.push(performance.now() - t0);
      }
      const words = [...document.querySelectorAll("text.word")];
      const recolour = [];
      const baseline = [];
      for (let i = 0; i < Math.min(words.length, 3 * repeat); i++) {
        await settle();
        const t0 = performance.now();
        words[i].dispatchEvent(new MouseEvent("click", { bubbles: true }));
        await nextFrame();
        recolour.push(performance.now() - t0);
      }
      const fresh = () => [...document.querySelectorAll("text.word")];
      for (let i = 0; i < repeat; i++) {
        await settle();
        const t0 = performance.now();
        fresh()[i % fresh().length].dispatchEvent(new MouseEvent("click", { bubbles: true }));
        app.paint();
        await nextFrame();
        baseline.push(performance.now() - t0);
      }
      return {
        paint,
        repaint,
        recolour,
        baseline,
        cells: document.querySelectorAll("rect.cell").length,
        chips: document.querySelectorAll("g.chip").length,
        words: document.querySelectorAll("text.word").length,
        links: document.querySelectorAll("path.link").length,
        glyphs: document.querySelectorAll("g.glyph").length,
      };
    },
    { data: data.map((f) => Buffer.from(f).toString("base64")), repeat },
  );
  await page.close();
  const row = {
    label,
    shape: `${measured.chips} chips, ${measured.cells} cells, ${measured.words} words shown, ${measured.links} links, ${measured.glyphs} glyphs`,
    firstPaintColdMs: measured.paint[0],
    firstPaintMedianMs: quantile(measured.paint.slice(1), 0.5),
    firstPaintP95Ms: quantile(measured.paint.slice(1), 0.95),
    repaintMedianMs: quantile(measured.repaint, 0.5),
    recolourMedianMs: quantile(measured.recolour, 0.5),
    recolourP95Ms: quantile(measured.recolour, 0.95),
    baselineMedianMs: quantile(measured.baseline, 0.5),
  };
  results.push(row);
  console.log(`\n${label}\n  ${row.shape}`);
  console.log(`  first paint   first run ${fmt(row.firstPaintColdMs)}   new data median ${fmt(row.firstPaintMedianMs)}   p95 ${fmt(row.firstPaintP95Ms)}   same data again ${fmt(row.repaintMedianMs)}`);
  console.log(`  recolour      median ${fmt(row.recolourMedianMs)}   p95 ${fmt(row.recolourP95Ms)}`);
  console.log(`  baseline (full re-render per click) median ${fmt(row.baselineMedianMs)}   -> recolour is ${(row.baselineMedianMs / row.recolourMedianMs).toFixed(1)}x faster`);
}
await browser.close();
const big = results[1];
const verdict = (ms, target) => `${ms.toFixed(0)} ms ${ms <= target ? "MET" : "MISSED"}`;
console.log(`\ntargets (1,500 units; machine load now ${(await import("node:os")).loadavg()[0].toFixed(1)} on ${(await import("node:os")).cpus().length} cores):`);
console.log(`  first paint <= 500 ms: new data median ${verdict(big.firstPaintMedianMs, 500)}, p95 ${verdict(big.firstPaintP95Ms, 500)}, first run ${verdict(big.firstPaintColdMs, 500)}`);
console.log(`  recolour <= 50 ms: median ${verdict(big.recolourMedianMs, 50)}, p95 ${verdict(big.recolourP95Ms, 50)}`);
console.log(JSON.stringify({ results }));
