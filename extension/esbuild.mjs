// Builds the extension (CommonJS for Node, `vscode` external) and the panel (browser IIFE
// that bundles d3, d3-cloud and @msgpack/msgpack) into extension/dist/.
import * as esbuild from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const watch = process.argv.includes("--watch");
const production = !watch;

const extension = {
  entryPoints: [join(here, "src/extension.ts")],
  outfile: join(dist, "extension.js"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node18",
  external: ["vscode"],
  sourcemap: watch,
  minify: production,
  logLevel: "info",
};

const panel = {
  entryPoints: [join(here, "panel/src/main.ts")],
  outfile: join(dist, "panel/panel.js"),
  bundle: true,
  platform: "browser",
  format: "iife",
  target: "es2020",
  sourcemap: watch,
  minify: production,
  logLevel: "info",
};

async function copyStatic() {
  await mkdir(join(dist, "panel"), { recursive: true });
  await copyFile(join(here, "panel/index.html"), join(dist, "panel/index.html"));
  await copyFile(join(here, "panel/panel.css"), join(dist, "panel/panel.css"));
}

if (watch) {
  const contexts = await Promise.all([esbuild.context(extension), esbuild.context(panel)]);
  await copyStatic();
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  // A clean folder: the .vsix bundles all of extension/dist.
  await rm(dist, { recursive: true, force: true });
  await Promise.all([esbuild.build(extension), esbuild.build(panel)]);
  await copyStatic();
}
