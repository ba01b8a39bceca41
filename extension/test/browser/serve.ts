/** Start a real `rnnlens serve` (the project's venv) and a real Chromium for the browser tests. */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { chromium } from "playwright-core";
import type { Browser, Page, Response } from "playwright-core";

export const repo = resolve(__dirname, "../../..");
export const python = resolve(repo, ".venv/bin/python");
/** Screenshots and exported files for a human look (gitignored). */
export const artifacts = resolve(repo, "artifacts");

export const CHROMIUM_OPTIONS = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
};

export function ensurePanelBuilt(): void {
  if (!existsSync(resolve(repo, "extension/dist/panel/panel.js"))) {
    const build = spawnSync("node", ["extension/esbuild.mjs"], { cwd: repo, stdio: "inherit" });
    if (build.status !== 0) throw new Error("building the panel failed");
  }
}

export async function startServe(args: string[]): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(python, ["-m", "rnnlens", "serve", ...args], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += String(chunk)));
  const url = await new Promise<string>((resolvePromise, reject) => {
    let stdout = "";
    child.stdout?.on("data", (chunk) => {
      stdout += String(chunk);
      const match = /^panel: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m.exec(stdout);
      if (match) resolvePromise(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`rnnlens serve exited with ${code}: ${stderr}`)));
  });
  return { url, process: child };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch(CHROMIUM_OPTIONS);
}

/** What the Python side computes for the same view (the test's independent expectation). */
export function coclusterFromCli(model: string, k: number): { unit_clusters: number[][]; word_clusters: string[][]; links: number[][] } {
  const run = spawnSync(python, ["-m", "rnnlens", "cocluster", "--model", model, "-k", String(k), "--json"], { cwd: repo, encoding: "utf8" });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

export function tokenCount(text: string): number {
  const run = spawnSync(python, ["-c", "import sys; from rnnlens.data.tokenizer import tokenize; print(len(tokenize(sys.argv[1])))", text], { cwd: repo, encoding: "utf8" });
  return Number(run.stdout.trim());
}

/**
 * Every Content-Security-Policy violation a page reports, from both the DOM event and Chrome's
 * console ("Refused to ..."): a page that renders under its policy leaves this list empty.
 */
export async function watchPolicyViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) seen.push(`console: ${message.text()}`);
  });
  await page.exposeFunction("__rnnlensViolation", (text: string) => seen.push(`event: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { __rnnlensViolation(text: string): void }).__rnnlensViolation(`${event.violatedDirective} blocked ${event.blockedURI}`);
    });
  });
  return seen;
}

export async function waitForPaint(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.getElementById("rnnlens-panel")?.dataset.painted ?? 0) >= n, count, { timeout: 120_000 });
}

/** A running `rnnlens serve`, a Chromium and a page on the panel (see openPanel). */
export interface OpenPanel {
  serve: { url: string; process: ChildProcess };
  browser: Browser;
  page: Page;
  /** The page's Content-Security-Policy violations (watchPolicyViolations). */
  violations: string[];
  /** The answer to the page's first load (its headers carry the policy). */
  response: Response | null;
}

/**
 * The browser tests' common start: the panel built, `rnnlens serve --model MODEL --clusters K`,
 * a Chromium page on it that logs page errors and records policy violations, after its first
 * paint. On a failure part way, what was started is stopped before the error is passed on.
 */
export async function openPanel(model: string, k: number, viewport: { width: number; height: number }): Promise<OpenPanel> {
  ensurePanelBuilt();
  mkdirSync(artifacts, { recursive: true });
  const serve = await startServe(["--model", model, "--clusters", String(k)]);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport });
    page.on("pageerror", (error) => console.error("page error:", error.message));
    const violations = await watchPolicyViolations(page);
    const response = await page.goto(serve.url);
    await waitForPaint(page, 1);
    return { serve, browser, page, violations, response };
  } catch (error) {
    await closePanel({ serve, browser });
    throw error;
  }
}

export async function closePanel(panel: Partial<Pick<OpenPanel, "serve" | "browser">> | undefined): Promise<void> {
  await panel?.browser?.close();
  panel?.serve?.process.kill();
}
