/**
 * A real VS Code for the end-to-end tests: code-server 4.100.3 (VS Code 1.100.3 in a browser,
 * installed by scripts/install_code_server.sh) with the built .vsix in a fresh profile, driven
 * by playwright-core in the Debian Chromium. Helpers here speak VS Code's UI (palette, quick
 * picks, notifications, editor lines), so the tests read as what a user does and sees.
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import type { Browser, Frame, Page } from "playwright-core";

export const repo = resolve(__dirname, "../../..");
export const python = resolve(repo, ".venv/bin/python");
const entry = resolve(repo, ".tools/code-server/node_modules/code-server/out/node/entry.js");
const vsix = resolve(repo, "rnnlens.vsix");

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** The inlay glyph: one block character per unit cluster. */
export const GLYPH = /^[\u2581-\u2588]+$/;

export interface VsCode {
  page: Page;
  browser: Browser;
  workspace: string;
  userDataDir: string;
  process: ChildProcess;
  log: () => string;
  close(): Promise<void>;
}

/** The newest modification time of the files under `paths` (folders searched recursively). */
function newest(paths: string[]): number {
  let latest = 0;
  for (const path of paths.filter(existsSync)) {
    const stat = statSync(path);
    if (stat.isDirectory()) latest = Math.max(latest, newest(readdirSync(path).map((name) => join(path, name))));
    else latest = Math.max(latest, stat.mtimeMs);
  }
  return latest;
}

/** Package the extension (which builds it) unless rnnlens.vsix is newer than all that goes into it. */
export function ensureVsix(): string {
  const inputs = ["package.json", "extension/src", "extension/panel", "extension/media", "extension/esbuild.mjs"].map((p) => resolve(repo, p));
  if (!existsSync(vsix) || statSync(vsix).mtimeMs < newest(inputs)) {
    const run = spawnSync("npm", ["run", "--silent", "package"], { cwd: repo, stdio: "inherit" });
    if (run.status !== 0) throw new Error("npm run package failed");
  }
  return vsix;
}

export interface Profile {
  /** User settings (User/settings.json); none by default. */
  user?: Record<string, unknown>;
  /** The machine's settings, the "Remote" tab in code-server (Machine/settings.json); default: rnnlens.interpreter. */
  machine?: Record<string, unknown>;
  /** The environment code-server (and so the extension host and its Python check) runs in. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Start code-server on a fresh profile (its own --user-data-dir and --extensions-dir, VS Code's
 * default settings except `rnnlens.interpreter`), with `files` copied into a new workspace folder.
 */
export async function startVsCode(files: string[], profile: Profile = {}): Promise<VsCode> {
  if (!existsSync(entry)) throw new Error(`code-server is not installed: run scripts/install_code_server.sh (looked for ${entry})`);
  const root = mkdtempSync(join(tmpdir(), "rnnlens-e2e-"));
  const userDataDir = join(root, "user-data");
  const extensionsDir = join(root, "extensions");
  const workspace = join(root, "workspace");
  for (const dir of [join(userDataDir, "Machine"), join(userDataDir, "User"), extensionsDir, workspace]) mkdirSync(dir, { recursive: true });
  for (const file of files) copyFileSync(file, join(workspace, file.split("/").at(-1)!));
  // rnnlens.interpreter is machine-scoped: code-server (a remote window) reads it from the machine's
  // settings ("Remote" tab of the Settings editor), and also from User settings (a test checks that).
  writeFileSync(join(userDataDir, "Machine", "settings.json"), JSON.stringify(profile.machine ?? { "rnnlens.interpreter": python }, null, 2));
  if (profile.user) writeFileSync(join(userDataDir, "User", "settings.json"), JSON.stringify(profile.user, null, 2));
  const common = ["--user-data-dir", userDataDir, "--extensions-dir", extensionsDir, "--config", join(root, "config.yaml")];
  const install = spawnSync("node", [entry, "--install-extension", ensureVsix(), ...common], { encoding: "utf8" });
  if (install.status !== 0 || !/successfully installed/.test(install.stdout)) throw new Error(`installing the .vsix failed: ${install.stdout}${install.stderr}`);

  const child = spawn("node", [entry, "--auth", "none", "--bind-addr", "127.0.0.1:0", "--disable-telemetry", "--disable-update-check",
    "--disable-workspace-trust", "--disable-getting-started-override", ...common, workspace], { stdio: ["ignore", "pipe", "pipe"], env: profile.env ?? process.env });
  let output = "";
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start: ${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`code-server exited with ${code}: ${output}`)));
  });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector(".monaco-workbench .part.editor", { timeout: 90_000 });
  return {
    page,
    browser,
    workspace,
    userDataDir,
    process: child,
    log: () => extensionLog(userDataDir),
    async close() {
      await browser.close().catch(() => undefined);
      child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 500));
      if (!process.env.RNNLENS_E2E_KEEP) rmSync(root, { recursive: true, force: true });
      else console.log(`kept the code-server profile and workspace in ${root}`);
    },
  };
}

