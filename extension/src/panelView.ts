/**
 * The panel's webviews: the side-bar view and editor-area panels for model comparison. Each
 * gets the bundle from extension/dist/panel under a strict CSP, the stream endpoint, and the
 * editor's cursor; it asks the editor to reveal tokens and to save exports.
 */
import * as vscode from "vscode";
import type { CursorState, PanelEndpointParams } from "./protocol/messages";
import { panelHtml } from "./panelHtml";

export interface PanelDependencies {
  extensionUri: vscode.Uri;
  endpoint(): PanelEndpointParams | undefined;
  cursor(): CursorState | undefined;
  reveal(uri: string, start: number, end: number): Promise<void>;
}

/** One webview showing the panel bundle, whatever hosts it. */
export class PanelWebview implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private port: number | null = null;
  private ready = false;
  private pending: unknown[] = [];

  constructor(
    readonly webview: vscode.Webview,
    private readonly mode: "main" | "compare",
    private readonly deps: PanelDependencies,
  ) {
    const root = vscode.Uri.joinPath(deps.extensionUri, "extension", "dist", "panel");
    webview.options = { enableScripts: true, localResourceRoots: [root] };
    this.disposables.push(webview.onDidReceiveMessage((message) => void this.receive(message)));
    this.render();
  }

  /** (Re)write the page; a new port needs a new CSP, so the page reloads and restores its state. */
  render(): void {
    const endpoint = this.deps.endpoint();
    const root = vscode.Uri.joinPath(this.deps.extensionUri, "extension", "dist", "panel");
    this.port = endpoint?.port ?? null;
    this.ready = false;
    this.webview.html = panelHtml({
      cspSource: this.webview.cspSource,
      scriptUri: this.webview.asWebviewUri(vscode.Uri.joinPath(root, "panel.js")).toString(),
      styleUri: this.webview.asWebviewUri(vscode.Uri.joinPath(root, "panel.css")).toString(),
      endpoint: endpoint?.url ?? null,
      port: this.port,
      mode: this.mode,
    });
  }

  endpointChanged(): void {
    const endpoint = this.deps.endpoint();
    if ((endpoint?.port ?? null) !== this.port) this.render();
    else if (endpoint) this.post({ type: "endpoint", url: endpoint.url });
  }

  /** Post now if the page is listening, else when it says it is ready (hidden pages drop messages). */
  post(message: unknown): void {
    if (this.ready) {
      void this.webview.postMessage(message);
      return;
    }
    // While hidden only the newest cursor matters.
    if ((message as { type?: string })?.type === "cursor") this.pending = this.pending.filter((m) => (m as { type?: string })?.type !== "cursor");
    this.pending.push(message);
  }

  /** The view was hidden: its page is unloaded and will say "ready" again when shown. */
  hidden(): void {
    this.ready = false;
  }

  private async receive(message: { type?: string; [key: string]: unknown }): Promise<void> {
    switch (message?.type) {
      case "ready": {
        this.ready = true;
        // The newest cursor replaces any queued one.
        const cursor = this.deps.cursor();
        if (cursor) this.pending = [...this.pending.filter((m) => (m as { type?: string })?.type !== "cursor"), { type: "cursor", cursor }];
        for (const m of this.pending.splice(0)) void this.webview.postMessage(m);
        break;
      }
      case "reveal":
        if (typeof message.uri === "string" && typeof message.start === "number" && typeof message.end === "number") {
          await this.deps.reveal(message.uri, message.start, message.end);
        }
        break;
      case "save":
        await saveExport(String(message.fileName ?? "rnnlens"), String(message.base64 ?? ""));
        break;
      default:
        break;
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
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

  constructor(private readonly deps: PanelDependencies) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    const panel = new PanelWebview(view.webview, "main", this.deps);
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
    panel.post({ type: "compare", modelA, modelB });
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

  broadcast(message: unknown): void {
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
