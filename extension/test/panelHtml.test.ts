import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, newNonce, panelHtml } from "../src/panelHtml";

const page = {
  cspSource: "https://webview.example",
  scriptUri: "https://webview.example/dist/panel/panel.js",
  styleUri: "https://webview.example/dist/panel/panel.css",
  endpoint: "ws://127.0.0.1:41234/ws?token=abc",
  port: 41234,
  mode: "main" as const,
};

describe("the panel's webview page", () => {
  it("allows connections only to the announced stream port", () => {
    const csp = contentSecurityPolicy(page, "n0nce");
    expect(csp).toContain("connect-src ws://127.0.0.1:41234");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it("allows no connection before the server announced one", () => {
    expect(contentSecurityPolicy({ ...page, port: null }, "n")).toContain("connect-src 'none'");
  });

  it("runs only the nonce-carrying bundle script", () => {
    const html = panelHtml({ ...page, nonce: "abc123" });
    expect(html).toContain("script-src &#39;nonce-abc123&#39;");
    const executable = [...html.matchAll(/<script(?![^>]*application\/json)[^>]*>/g)].map((m) => m[0]);
    expect(executable).toEqual([`<script nonce="abc123" src="${page.scriptUri}">`]);
  });

  it("embeds the endpoint so that no text can close the config element", () => {
    const html = panelHtml({ ...page, endpoint: "ws://127.0.0.1:1/ws?token=</script><script>alert(1)</script>", port: 1 });
    expect(html).not.toContain("</script><script>alert");
    const config = /<script type="application\/json" id="rnnlens-config">(.*?)<\/script>/s.exec(html)?.[1] ?? "";
    expect(JSON.parse(config).endpoint).toContain("</script>");
  });

  it("makes a fresh nonce every time", () => {
    expect(newNonce()).not.toBe(newNonce());
    expect(newNonce()).toMatch(/^[A-Za-z0-9]{16,}$/);
  });
});
