/**
 * Palette commands, as one table. A row says how to ask the user for arguments, which server
 * command (`rnnlens.server.*`, registered by the language client itself) runs them, and what
 * to show afterwards; one generic handler runs every row.
 */
import * as vscode from "vscode";
import { ExecuteCommandRequest } from "vscode-languageclient/node";
import type { LanguageClient } from "vscode-languageclient/node";
import { logError, logInfo } from "./log";
import { cursorSnapshot } from "./offsets";
import { selectionArguments, selectionForPanel, showMatches } from "./patternMatches";
import type { CommandCancelled, CommandError, ExplainSentenceArguments, ModelList, SentenceGlyphs, ServerCommandArguments, ServerCommandResults } from "./protocol/commands";
import type { MainPanelMessage } from "./panelView";

export interface CommandHost {
  client(): Promise<LanguageClient | undefined>;
  restartServer(): Promise<void>;
  showPanel(): Promise<void>;
  /** Bring the side-bar panel into view and have it show what a command computed. */
  showInPanel(message: MainPanelMessage): Promise<void>;
  showComparison(modelA: string, modelB: string): Promise<void>;
  /** The model the language server uses, as it last said (undefined before it has). */
  currentModel(): string | undefined;
  /** The server now uses `model`: an open panel follows (a closed one shows it when opened). */
  modelSelected(model: string): void;
}

type Arguments = Record<string, unknown>;

/** A server command's id (`rnnlens.server.*`). */
export type ServerCommand = keyof ServerCommandArguments;
/** What a server command answers when it did its work (not an error, not a cancel). */
export type Answer<C extends ServerCommand> = Exclude<ServerCommandResults[C], CommandError | CommandCancelled>;

export interface CommandRow {
  id: string;
  title: string;
  /** The server command that does the work; absent for purely local commands. */
  server?: ServerCommand;
  /** Ask for the arguments; undefined means the user cancelled. */
  ask?: (host: CommandHost) => Promise<Arguments | undefined>;
  /** What to do with the server's result (or, for local commands, the whole job). */
  after?: (host: CommandHost, result: unknown, args: Arguments) => Promise<void>;
}

/** A row of a server command: its arguments and its answer have the types generated from protocol/commands.json. */
interface ServerRow<C extends ServerCommand> {
  id: string;
  title: string;
  server: C;
  ask?: (host: CommandHost) => Promise<ServerCommandArguments[C] | undefined>;
  after?: (host: CommandHost, result: Answer<C>, args: ServerCommandArguments[C]) => Promise<void>;
}

/** The table holds rows of several commands; `runCommand` hands each row what its own command answered. */
function serverRow<C extends ServerCommand>(row: ServerRow<C>): CommandRow {
  return row as unknown as CommandRow;
}

/** Run a server command with its generated argument and result types. */
export async function runServerCommand<C extends ServerCommand>(client: LanguageClient, command: C, args: ServerCommandArguments[C]): Promise<ServerCommandResults[C]> {
  return (await sendServerCommand(client, command, args)) as ServerCommandResults[C];
}

// The one place the server's JSON gets its type; tests/lsp/test_command_results.py checks that every
// command answers what protocol/commands.json says.
async function sendServerCommand(client: LanguageClient, command: ServerCommand, args: unknown): Promise<unknown> {
  return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] });
}

async function listModels(host: CommandHost): Promise<Partial<ModelList>> {
  const client = await host.client();
  const listing = client ? await runServerCommand(client, "rnnlens.server.selectModel", {}) : undefined;
  return listing && "models" in listing ? listing : {};
}

/**
 * Ask for a model. `exclude` names a model not to offer (Compare leaves out the one in use);
 * the server's listing says which model is in use, also when it is the default one.
 */