/** The "RNN Lens" output channel as VS Code writes it to disk (every extension host of the session). */
export function extensionLog(userDataDir: string): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, name.name);
      if (name.isDirectory()) walk(path);
      else if (name.name === "RNN Lens.log") found.push(readFileSync(path, "utf8"));
    }
  };
  if (existsSync(join(userDataDir, "logs"))) walk(join(userDataDir, "logs"));
  return found.join("\n");
}

/** Open a workspace file from the Explorer, as a user clicks it. */
export async function openFromExplorer(page: Page, name: string): Promise<void> {
  await page.locator(".explorer-folders-view .monaco-list-row", { hasText: name }).click();
  await page.waitForSelector(`.tab.active[aria-label*="${name}"]`);
  await page.waitForSelector(".editor-instance .view-lines .view-line");
}

/** Open a workspace file by name through Quick Open (the palette without its ">"), whichever side bar is shown. */
export async function quickOpen(page: Page, name: string): Promise<void> {
  await pickInPalette(page, name, name);
  await page.waitForSelector(`.tab.active[aria-label*="${name}"]`);
}

/** Run a palette command through F1 by its full title ("RNN Lens: Show panel"). */
export async function runPaletteCommand(page: Page, title: string): Promise<void> {
  await pickInPalette(page, `>${title}`, title);
}

/** What has the keyboard focus: for the error that says why the palette did not open. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement;
    return element ? `${element.tagName.toLowerCase()}.${String(element.className).split(" ").join(".")}` : "nothing";
  });
}

/**
 * Open the palette (F1) and type `query`; return once a row showing `row` is offered.
 * As a user would, it tries again when the palette did not show or closed before the row came:
 * on a slow machine F1 can arrive while VS Code is moving the focus (a webview that was just
 * closed, the panel's page loading), and the palette then never opens or closes at once. The
 * third try clicks the Command Center in the title bar instead of pressing F1.
 */
export async function openPalette(page: Page, query: string, row: string): Promise<void> {
  const input = page.locator(".quick-input-widget .quick-input-box input");
  const offered = page.locator(".quick-input-list .monaco-list-row", { hasText: row }).first();
  const misses: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt < 2) await page.keyboard.press("F1");
    else await page.locator(".command-center-center").click();
    try {
      await input.waitFor({ timeout: 10_000 });
      await input.fill(query, { timeout: 10_000 });
      await offered.waitFor({ timeout: 30_000 });
      if (misses.length > 0) console.log(`the palette opened for "${query}" only on try ${attempt + 1}:\n${misses.join("\n")}`);
      return;
    } catch (error) {
      misses.push(`try ${attempt + 1}: ${String(error).split("\n")[0]} (focus on ${await focused(page)})`);
      await page.keyboard.press("Escape");
    }
  }
  throw new Error(`the palette did not offer "${row}" for "${query}":\n${misses.join("\n")}`);
}

/** Open the palette, type `query`, and press Enter on the first row once one showing `row` is offered. */
export async function pickInPalette(page: Page, query: string, row: string): Promise<void> {
  await openPalette(page, query, row);
  await page.keyboard.press("Enter");
}

/** The labels a quick pick offers (waits for the list to show). */
export async function quickPickLabels(page: Page): Promise<string[]> {
  await page.locator(".quick-input-widget .quick-input-list .monaco-list-row").first().waitFor({ timeout: 60_000 });
  return page.$$eval(".quick-input-widget .quick-input-list .monaco-list-row .label-name", (rows) => rows.map((r) => r.textContent ?? ""));
}

export async function choose(page: Page, label: string): Promise<void> {
  await page.locator(".quick-input-widget .quick-input-list .monaco-list-row", { has: page.locator(".label-name", { hasText: new RegExp(`^${label}$`) }) }).click();
}

/** Answer an input box (clears the proposed value first). */
export async function answerInput(page: Page, text: string): Promise<void> {
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await input.waitFor();
  await input.fill(text);
  await page.keyboard.press("Enter");
}

/** Texts of the notification toasts on screen. */
export async function toasts(page: Page): Promise<string[]> {
  return page.$$eval(".notification-toast .notification-list-item-message", (items) => items.map((i) => i.textContent ?? ""));
}

export async function waitForToast(page: Page, pattern: RegExp, timeout = 60_000): Promise<string> {
  const started = Date.now();
  while (Date.now() - started < timeout) {
    const hit = (await toasts(page)).find((t) => pattern.test(t));
    if (hit) return hit;
    await page.waitForTimeout(200);
  }
  throw new Error(`no notification matching ${pattern} within ${timeout} ms; on screen: ${JSON.stringify(await toasts(page))}`);
}

