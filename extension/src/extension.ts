/** RNN Lens for VS Code: activate() only wires the parts together (each lives in its own file). */
import * as vscode from "vscode";
import { registerCommands } from "./commands";
import { EditorSync, revealRange } from "./editorSync";
import { logInfo, outputChannel } from "./log";
import { PanelViews } from "./panelView";
import { onPythonEnvironmentChange } from "./python";
import { ServerManager } from "./server";
import { documentLanguages, needsRestart } from "./settings";
import { StatusBar } from "./statusBar";

export interface RnnLensApi {
  server: ServerManager;
  panels: PanelViews;
  sync: EditorSync;
}

export async function activate(context: vscode.ExtensionContext): Promise<RnnLensApi> {
  const status = new StatusBar();
  let panels: PanelViews | undefined;
  const server = new ServerManager({
    onState: (state) => status.show(state),
    onView: (view) => panels?.followServer(view),
    onEndpoint: () => panels?.endpointChanged(),
    onReveal: (range) => void revealRange(range.uri, range.start, range.end),
  });
  const sync = new EditorSync(documentLanguages, (cursor) => {
    // Webviews get the cursor straight from here (no round trip); the server relays it to browser panels.
    panels?.broadcast({ type: "cursor", cursor });
    server.notifyCursor(cursor);
  });
  panels = new PanelViews({
    extensionUri: context.extensionUri,
    endpoint: () => server.endpoint,
    cursor: () => sync.latest,
    reveal: revealRange,
  });
  context.subscriptions.push(
    outputChannel(),
    status,
    server,
    sync,
    panels,
    vscode.window.registerWebviewViewProvider(PanelViews.viewId, panels),
    ...registerCommands({
      client: () => server.start(),
      restartServer: async () => void (await server.restart()),
      showPanel: async () => void (await vscode.commands.executeCommand(`${PanelViews.viewId}.focus`)),
      showInPanel: async (message) => {
        await vscode.commands.executeCommand(`${PanelViews.viewId}.focus`);
        panels?.showInMain(message);
      },
      currentModel: () => server.model,
      modelSelected: (model) => {
        server.model = model;
        panels?.followServer({ model, layer: null, state: null, k: null });
      },
      showComparison: async (a, b) => void panels?.openComparison(a, b),
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart(event)) {
        logInfo("interpreter, modelPaths or languages changed: restarting the server");
        void server.restart();
      }
    }),
  );
  // Without an explicit interpreter, the server follows the Python extension's environment.
  void onPythonEnvironmentChange(() => {
    if (!vscode.workspace.getConfiguration("rnnlens").get<string>("interpreter")) {
      logInfo("the Python extension's environment changed: restarting the server");
      void server.restart();
    }
  }).then((subscription) => subscription && context.subscriptions.push(subscription));
  // Browser-based and remote windows (code-server, SSH, WSL, containers) name their remote here:
  // machine-scoped settings (rnnlens.interpreter, rnnlens.modelPaths) then live in the Remote settings.
  logInfo(`VS Code ${vscode.version} (${vscode.env.appName}, ${vscode.env.appHost}), remote: ${vscode.env.remoteName ?? "none"}`);
  void server.start();
  return { server, panels, sync };
}

export function deactivate(): void {
  // Disposables registered in activate() stop the server.
}
