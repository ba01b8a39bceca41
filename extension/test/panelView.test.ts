import type { ChildProcess } from "node:child_process";
import * as vscode from "vscode";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PanelViews } from "../src/panelView";
import { decodeMessage, encodeMessage } from "../src/protocol/codec";
import type { PanelEndpointParams } from "../src/protocol/messages";
import { startServe } from "./browser/serve";

const mocked = vscode as any;

/** A webview double: records html and posted messages, lets the test send messages from the page. */
function fakeWebview() {
  let receive: (message: unknown) => unknown = () => undefined;
  const webview = {
    html: "",
    options: {},
    cspSource: "vscode-webview://abc",
    posted: [] as unknown[],
    asWebviewUri: (uri: vscode.Uri) => vscode.Uri.parse(`vscode-webview://abc${uri.path}`),
    postMessage: vi.fn(async (message: unknown) => (webview.posted.push(message), true)),
    onDidReceiveMessage: (listener: (message: unknown) => unknown) => ((receive = listener), { dispose() {} }),
    fromPage: (message: unknown) => receive(message),
  };
  return webview;
}

function setup() {
  let endpoint: PanelEndpointParams | undefined;
  const reveal = vi.fn(async () => undefined);
  const cursor = { uri: "file:///a.txt", line: 0, character: 3, offset: 3, token: "cat", sentence: "The cat sat.", sentence_start: 0 };
  const views = new PanelViews({ extensionUri: vscode.Uri.file("/ext"), endpoint: () => endpoint, cursor: () => cursor, reveal });
  const webview = fakeWebview();
  views.resolveWebviewView({ webview, onDidDispose: () => ({ dispose() {} }) } as never);
  return { views, webview, reveal, cursor, announce: (e: PanelEndpointParams) => ((endpoint = e), views.endpointChanged()) };
}

describe("the panel webview", () => {
  it("loads the bundle from extension/dist/panel and allows the page no connection at all", () => {
    const { webview } = setup();
    expect(webview.html).toContain("vscode-webview://abc/ext/extension/dist/panel/panel.js");
    expect(webview.html).toContain("connect-src &#39;none&#39;");
  });

  it("keeps the page (and its state) when the server announces a new endpoint", () => {
    const { webview, announce } = setup();
    const html = webview.html.replace(/nonce-[A-Za-z0-9]+|nonce="[A-Za-z0-9]+"/g, "");
    announce({ url: "ws://127.0.0.1:5123/ws?token=t0k3n", token: "t0k3n", port: 5123, protocol: 1 });
    expect(webview.html.replace(/nonce-[A-Za-z0-9]+|nonce="[A-Za-z0-9]+"/g, "")).toBe(html);
    expect(webview.html).not.toContain("t0k3n");
  });

  it("holds messages until the page says it is ready, then sends the cursor", async () => {
    const { views, webview, cursor } = setup();
    views.broadcast({ type: "compare", model_a: "a", model_b: "b" });
    expect(webview.posted).toEqual([]);
    await webview.fromPage({ type: "ready" });
    expect(webview.posted).toEqual([{ type: "compare", model_a: "a", model_b: "b" }, { type: "cursor", cursor }]);
  });

  it("keeps only the newest cursor while the view is hidden, and sends it when the page is back", async () => {
    const { views, webview, cursor } = setup();
    await webview.fromPage({ type: "ready" });
    const view = (views as any).panels.values().next().value;
    view.hidden();
    webview.posted.length = 0;
    for (const offset of [1, 2, 3]) views.broadcast({ type: "cursor", cursor: { ...cursor, offset } });
    expect(webview.posted).toEqual([]);
    await webview.fromPage({ type: "ready" });
    // One cursor message: the newest (the editor's current cursor), not the three queued.
    expect(webview.posted).toEqual([{ type: "cursor", cursor }]);
  });

  it("passes a token click on to the editor", async () => {
    const { webview, reveal } = setup();
    await webview.fromPage({ type: "reveal", uri: "file:///a.txt", start: 4, end: 7 });
    expect(reveal).toHaveBeenCalledWith("file:///a.txt", 4, 7);
  });

  it("ignores messages from the page that the protocol does not define", async () => {
    const { webview, reveal } = setup();
    await webview.fromPage({ type: "reveal", uri: "file:///a.txt", start: "4", end: 7 });
    await webview.fromPage({ type: "endpoint", url: "ws://evil.example" });
    await webview.fromPage({ type: "stream_send", frame: "not bytes" });
    expect(reveal).not.toHaveBeenCalled();
    expect(webview.posted).toEqual([]);
  });

  it("shows what a palette command computed in the side-bar panel only, not in a comparison", async () => {
    const { views, webview } = setup();
    const compare = fakeWebview();
    mocked.window.createWebviewPanel.mockReturnValueOnce({ webview: compare, visible: true, onDidChangeViewState: () => ({ dispose() {} }), onDidDispose: () => ({ dispose() {} }) });
    views.openComparison("brown-lstm", "brown-gru");
    await Promise.all([webview.fromPage({ type: "ready" }), compare.fromPage({ type: "ready" })]);
    webview.posted.length = 0;
    compare.posted.length = 0;
    const unit = { type: "show_unit", model: "brown-lstm", layer: 2, state: "h", unit: 5 } as const;
    views.showInMain(unit);
    expect(webview.posted).toEqual([unit]);
    expect(compare.posted).toEqual([]);
  });

  it("follows the server's model once per change, and tells a panel opened later", async () => {
    const { views, webview } = setup();
    await webview.fromPage({ type: "ready" });
    webview.posted.length = 0;
    const view = { model: "brown-lstm", layer: 2, state: "h", k: 8 };
    views.followServer(view);
    views.followServer({ ...view });
    expect(webview.posted).toEqual([{ type: "show_view", ...view }]);
    const later = fakeWebview();
    views.resolveWebviewView({ webview: later, onDidDispose: () => ({ dispose() {} }) } as never);
    await later.fromPage({ type: "ready" });
    expect(later.posted[0]).toEqual({ type: "show_view", ...view });
  });
});