export async function clearToasts(page: Page): Promise<void> {
  await runPaletteCommand(page, "Notifications: Clear All Notifications");
}

/** Progress VS Code shows: notification toasts with a running bar, and the status bar's progress item. */
export async function openProgress(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const open: string[] = [];
    for (const toast of Array.from(document.querySelectorAll(".notification-toast"))) {
      const bar = toast.querySelector(".monaco-progress-container");
      if (bar && bar.classList.contains("active")) open.push(`notification: ${toast.textContent}`);
    }
    for (const item of Array.from(document.querySelectorAll(".statusbar-item"))) {
      if (item.id.includes("progress") || item.querySelector(".codicon-loading, .codicon-sync.codicon-modifier-spin")) {
        if ((item as HTMLElement).offsetParent !== null) open.push(`status bar: ${item.textContent} (${item.getAttribute("aria-label") ?? ""})`);
      }
    }
    return open;
  });
}

/** One editor line as the user sees it: runs of text, each marked as glyph (inlay) or document text. */
export interface LinePiece {
  text: string;
  inlay: boolean;
}

export async function visibleLines(page: Page): Promise<LinePiece[][]> {
  return page.$$eval(".editor-instance .view-lines .view-line", (lines) =>
    lines
      .map((line) => ({ top: parseFloat((line as HTMLElement).style.top || "0"), line }))
      .sort((a, b) => a.top - b.top)
      .map(({ line }) =>
        Array.from(line.querySelectorAll(":scope > span > span")).map((span) => ({
          text: (span.textContent ?? "").replace(/\u00a0/g, " "),
          // Inlay hints are rendered as injected text with a dynamic class (dyn-rule-…).
          inlay: Array.from(span.classList).some((c) => c.startsWith("dyn-rule") || c.startsWith("ced-")),
        })),
      ),
  );
}

/** Words of a line (document text only) and whether a glyph follows each one directly. */
export function wordsWithGlyphs(pieces: LinePiece[]): { word: string; glyph: string | undefined }[] {
  const out: { word: string; glyph: string | undefined }[] = [];
  pieces.forEach((piece, i) => {
    if (piece.inlay) return;
    const words = [...piece.text.matchAll(/[A-Za-z]+(?:'[A-Za-z]+)?/g)];
    words.forEach((match, j) => {
      const atEnd = match.index! + match[0].length === piece.text.length;
      const next = pieces[i + 1];
      const glyph = j === words.length - 1 && atEnd && next?.inlay ? next.text : undefined;
      out.push({ word: match[0], glyph });
    });
  });
  return out;
}

/** The panel's document inside the webview (VS Code nests it in two iframes). */
export async function panelFrame(page: Page, timeout = 60_000): Promise<Frame> {
  const started = Date.now();
  while (Date.now() - started < timeout) {
    for (const frame of page.frames()) {
      if (await frame.$("#rnnlens-panel").catch(() => null)) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error("the RNN Lens panel webview did not appear");
}

/** Click just inside the end of the first occurrence of `word` on a 0-based editor line. */
export async function clickWord(page: Page, line: number, word: string, options: { hover?: boolean } = {}): Promise<void> {
  const box = await page.evaluate(
    ({ line, word }) => {
      const lines = Array.from(document.querySelectorAll(".editor-instance .view-lines .view-line")) as HTMLElement[];
      lines.sort((a, b) => parseFloat(a.style.top || "0") - parseFloat(b.style.top || "0"));
      const target = lines[line];
      for (const span of Array.from(target.querySelectorAll(":scope > span > span"))) {
        const text = (span.textContent ?? "").replace(/\u00a0/g, " ");
        const at = text.search(new RegExp(`\\b${word}\\b`));
        if (at < 0 || Array.from(span.classList).some((c) => c.startsWith("dyn-rule"))) continue;
        const node = span.firstChild!;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + word.length);
        const rect = range.getBoundingClientRect();
        const editor = target.closest(".editor-instance")!.getBoundingClientRect();
        const x = rect.left + rect.width / 2;
        const y = rect.top + rect.height / 2;
        // Off screen (a narrow editor group scrolled sideways) a click would land on something else.
        if (x < editor.left || x > editor.right || y < editor.top || y > editor.bottom) return null;
        return { x, y };
      }
      return null;
    },
    { line, word },
  );
  if (!box) throw new Error(`"${word}" is not visible on editor line ${line}`);
  if (options.hover) await page.mouse.move(box.x, box.y);
  else await page.mouse.click(box.x, box.y);
}
