/**
 * The panel bundle as VS Code runs it, in a real Chromium: the webview page (panelHtml, its
 * CSP forbidding every connection) with a stand-in `acquireVsCodeApi` whose postMessage goes
 * to the extension's real relay (StreamRelay) in this process, which talks to a real
 * `rnnlens serve`. The page must draw, follow the cursor, never open a socket itself, and
 * start afresh with its saved state after a reload (what a hidden-then-shown webview does).
 */
import type { ChildProcess } from "node:child_process";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { panelHtml } from "../../src/panelHtml";
import { StreamRelay } from "../../src/panelRelay";
import type { FromWebviewMessage, ToWebviewMessage } from "../../src/protocol/messages";
import { ensurePanelBuilt, launchChromium, startServe, tokenCount, watchPolicyViolations } from "./serve";

const MODEL = process.env.RNNLENS_PANEL_MODEL ?? "brown-lstm";
const K = 4;

let serve: { url: string; process: ChildProcess };
/** The webview page, answered by the test itself (on the server's origin: Chromium keeps other origins off loopback). */
let pageUrl: string;
let browser: Browser;
let page: Page;
let relay: StreamRelay;
let violations: string[];
const fromPage: FromWebviewMessage[] = [];
const sockets: string[] = [];

/** Messages to the page keep their order (each is one evaluate round trip). */
let toPage = Promise.resolve();
function post(message: ToWebviewMessage): void {
  // Playwright passes plain values: the frame travels as numbers and becomes a Uint8Array
  // again in the page, as VS Code's postMessage delivers it.
  const plain = message.type === "stream_frame" ? { ...message, frame: Array.from(message.frame) } : message;
  toPage = toPage.then(() =>
    page.evaluate((m: Record<string, unknown>) => {
      window.postMessage(Array.isArray(m.frame) ? { ...m, frame: Uint8Array.from(m.frame as number[]) } : m, "*");
    }, plain as Record<string, unknown>).catch(() => undefined), // a page that is reloading drops it, like a hidden webview
  );
}

function receive(message: FromWebviewMessage & { frame?: unknown }): void {
  fromPage.push(message);
  if (message.type === "stream_open") relay.open();
  if (message.type === "stream_send") relay.send(Uint8Array.from(message.frame as unknown as number[]));
}

async function waitForPaint(count: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.getElementById("rnnlens-panel")?.dataset.painted ?? 0) >= n, count, { timeout: 180_000 });
}

beforeAll(async () => {
  ensurePanelBuilt();
  serve = await startServe(["--model", MODEL, "--clusters", String(K)]);
  const server = new URL(serve.url);
  relay = new StreamRelay(() => `ws://${server.host}/ws?token=${server.searchParams.get("token")}`, post);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on("pageerror", (error) => console.error("page error:", error.message));
  page.on("websocket", (socket) => sockets.push(socket.url()));
  violations = await watchPolicyViolations(page);
  const html = panelHtml({ cspSource: server.origin, scriptUri: `${server.origin}/panel.js`, styleUri: `${server.origin}/panel.css`, mode: "main" });
  pageUrl = `${server.origin}/webview-under-test.html`;
  await page.route(pageUrl, (route) => route.fulfill({ status: 200, contentType: "text/html", body: html }));
  await page.exposeFunction("__toExtension", receive);
  await page.addInitScript(() => {
    const api = {
      getState: () => JSON.parse(sessionStorage.getItem("vscode-state") ?? "null") ?? undefined,
      setState: (state: unknown) => sessionStorage.setItem("vscode-state", JSON.stringify(state)),
      postMessage: (message: { type: string; frame?: Uint8Array }) =>
        (window as unknown as { __toExtension(m: unknown): void }).__toExtension(message.frame ? { ...message, frame: Array.from(message.frame) } : message),
    };
    (window as unknown as { acquireVsCodeApi(): typeof api }).acquireVsCodeApi = () => api;
  });
  await page.goto(pageUrl);
  await waitForPaint(1);
});

afterAll(async () => {
  relay?.dispose();
  await browser?.close();
  serve?.process.kill();
});

describe("the panel inside a webview, its stream relayed by the extension host", () => {
  it("draws the model's chips and clouds through the relay", async () => {
    expect(fromPage.map((m) => m.type).slice(0, 2)).toEqual(["ready", "stream_open"]);
    expect(await page.locator("g.chip").count()).toBe(K);
    expect(await page.locator("g.cloud").count()).toBe(K);
    expect(await page.textContent(".status")).toMatch(/connected|clusters/);
  });

  it("follows the cursor the extension posts", async () => {
    const sentence = "The food was not good, but the staff was lovely.";
    post({ type: "cursor", cursor: { uri: "file:///tmp/a.txt", line: 0, character: 18, offset: 18, token: "good", sentence, sentence_start: 0 } });
    await page.waitForFunction((n) => document.querySelectorAll("g.glyph").length === n, tokenCount(sentence), { timeout: 120_000 });
    await page.waitForSelector("g.glyph.selected");
    expect(await page.locator("g.glyph.selected text.token").textContent()).toBe("good");
  });

  it("sends token clicks to the editor as typed reveal messages", async () => {
    await page.locator("g.glyph").nth(1).click();
    await expect.poll(() => fromPage.filter((m) => m.type === "reveal").at(-1)).toEqual({ type: "reveal", uri: "file:///tmp/a.txt", start: 4, end: 8 });
  });

  it("lists the matches of the selection that the editor's \"Find similar memory patterns\" posts", async () => {
    const sentence = "The staff took the report to the board of assessors.";
    const start = sentence.indexOf("to the board");
    const end = sentence.indexOf(" of ") + 3;
    post({ type: "show_matches", cursor: { uri: "file:///tmp/b.txt", line: 0, character: start, offset: start, token: "to", sentence, sentence_start: 0 }, start, end });
    await page.waitForSelector(".match-list[data-state=done] li.match", { timeout: 180_000 });
    expect(await page.textContent(".match-hint")).toBe("“to the board of”");
    const selected = await page.$$eval("svg.main-view g.glyph.selected > title", (titles) => titles.map((t) => (t.textContent ?? "").split(" → ")[0]));
    expect(selected).toEqual(["to", "of"]);
    expect(await page.locator("li.match svg.match-glyphs g.glyph").count()).toBeGreaterThan(0);
  });

  it("starts afresh with its saved controls after a reload (a hidden webview shown again)", async () => {
    await page.fill("#control-k", "5");
    await page.dispatchEvent("#control-k", "change");
    await page.waitForFunction(() => document.querySelectorAll("g.chip").length === 5, null, { timeout: 180_000 });
    const opened = fromPage.filter((m) => m.type === "stream_open").length;
    await page.reload();
    await waitForPaint(1);
    expect(fromPage.filter((m) => m.type === "stream_open").length).toBe(opened + 1);
    expect(await page.locator("g.chip").count()).toBe(5);
  });

  it("never opened a connection of its own, and broke no rule of its policy", () => {
    expect(sockets).toEqual([]);
    expect(violations).toEqual([]);
  });
});