async function pickModel(host: CommandHost, placeHolder: (current: string | undefined) => string, exclude?: (current: string | undefined) => string | undefined): Promise<{ model: string; current: string | undefined } | undefined> {
  const { models = [], current } = await listModels(host);
  const inUse = current ?? undefined;
  const left = exclude?.(inUse);
  const items = models
    .filter((m) => m.name !== left)
    .map((m) => ({ label: m.name, description: [m.cell, m.task, m.name === inUse ? "(in use)" : ""].filter(Boolean).join(" "), detail: m.error ?? undefined }));
  if (items.length === 0) {
    void vscode.window.showWarningMessage(`RNN Lens found no ${left ? "other " : ""}models. Add folders of saved models to the setting rnnlens.modelPaths.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder: placeHolder(inUse) });
  return picked ? { model: picked.label, current: inUse } : undefined;
}

function activeDocument(): ExplainSentenceArguments | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage("RNN Lens: open a text document first.");
    return undefined;
  }
  const { line, character } = editor.selection.active;
  return { uri: editor.document.uri.toString(), position: { line, character } };
}

async function askWholeNumber(prompt: string, value: number, min: number, max: number): Promise<number | undefined> {
  const answer = await vscode.window.showInputBox({
    prompt,
    value: String(value),
    validateInput: (text) => {
      const n = Number(text);
      return Number.isInteger(n) && n >= min && n <= max ? undefined : `a whole number from ${min} to ${max}`;
    },
  });
  return answer === undefined ? undefined : Number(answer);
}

const showPanelAfter = async (host: CommandHost) => host.showPanel();

/** The analysed sentence as the panel's cursor: the server's range, the token at the editor's cursor. */
export function analysedSentence(document: vscode.TextDocument, cursor: vscode.Position, range: SentenceGlyphs["range"]): MainPanelMessage {
  const text = document.getText();
  const snapshot = cursorSnapshot(document.uri.toString(), text, document.offsetAt(cursor), cursor.line, cursor.character);
  const start = document.offsetAt(new vscode.Position(range.start.line, range.start.character));
  const end = document.offsetAt(new vscode.Position(range.end.line, range.end.character));
  const sentence = cursorSnapshot(snapshot.uri, text, start, range.start.line, range.start.character);
  return { type: "show_sentence", cursor: { ...snapshot, sentence: text.slice(start, end), sentence_start: sentence.offset } };
}

export const COMMANDS: CommandRow[] = [
  { id: "rnnlens.showPanel", title: "Show panel", after: showPanelAfter },
  serverRow({
    id: "rnnlens.analyzeDocument",
    title: "Analyze document",
    server: "rnnlens.server.explainSentence",
    ask: async () => activeDocument(),
    after: async (host, result, args) => {
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === args.uri);
      const position = args.position;
      if (!document || !position) return host.showPanel();
      await host.showInPanel(analysedSentence(document, new vscode.Position(position.line, position.character), result.range));
    },
  }),
  serverRow({
    id: "rnnlens.cocluster",
    title: "Co-cluster hidden states",
    server: "rnnlens.server.cocluster",
    ask: async () => {
      const current = vscode.workspace.getConfiguration("rnnlens").get<number>("clusters") ?? 8;
      const k = await askWholeNumber("Number of clusters (unit clusters = word clusters)", current, 2, 64);
      return k === undefined ? undefined : { k };
    },
    after: async (host, summary, args) => {
      // The panel shows these clusters: the same model, layer, state and k.
      const model = args.model ?? host.currentModel() ?? null;
      await host.showInPanel({ type: "show_view", model, layer: summary.layer, state: summary.state, k: summary.k });
    },
  }),
  serverRow({
    id: "rnnlens.evaluate",
    title: "Evaluate corpus",
    server: "rnnlens.server.evaluate",
    ask: async () => {
      const choice = await vscode.window.showQuickPick(
        [
          { label: "Workspace text files", corpus: "", description: ".txt and .md files of the open folders (the model's own corpus when there are none)" },
          { label: "brown", corpus: "brown", description: "Brown corpus (with part-of-speech tags)" },
          { label: "sotu", corpus: "sotu", description: "State of the Union addresses" },
          { label: "rotten-tomatoes", corpus: "rotten-tomatoes", description: "movie review snippets" },
        ],
        { placeHolder: "Which text should the expected responses be measured on?" },
      );
      if (!choice) return undefined;
      return choice.corpus ? { corpus: choice.corpus } : {};
    },
  }),
  serverRow({
    id: "rnnlens.compareModels",
    title: "Compare models",
    server: "rnnlens.server.compareModels",
    ask: async (host) => {
      const picked = await pickModel(host, (current) => `Compare ${current ?? "the current model"} with…`, (current) => current);
      if (!picked) return undefined;
      return { ...(picked.current ? { modelA: picked.current } : {}), modelB: picked.model };
    },
    after: async (host, result, args) => {
      // The server names both models it compared: `models: [a, b]`.
      const [modelA, modelB] = result.models.length === 2 ? result.models : [args.modelA ?? "", args.modelB];
      await host.showComparison(modelA, modelB);
    },
  }),
  serverRow({
    id: "rnnlens.selectModel",
    title: "Select model",
    server: "rnnlens.server.selectModel",
    ask: async (host) => {
      const picked = await pickModel(host, (current) => (current ? `Model to explain (now ${current})` : "Model to explain"));
      return picked ? { model: picked.model } : undefined;
    },
    after: async (host, result, args) => {
      // Keep the setting in step, so a later settings push does not switch back.
      await vscode.workspace.getConfiguration("rnnlens").update("model", args.model, vscode.ConfigurationTarget.Global);
      host.modelSelected("name" in result ? result.name : String(args.model));
    },
  }),
  serverRow({
    id: "rnnlens.explainUnit",
    title: "Explain unit",
    server: "rnnlens.server.explainUnit",
    ask: async () => {
      const unit = await askWholeNumber("Hidden unit number (0-based)", 0, 0, 1_000_000);
      return unit === undefined ? undefined : { unit };
    },
    after: async (host, unit) => {
      // The server names the state as traced (`layer2.h`); the panel asks by its kind (`h`).
      const state = unit.state.slice(unit.state.lastIndexOf(".") + 1);
      await host.showInPanel({ type: "show_unit", model: unit.model, layer: unit.layer, state, unit: unit.unit });
    },
  }),
  serverRow({
    id: "rnnlens.findPatterns",
    title: "Find similar memory patterns",
    server: "rnnlens.server.findPatterns",
    ask: async () => selectionArguments(),
    after: async (host, result) => {
      // The panel lists the matches with their glyphs; shown first, so the peek keeps the focus.
      const editor = vscode.window.activeTextEditor;
      if (editor && result.locations.length > 0) await host.showInPanel(selectionForPanel(editor.document, editor.selection));
      await showMatches(result);
    },
  }),
  {
    id: "rnnlens.restartServer",
    title: "Restart server",
    after: async (host) => host.restartServer(),
  },
];

function failedOrCancelled(result: unknown): boolean {
  return typeof result === "object" && result !== null && ("error" in result || "cancelled" in result);
}

/** The one handler behind every palette command. */
export async function runCommand(row: CommandRow, host: CommandHost): Promise<unknown> {
  try {
    const args = row.ask ? await row.ask(host) : {};
    if (args === undefined) return undefined;
    let result: unknown;
    if (row.server) {
      const client = await host.client();
      if (!client) {
        void vscode.window.showErrorMessage(`RNN Lens: "${row.title}" needs the language server, which is not running (see the RNN Lens output).`);
        return undefined;
      }
      logInfo(`${row.server} ${JSON.stringify(args)}`);
      result = await sendServerCommand(client, row.server, args);
      // The server has already told the user why (a message); nothing to show or to store.
      if (failedOrCancelled(result)) return result;
    }
    await row.after?.(host, result, args);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logError(`${row.title}: ${message}`);
    void vscode.window.showErrorMessage(`RNN Lens: ${row.title} failed: ${message}`);
    return undefined;
  }
}

export function registerCommands(host: CommandHost): vscode.Disposable[] {
  return COMMANDS.map((row) => vscode.commands.registerCommand(row.id, () => runCommand(row, host)));
}
