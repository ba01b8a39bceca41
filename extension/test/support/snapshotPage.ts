/** A standalone panel page (bundle inlined, frames embedded) built in Node, for tests and the benchmark. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export function snapshotPage(distPanel: string, frames: Uint8Array[]): string {
  const css = readFileSync(join(distPanel, "panel.css"), "utf8");
  const js = readFileSync(join(distPanel, "panel.js"), "utf8");
  const lines = frames.map((f) => Buffer.from(f).toString("base64")).join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>RNN Lens snapshot</title><style>${css}</style></head>
<body><main id="rnnlens-panel" aria-label="RNN Lens hidden memory panel"></main>
<script type="text/plain" id="rnnlens-snapshot">${lines}</script>
<script>${js.replace(/<\/script/gi, "<\\/script")}</script></body></html>`;
}
