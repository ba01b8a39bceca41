/**
 * Starting, stopping and restarting `python -m rnnlens lsp` with vscode-languageclient, and
 * the custom notifications it sends (panel endpoint, reveal requests, cluster status).
 */
import * as vscode from "vscode";
import { ExecuteCommandRequest, LanguageClient, State } from "vscode-languageclient/node";
import type { LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";
import { NOTIFICATIONS, isPanelEndpointParams, isRevealRangeParams } from "./protocol/messages";
import type { CursorParams, PanelEndpointParams, RevealRangeParams } from "./protocol/messages";
import { logError, logInfo, outputChannel } from "./log";
import { checkEnvironment, findInterpreter } from "./python";
import type { EnvironmentCheck, Interpreter } from "./python";
import { SERVER_COMMANDS, SERVER_NOTIFICATIONS } from "./protocol/commands";
import type { ModelList, StatusParams } from "./protocol/commands";
import { readStatus } from "./serverStatus";
import type { GlyphView } from "./serverStatus";
import { SECTION, documentLanguages, serverSettings } from "./settings";
import type { ServerState } from "./statusBar";

export interface ServerEvents {
  onState(state: ServerState): void;
  /** The model (and layer, state, k) whose clusters the editor's glyphs now show, as the server says. */
  onView?(view: GlyphView): void;
  onEndpoint(endpoint: PanelEndpointParams): void;
  onReveal(range: RevealRangeParams): void;
}

export interface ServerDependencies {
  findInterpreter(): Promise<Interpreter>;
  checkEnvironment(interpreter: Interpreter): Promise<EnvironmentCheck>;
  showError(message: string, ...actions: string[]): Thenable<string | undefined>;
}

export const defaultDependencies: ServerDependencies = {
  findInterpreter,
  checkEnvironment,
  showError: (message, ...actions) => vscode.window.showErrorMessage(message, ...actions),
};

export function serverOptions(interpreter: Interpreter): ServerOptions {
  // The server starts in the workspace folder; PYTHONSAFEPATH (Python 3.11+) keeps that folder off
  // sys.path, so a workspace's own `rnnlens/` or `torch.py` is never imported in place of ours.
  const env = { ...process.env, PYTHONUNBUFFERED: "1", PYTHONSAFEPATH: "1" };
  const run = { command: interpreter.command, args: ["-m", "rnnlens", "lsp"], options: { env } };
  return { run, debug: run };
}

export function clientOptions(): LanguageClientOptions {
  return {
    documentSelector: documentLanguages().flatMap((language) => [
      { scheme: "file", language },
      { scheme: "untitled", language },
    ]),
    synchronize: { configurationSection: SECTION },
    initializationOptions: serverSettings(),
    outputChannel: outputChannel(),
  };
}

/**
 * rnnlens.interpreter is machine-scoped: in a remote window (SSH, WSL, containers, Codespaces)
 * VS Code reads it from the Remote settings only, and a value in User settings is ignored. In
 * code-server the Settings editor offers it on the Remote tab only, and it names a Python on the server.
 */
export function remoteSettingHint(interpreter: Interpreter, remoteName: string | undefined): string {
  if (!remoteName || interpreter.source === "setting") return "";
  if (servedByAddress(remoteName)) return ` This VS Code runs on the server at ${remoteName}: set "rnnlens.interpreter" to a Python there, in the Remote [${remoteName}] settings.`;
  return ` This is a remote window (${remoteName}): set "rnnlens.interpreter" in the Remote settings; VS Code ignores it in User settings here.`;
}

/**
 * A VS Code served to a browser by address (code-server: remoteName is its `host:port`; Remote-SSH,
 * WSL, containers and Codespaces name a kind, "ssh-remote"). Its User settings live on the server
 * too, and a hand-written machine setting there is read, but the Settings editor offers machine
 * settings on its Remote tab only (both seen in the end-to-end test).
 */
export function servedByAddress(remoteName: string): boolean {
  return /:\d+$/.test(remoteName);
}

/** Open the Settings editor at rnnlens.interpreter: on the Remote tab in a remote window (the User tab hides it there). */
export function openInterpreterSetting(remoteName: string | undefined): Thenable<unknown> {
  // openRemoteSettings takes only an options object (a plain string query is dropped).
  const command = remoteName ? "workbench.action.openRemoteSettings" : "workbench.action.openSettings";
  return vscode.commands.executeCommand(command, { query: "rnnlens.interpreter" });
}

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient | undefined> | undefined;
  endpoint: PanelEndpointParams | undefined;
  /** The model the server uses, as it last said (its listing at start, then its status notifications). */
  model: string | undefined;

  constructor(
    private readonly events: ServerEvents,
    private readonly deps: ServerDependencies = defaultDependencies,
  ) {}

  get running(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /** Start once; concurrent callers share the same start. */
  start(): Promise<LanguageClient | undefined> {
    this.starting ??= this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  async restart(): Promise<LanguageClient | undefined> {
    await this.stop();
    return this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.endpoint = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        logError(`stopping the server: ${String(error)}`);
      }
      await client.dispose();
    }
    this.events.onState({ kind: "stopped" });
  }

  private async doStart(): Promise<LanguageClient | undefined> {
    if (this.client) return this.client;
    this.events.onState({ kind: "starting" });
    const interpreter = await this.deps.findInterpreter();
    logInfo(`Python: ${interpreter.command} (from ${interpreter.source})`);
    const check = await this.deps.checkEnvironment(interpreter);
    if (!check.ok) {
      const message = check.message + remoteSettingHint(interpreter, vscode.env.remoteName);
      logError(message);
      this.events.onState({ kind: "error", message });
      void this.deps.showError(message, "Open settings").then((choice) => {
        if (choice) void openInterpreterSetting(vscode.env.remoteName);
      });
      return undefined;
    }
    logInfo(check.message);
    const client = new LanguageClient("rnnlens", "RNN Lens", serverOptions(interpreter), clientOptions());
    client.onNotification(NOTIFICATIONS.panelEndpoint, (params: unknown) => {
      if (!isPanelEndpointParams(params)) return logError(`ignored a malformed ${NOTIFICATIONS.panelEndpoint}`);
      this.endpoint = params;
      logInfo(`panel stream at 127.0.0.1:${params.port}`);
      this.events.onEndpoint(params);
    });
    client.onNotification(NOTIFICATIONS.revealRange, (params: unknown) => {
      if (isRevealRangeParams(params)) this.events.onReveal(params);
    });
    let statusSeen = false;
    // The server's own status notification (cluster computations in the background), as protocol/commands.json defines it.
    client.onNotification(SERVER_NOTIFICATIONS.status, (params: StatusParams) => {
      statusSeen = true;
      const status = readStatus(params);
      this.events.onState(status.state);
      if (!status.view) return;
      this.model = status.view.model;
      this.events.onView?.(status.view);
    });
    client.onDidChangeState((change) => {
      if (change.newState === State.Stopped && this.client === client) this.events.onState({ kind: "error", message: "the language server stopped; see the RNN Lens output" });
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      const message = `RNN Lens: the language server did not start: ${error instanceof Error ? error.message : String(error)}`;
      logError(message);
      this.events.onState({ kind: "error", message });
      void this.deps.showError(message);
      return undefined;
    }
    // The model in use comes from the server: with no rnnlens.model set it picks a default itself.
    const current = await this.currentModel(client);
    // A status notification that came meanwhile (clusters computing or ready, with their statistics) says more.
    if (statusSeen) return client;
    this.model = current;
    this.events.onState({ kind: "ready", model: current ?? (vscode.workspace.getConfiguration(SECTION).get<string>("model") || undefined) });
    if (current) this.events.onView?.({ model: current, layer: null, state: null, k: null });
    return client;
  }

  /** The server's listing names the model in use (`current`), also when it is the default one. */
  private async currentModel(client: LanguageClient): Promise<string | undefined> {
    try {
      const listing = (await client.sendRequest(ExecuteCommandRequest.type, { command: SERVER_COMMANDS.selectModel, arguments: [{}] })) as Partial<ModelList> | null;
      return typeof listing?.current === "string" && listing.current ? listing.current : undefined;
    } catch (error) {
      logError(`asking the server for its model: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  /** Tell the server where the cursor is, so browser panels (`rnnlens serve` pages) follow too. */
  notifyCursor(cursor: CursorParams): void {
    void this.running?.sendNotification(NOTIFICATIONS.cursor, cursor).catch(() => undefined);
  }

  dispose(): void {
    void this.stop();
  }
}
