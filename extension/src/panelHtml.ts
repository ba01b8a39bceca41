/**
 * The webview page of the panel, with a strict Content-Security-Policy: nothing loads but
 * the bundle's own files (through asWebviewUri) and the one script carrying a fresh nonce,
 * and no connection at all: the extension host relays the stream (panelRelay.ts).
 */
import { randomBytes } from "node:crypto";

export interface PanelPage {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  mode: "main" | "compare";
  nonce?: string;
}

export function newNonce(): string {
  return randomBytes(18).toString("base64").replace(/[^A-Za-z0-9]/g, "");
}

export function contentSecurityPolicy(page: PanelPage, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${page.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${page.cspSource} data: blob:`,
    `font-src ${page.cspSource}`,
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

export function panelHtml(page: PanelPage): string {
  const nonce = page.nonce ?? newNonce();
  // JSON in a non-executed script element; "<" escaped so it can never close the element.
  const config = JSON.stringify({ mode: page.mode }).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(page, nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="${escapeHtml(page.styleUri)}">
  <title>RNN Lens</title>
</head>
<body>
  <main id="rnnlens-panel" aria-label="RNN Lens hidden memory panel"></main>
  <script type="application/json" id="rnnlens-config">${config}</script>
  <script nonce="${nonce}" src="${escapeHtml(page.scriptUri)}"></script>
</body>
</html>`;
}
