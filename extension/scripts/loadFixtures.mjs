// Bundles extension/test/support/fixtures.ts (TypeScript, typed by the generated protocol)
// into a temporary ES module and imports it, so plain Node scripts can use it.
import * as esbuild from "esbuild";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export async function loadFixtures() {
  const out = await esbuild.build({
    entryPoints: [join(here, "../test/support/fixtures.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    logLevel: "error",
  });
  const file = join(mkdtempSync(join(tmpdir(), "rnnlens-fixtures-")), "fixtures.mjs");
  writeFileSync(file, out.outputFiles[0].text);
  return import(pathToFileURL(file).href);
}

export const CHROMIUM = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
};
