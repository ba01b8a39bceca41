import * as vscode from "vscode";
import { describe, expect, it, vi } from "vitest";
import { COMMANDS, runCommand } from "../src/commands";
import type { CommandHost } from "../src/commands";

const mocked = vscode as any;
const row = (id: string) => COMMANDS.find((c) => c.id === id)!;

/** A host whose language client records the requests it is asked to send. */
function recordingHost(answers: Record<string, unknown> = {}) {
  const sent: { command: string; arguments: unknown[] }[] = [];
  // The server's listing: `current` is the model in use, also when no rnnlens.model is set.
  const listing = { models: [{ name: "brown-lstm" }, { name: "brown-gru" }, { name: "brown-rnn" }], current: "brown-lstm" };
  const client = {
    sendRequest: vi.fn(async (_type: unknown, params: { command: string; arguments: unknown[] }) => {
      sent.push(params);
      if (params.command === "rnnlens.server.selectModel" && !(params.arguments[0] as { model?: string }).model) return listing;
      if (params.command === "rnnlens.server.compareModels") {
        const args = params.arguments[0] as { modelA?: string; modelB: string };
        return { models: [args.modelA ?? listing.current, args.modelB], similarity: 0.5 };
      }
      return answers[params.command] ?? { ok: true };
    }),
  };
  const host: CommandHost = {
    client: vi.fn(async () => client as never),
    restartServer: vi.fn(async () => undefined),
    showPanel: vi.fn(async () => undefined),
    showInPanel: vi.fn(async () => undefined),
    showComparison: vi.fn(async () => undefined),
    currentModel: vi.fn(() => "brown-lstm"),
    modelSelected: vi.fn(),
  };
  return { host, sent };
}

