/**
 * The panel's webviews: the side-bar view and editor-area panels for model comparison. Each
 * gets the bundle from extension/dist/panel under a strict CSP (no network at all), its stream
 * relayed by the extension host (panelRelay.ts), and the editor's cursor; it asks the editor
 * to reveal tokens and to save exports. Messages both ways are typed in protocol/ (`webview`).
 */
import * as vscode from "vscode";
import { asBytes } from "../panel/src/transport";
import { validateFromWebview } from "./protocol/messages";
import type { CursorState, FromWebviewMessage, PanelEndpointParams, ToWebviewMessage, ToWebviewShowMatches, ToWebviewShowSentence, ToWebviewShowUnit, ToWebviewShowView } from "./protocol/messages";
import { logError } from "./log";
import { panelHtml } from "./panelHtml";
import { StreamRelay } from "./panelRelay";
import type { GlyphView } from "./serverStatus";

/** What palette commands and the language server ask the main panel to show. */
export type MainPanelMessage = ToWebviewShowView | ToWebviewShowUnit | ToWebviewShowSentence | ToWebviewShowMatches;

export interface PanelDependencies {
  extensionUri: vscode.Uri;
  endpoint(): PanelEndpointParams | undefined;
  cursor(): CursorState | undefined;
  reveal(uri: string, start: number, end: number): Promise<void>;
}

/** One webview showing the panel bundle, whatever hosts it. */
export class PanelWebview implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly relay: StreamRelay;
  private ready = false;
  private pending: ToWebviewMessage[] = [];

  constructor(
    readonly webview: vscode.Webview,
    readonly mode: "main" | "compare",
    private readonly deps: PanelDependencies,
  ) {
    const root = vscode.Uri.joinPath(deps.extensionUri, "extension", "dist", "panel");
    webview.options = { enableScripts: true, localResourceRoots: [root] };
    // Stream traffic goes straight to a listening page and is never queued: a page that was
    // away asks for a fresh stream when it is back, and the server's hello restarts its views.
    this.relay = new StreamRelay(() => this.deps.endpoint()?.url, (message) => void (this.ready && this.webview.postMessage(message)));
    this.disposables.push(webview.onDidReceiveMessage((message) => void this.receive(message)));
    this.render();
  }

  /** Write the page. It never changes with the endpoint: the page has no network access of its own. */
  render(): void {
    const root = vscode.Uri.joinPath(this.deps.extensionUri, "extension", "dist", "panel");
    this.ready = false;
    this.webview.html = panelHtml({
      cspSource: this.webview.cspSource,
      scriptUri: this.webview.asWebviewUri(vscode.Uri.joinPath(root, "panel.js")).toString(),
      styleUri: this.webview.asWebviewUri(vscode.Uri.joinPath(root, "panel.css")).toString(),
      mode: this.mode,
    });
  }

  endpointChanged(): void {
    this.relay.endpointChanged();
  }

  /** Post now if the page is listening, else when it says it is ready (hidden pages drop messages). */
  post(message: ToWebviewMessage): void {
    if (this.ready) {
      void this.webview.postMessage(message);
      return;
    }
    // While hidden only the newest cursor matters.
    if (message.type === "cursor") this.pending = this.pending.filter((m) => m.type !== "cursor");
    this.pending.push(message);
  }

  /** The view was hidden: its page is unloaded (with its stream) and will say "ready" again when shown. */
  hidden(): void {
    this.ready = false;
    this.relay.pause();
  }

  private async receive(data: unknown): Promise<void> {
    const message = fromWebview(data);
    if (!message) return;
    switch (message.type) {
      case "ready": {
        this.ready = true;
        // The newest cursor replaces any queued one.
        const cursor = this.deps.cursor();
        if (cursor) this.pending = [...this.pending.filter((m) => m.type !== "cursor"), { type: "cursor", cursor }];
        for (const m of this.pending.splice(0)) void this.webview.postMessage(m);
        break;
      }
      case "stream_open":
        // A page that says stream_open is listening, even if its ready was lost.
        this.ready = true;
        this.relay.open();
        break;
      case "stream_send":
        this.relay.send(message.frame);
        break;
      case "reveal":
        await this.deps.reveal(message.uri, message.start, message.end);
        break;
      case "save":
        await saveExport(message.file_name || "rnnlens", message.base64);
        break;
    }
  }

  dispose(): void {
    this.relay.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** A message from the page, checked against the protocol (a frame may arrive as any byte container). */
function fromWebview(data: unknown): FromWebviewMessage | null {
  if (typeof data !== "object" || data === null) return null;
  let message = data as Record<string, unknown>;
  if (message.type === "stream_send") message = { ...message, frame: asBytes(message.frame) };
  const problem = validateFromWebview(message);
  if (problem) {
    logError(`ignored a malformed message from the panel: ${problem}`);
    return null;
  }
  return message as unknown as FromWebviewMessage;
}


async function saveExport(fileName: string, base64: string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
    filters: fileName.endsWith(".png") ? { "PNG image": ["png"] } : { "SVG image": ["svg"] },
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, Buffer.from(base64, "base64"));
  void vscode.window.showInformationMessage(`RNN Lens: saved ${target.fsPath}`);
}

/** The side-bar view (contributed as `rnnlens.panel`) plus any comparison panels. */
export class PanelViews implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "rnnlens.panel";
  private readonly panels = new Set<PanelWebview>();
  /** The newest message of each kind for the main panel, for a main panel created after it was sent. */
  private readonly forMain = new Map<MainPanelMessage["type"], MainPanelMessage>();
  private serverView = "";

  constructor(private readonly deps: PanelDependencies) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    const panel = new PanelWebview(view.webview, "main", this.deps);
    for (const message of this.forMain.values()) panel.post(message);
    this.panels.add(panel);
    view.onDidChangeVisibility?.(() => {
      if (!view.visible) panel.hidden();
    });
    view.onDidDispose(() => (this.panels.delete(panel), panel.dispose()));
  }

  /** An editor-area panel comparing two models side by side. */
  openComparison(modelA: string, modelB: string): PanelWebview {
    const webviewPanel = vscode.window.createWebviewPanel("rnnlens.compare", `RNN Lens: ${modelA} vs ${modelB}`, vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, "extension", "dist", "panel")],
    });
    const panel = new PanelWebview(webviewPanel.webview, "compare", this.deps);
    panel.post({ type: "compare", model_a: modelA, model_b: modelB });
    this.panels.add(panel);
    webviewPanel.onDidChangeViewState?.(() => {
      if (!webviewPanel.visible) panel.hidden();
    });
    webviewPanel.onDidDispose(() => (this.panels.delete(panel), panel.dispose()));
    return panel;
  }

  endpointChanged(): void {
    for (const panel of this.panels) panel.endpointChanged();
  }

  /** Show something in the side-bar panel (comparison panels keep their two models). */
  showInMain(message: MainPanelMessage): void {
    this.forMain.set(message.type, message);
    for (const panel of this.panels) if (panel.mode === "main") panel.post(message);
  }

  /**
   * The language server's glyphs now show `view`: the side-bar panel follows, once per change, so
   * a model, layer or k the user picks in the panel stays until the server's own choice changes.
   */
  followServer(view: GlyphView): void {
    const key = JSON.stringify(view);
    if (key === this.serverView) return;
    this.serverView = key;
    this.showInMain({ type: "show_view", ...view });
  }

  broadcast(message: ToWebviewMessage): void {
    for (const panel of this.panels) panel.post(message);
  }

  get count(): number {
    return this.panels.size;
  }

  dispose(): void {
    for (const panel of this.panels) panel.dispose();
    this.panels.clear();
  }
}