describe("the panel webview's stream, relayed to a real rnnlens serve", () => {
  let serve: { url: string; process: ChildProcess };
  beforeAll(async () => {
    serve = await startServe(["--model", "brown-lstm"]);
  });
  afterAll(() => serve?.process.kill());

  const endpointOf = (pageUrl: string): PanelEndpointParams => {
    const url = new URL(pageUrl);
    const token = url.searchParams.get("token") ?? "";
    return { url: `ws://${url.host}/ws?token=${token}`, token, port: Number(url.port), protocol: 1 };
  };
  const hellos = (posted: unknown[]) =>
    posted.filter((m) => (m as { type: string }).type === "stream_frame").map((m) => decodeMessage((m as { frame: Uint8Array }).frame) as { type: string }).filter((m) => m.type === "hello").length;
  const until = async (test: () => boolean, what: string) => {
    for (const deadline = Date.now() + 60_000; !test(); await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    }
  };

  it("answers the page's stream_open with the server's hello and relays its requests", async () => {
    const { webview, announce, views } = setup();
    announce(endpointOf(serve.url));
    await webview.fromPage({ type: "ready" });
    await webview.fromPage({ type: "stream_open" });
    await until(() => hellos(webview.posted) === 1, "hello");
    // A frame as the page sends it (an ArrayBuffer view through postMessage) reaches the server.
    await webview.fromPage({ type: "stream_send", frame: encodeMessage({ type: "ping", id: 3, payload: "from the page" }) });
    await until(() => webview.posted.some((m) => (m as { type: string }).type === "stream_frame" && (decodeMessage((m as { frame: Uint8Array }).frame) as { type: string }).type === "pong"), "pong");
    views.dispose();
  });

  it("sends a hidden page nothing, and a page shown again gets a fresh hello (it re-requests its state then)", async () => {
    const { webview, announce, views } = setup();
    announce(endpointOf(serve.url));
    await webview.fromPage({ type: "ready" });
    await webview.fromPage({ type: "stream_open" });
    await until(() => hellos(webview.posted) === 1, "hello");
    (views as any).panels.values().next().value.hidden();
    const before = webview.posted.length;
    await webview.fromPage({ type: "stream_send", frame: encodeMessage({ type: "ping", id: 4, payload: "while hidden" }) });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(webview.posted.length).toBe(before);
    // Shown again: VS Code reloads the page, which says ready and asks for its stream.
    await webview.fromPage({ type: "ready" });
    await webview.fromPage({ type: "stream_open" });
    await until(() => hellos(webview.posted) === 2, "a fresh hello");
    views.dispose();
  });
});
