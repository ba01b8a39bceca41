import * as vscode from "vscode";
import { describe, expect, it, vi } from "vitest";
import { PanelViews } from "../src/panelView";
import type { PanelEndpointParams } from "../src/protocol/messages";

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
  it("loads the bundle from extension/dist/panel and allows no connection before an endpoint is known", () => {
    const { webview } = setup();
    expect(webview.html).toContain("vscode-webview://abc/ext/extension/dist/panel/panel.js");
    expect(webview.html).toContain("connect-src &#39;none&#39;");
  });

  it("rewrites the page with connect-src for the announced port only", () => {
    const { webview, announce } = setup();
    announce({ url: "ws://127.0.0.1:5123/ws?token=t0k3n", token: "t0k3n", port: 5123, protocol: 1 });
    expect(webview.html).toContain("connect-src ws://127.0.0.1:5123");
    expect(webview.html).toContain("ws://127.0.0.1:5123/ws?token=t0k3n");
  });

  it("holds messages until the page says it is ready, then sends the cursor", async () => {
    const { views, webview, cursor } = setup();
    views.broadcast({ type: "compare", modelA: "a", modelB: "b" });
    expect(webview.posted).toEqual([]);
    await webview.fromPage({ type: "ready" });
    expect(webview.posted).toEqual([{ type: "compare", modelA: "a", modelB: "b" }, { type: "cursor", cursor }]);
  });

  it("keeps only the newest cursor while the view is hidden, and sends it when the page is back", async () => {
    const { views, webview, cursor } = setup();
    await webview.fromPage({ type: "ready" });
    const view = (views as any).panels.values().next().value;
    view.hidden();
    webview.posted.length = 0;
    for (const offset of [1, 2, 3]) views.broadcast({ type: "cursor", cursor: { offset } });
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
});
