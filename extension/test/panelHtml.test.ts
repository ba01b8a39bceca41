import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, newNonce, panelHtml } from "../src/panelHtml";

const page = {
  cspSource: "https://webview.example",
  scriptUri: "https://webview.example/dist/panel/panel.js",
  styleUri: "https://webview.example/dist/panel/panel.css",
  mode: "main" as const,
};

describe("the panel's webview page", () => {
  it("allows no connection at all: the extension relays the stream", () => {
    const csp = contentSecurityPolicy(page, "n0nce");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|ws:|127\.0\.0\.1/);
  });

  it("runs only the nonce-carrying bundle script", () => {
    const html = panelHtml({ ...page, nonce: "abc123" });
    expect(html).toContain("script-src &#39;nonce-abc123&#39;");
    const executable = [...html.matchAll(/<script(?![^>]*application\/json)[^>]*>/g)].map((m) => m[0]);
    expect(executable).toEqual([`<script nonce="abc123" src="${page.scriptUri}">`]);
  });

  it("holds no stream address or token: the page cannot leak what it does not have", () => {
    const html = panelHtml(page);
    const config = /<script type="application\/json" id="rnnlens-config">(.*?)<\/script>/s.exec(html)?.[1] ?? "";
    expect(JSON.parse(config)).toEqual({ mode: "main" });
    expect(html).not.toMatch(/token|ws:\/\//);
  });

  it("makes a fresh nonce every time", () => {
    expect(newNonce()).not.toBe(newNonce());
    expect(newNonce()).toMatch(/^[A-Za-z0-9]{16,}$/);
  });
});
