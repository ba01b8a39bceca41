// Developer look at the panel: renders planted data in Chromium and saves artifacts/shot.png.
// node extension/scripts/shot.mjs [hidden=200] [k=8] [light|dark]
import { chromium } from "playwright-core";
import { mkdirSync, writeFileSync } from "node:fs";
import { CHROMIUM, loadFixtures } from "./loadFixtures.mjs";

const { syntheticFrames, snapshotPage } = await loadFixtures();
const [hidden = 200, k = 8, scheme = "light"] = process.argv.slice(2);
const html = snapshotPage("extension/dist/panel", syntheticFrames({ model: "synthetic", hiddenSize: +hidden, k: +k, words: 300, tokens: 12 }));
mkdirSync("artifacts", { recursive: true });
writeFileSync("artifacts/shot.html", html);
const browser = await chromium.launch(CHROMIUM);
const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, colorScheme: scheme });
page.on("console", (m) => console.log("console:", m.text()));
page.on("pageerror", (e) => console.log("pageerror:", e.message));
await page.goto(`file://${process.cwd()}/artifacts/shot.html`);
await page.waitForSelector("svg.main-view");
await page.click("text.word >> nth=0", { timeout: 3000 }).catch((e) => console.log("click failed", e.message.split("\n")[0]));
await page.screenshot({ path: `artifacts/shot-${scheme}.png`, fullPage: true });
console.log(await page.evaluate(() => JSON.stringify({
  cells: document.querySelectorAll("rect.cell").length,
  words: document.querySelectorAll("text.word").length,
  links: document.querySelectorAll("path.link").length,
  glyphs: document.querySelectorAll("g.glyph").length,
})));
await browser.close();