describe("palette commands", () => {
  it("sends the co-clustering command with the number of clusters the user typed, and the panel shows that many", async () => {
    const summary = { layer: 2, state: "h", k: 12, word_clusters: [], unit_clusters: [], links: [] };
    const { host, sent } = recordingHost({ "rnnlens.server.cocluster": summary });
    mocked.workspace.getConfiguration.mockImplementation(() => ({ get: () => 8, update: vi.fn() }));
    mocked.window.showInputBox.mockResolvedValueOnce("12");
    await runCommand(row("rnnlens.cocluster"), host);
    expect(sent).toEqual([{ command: "rnnlens.server.cocluster", arguments: [{ k: 12 }] }]);
    // The server's model (the default one here: no rnnlens.model), the layer and state it clustered, k.
    expect(host.showInPanel).toHaveBeenCalledWith({ type: "show_view", model: "brown-lstm", layer: 2, state: "h", k: 12 });
  });

  it("Explain unit shows the unit in the panel's detail view", async () => {
    // As the server answers it: the state named as traced.
    const explained = { model: "brown-gru", layer: 1, state: "layer1.h", unit: 5, min_count: 5, positive: [], negative: [] };
    const { host } = recordingHost({ "rnnlens.server.explainUnit": explained });
    mocked.window.showInputBox.mockResolvedValueOnce("5");
    await runCommand(row("rnnlens.explainUnit"), host);
    expect(host.showInPanel).toHaveBeenCalledWith({ type: "show_unit", model: "brown-gru", layer: 1, state: "h", unit: 5 });
  });

  it("Analyze document selects the sentence the server analysed in the panel, at the cursor's token", async () => {
    const text = "It rained. When the rain came, we left.";
    const uri = vscode.Uri.file("/w/a.txt");
    const document = { uri, getText: () => text, offsetAt: (p: vscode.Position) => p.character, languageId: "plaintext" };
    mocked.window.activeTextEditor = { document, selection: { active: new vscode.Position(0, 21) } };
    mocked.workspace.textDocuments = [document];
    const range = { start: { line: 0, character: 11 }, end: { line: 0, character: 39 } };
    const { host, sent } = recordingHost({ "rnnlens.server.explainSentence": { layer: 2, state: "h", k: 8, tokens: [], range } });
    await runCommand(row("rnnlens.analyzeDocument"), host);
    expect(sent).toEqual([{ command: "rnnlens.server.explainSentence", arguments: [{ uri: uri.toString(), position: { line: 0, character: 21 } }] }]);
    expect(host.showInPanel).toHaveBeenCalledWith({
      type: "show_sentence",
      cursor: { uri: uri.toString(), line: 0, character: 21, offset: 21, token: "rain", sentence: "When the rain came, we left.", sentence_start: 11 },
    });
    mocked.window.activeTextEditor = undefined;
  });

  it("does nothing when the user cancels the question", async () => {
    const { host, sent } = recordingHost();
    mocked.window.showInputBox.mockResolvedValueOnce(undefined);
    await runCommand(row("rnnlens.explainUnit"), host);
    expect(sent).toEqual([]);
  });

  it("compares the current model with the one picked, then opens the comparison panel", async () => {
    const { host, sent } = recordingHost();
    mocked.workspace.getConfiguration.mockImplementation(() => ({ get: (key: string) => (key === "model" ? "brown-lstm" : undefined) }));
    mocked.window.showQuickPick.mockImplementationOnce(async (items: { label: string }[]) => items.find((i) => i.label === "brown-gru"));
    await runCommand(row("rnnlens.compareModels"), host);
    expect(sent.at(-1)).toEqual({ command: "rnnlens.server.compareModels", arguments: [{ modelA: "brown-lstm", modelB: "brown-gru" }] });
    expect(host.showComparison).toHaveBeenCalledWith("brown-lstm", "brown-gru");
  });

  it("Compare models does not offer the model in use, even when no model is set (the server's default)", async () => {
    const { host, sent } = recordingHost();
    mocked.workspace.getConfiguration.mockImplementation(() => ({ get: () => undefined }));
    let offered: string[] = [];
    mocked.window.showQuickPick.mockImplementationOnce(async (items: { label: string }[]) => {
      offered = items.map((i) => i.label);
      return items.find((i) => i.label === "brown-rnn");
    });
    await runCommand(row("rnnlens.compareModels"), host);
    expect(offered).toEqual(["brown-gru", "brown-rnn"]);
    expect(sent.at(-1)).toEqual({ command: "rnnlens.server.compareModels", arguments: [{ modelA: "brown-lstm", modelB: "brown-rnn" }] });
    expect(host.showComparison).toHaveBeenCalledWith("brown-lstm", "brown-rnn");
  });

  it("Compare models titles the comparison with the two models the server compared", async () => {
    const { host } = recordingHost({});
    const client = await host.client();
    const send = (client as unknown as { sendRequest: ReturnType<typeof vi.fn> }).sendRequest;
    const listed = send.getMockImplementation()!;
    // A server that fills in model A itself (no `current` in its listing): the result names it.
    send.mockImplementation(async (type: unknown, params: { command: string; arguments: unknown[] }) => {
      if (params.command === "rnnlens.server.selectModel") return { models: [{ name: "brown-lstm" }, { name: "brown-gru" }] };
      if (params.command === "rnnlens.server.compareModels") return { models: ["brown-lstm", "brown-gru"], similarity: 0.4 };
      return listed(type, params);
    });
    mocked.workspace.getConfiguration.mockImplementation(() => ({ get: () => undefined }));
    mocked.window.showQuickPick.mockImplementationOnce(async (items: { label: string }[]) => items.find((i) => i.label === "brown-gru"));
    await runCommand(row("rnnlens.compareModels"), host);
    expect(host.showComparison).toHaveBeenCalledWith("brown-lstm", "brown-gru");
  });

  it("opens no comparison when the server reports that comparing failed", async () => {
    const { host } = recordingHost();
    const client = await host.client();
    (client as unknown as { sendRequest: ReturnType<typeof vi.fn> }).sendRequest.mockImplementation(async (_type: unknown, params: { command: string }) =>
      params.command === "rnnlens.server.selectModel" ? { models: [{ name: "brown-lstm" }, { name: "brown-gru" }], current: "brown-lstm" } : { error: "model 'brown-gru' is broken" },
    );
    mocked.window.showQuickPick.mockImplementationOnce(async (items: { label: string }[]) => items[0]);
    await runCommand(row("rnnlens.compareModels"), host);
    expect(host.showComparison).not.toHaveBeenCalled();
  });

  it("Select model marks the model in use in the picker", async () => {
    const { host } = recordingHost();
    mocked.workspace.getConfiguration.mockImplementation(() => ({ get: () => undefined, update: vi.fn() }));
    let offered: { label: string; description?: string }[] = [];
    let placeHolder = "";
    mocked.window.showQuickPick.mockImplementationOnce(async (items: { label: string; description?: string }[], options: { placeHolder: string }) => {
      offered = items;
      placeHolder = options.placeHolder;
      return undefined;
    });
    await runCommand(row("rnnlens.selectModel"), host);
    expect(offered.map((i) => i.label)).toEqual(["brown-lstm", "brown-gru", "brown-rnn"]);
    expect(offered[0].description).toContain("in use");
    expect(placeHolder).toContain("brown-lstm");
  });

  it("keeps the model setting in step after Select model", async () => {
    const { host, sent } = recordingHost();
    const update = vi.fn();
    mocked.workspace.getConfiguration.mockImplementation(() => ({ get: () => undefined, update }));
    mocked.window.showQuickPick.mockImplementationOnce(async (items: { label: string }[]) => items[1]);
    await runCommand(row("rnnlens.selectModel"), host);
    expect(sent.at(-1)).toEqual({ command: "rnnlens.server.selectModel", arguments: [{ model: "brown-gru" }] });
    expect(update).toHaveBeenCalledWith("model", "brown-gru", vscode.ConfigurationTarget.Global);
    expect(host.modelSelected).toHaveBeenCalledWith("brown-gru");
  });

  it("tells the user when the server is not running", async () => {
    const { host } = recordingHost();
    host.client = async () => undefined;
    mocked.window.showErrorMessage.mockClear();
    mocked.window.showInputBox.mockResolvedValueOnce("3");
    await runCommand(row("rnnlens.explainUnit"), host);
    expect(mocked.window.showErrorMessage.mock.calls[0][0]).toMatch(/needs the language server/);
  });

  it("turns a server error into a message, not an exception", async () => {
    const { host } = recordingHost();
    const failing = { sendRequest: vi.fn(async () => Promise.reject(new Error("model 'nope' not found"))) };
    host.client = async () => failing as never;
    mocked.window.showErrorMessage.mockClear();
    mocked.window.showInputBox.mockResolvedValueOnce("3");
    await expect(runCommand(row("rnnlens.explainUnit"), host)).resolves.toBeUndefined();
    expect(mocked.window.showErrorMessage.mock.calls[0][0]).toContain("model 'nope' not found");
  });
});
