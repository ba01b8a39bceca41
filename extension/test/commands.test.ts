import * as vscode from "vscode";
import { describe, expect, it, vi } from "vitest";
import { COMMANDS, runCommand } from "../src/commands";
import type { CommandHost } from "../src/commands";

const mocked = vscode as any;
const row = (id: string) => COMMANDS.find((c) => c.id === id)!;

/** A host whose language client records the requests it is asked to send. */
function recordingHost() {
  const sent: { command: string; arguments: unknown[] }[] = [];
  const client = {
    sendRequest: vi.fn(async (_type: unknown, params: { command: string; arguments: unknown[] }) => {
      sent.push(params);
      if (params.command === "rnnlens.server.selectModel") return { models: [{ name: "brown-lstm" }, { name: "brown-gru" }], current: "brown-lstm" };
      return { ok: true };
    }),
  };
  const host: CommandHost = {
    client: vi.fn(async () => client as never),
    restartServer: vi.fn(async () => undefined),
    showPanel: vi.fn(async () => undefined),
    showComparison: vi.fn(async () => undefined),
  };
  return { host, sent };
}

describe("palette commands", () => {
  it("sends the co-clustering command with the number of clusters the user typed", async () => {
    const { host, sent } = recordingHost();
    mocked.workspace.getConfiguration.mockImplementation(() => ({ get: () => 8, update: vi.fn() }));
    mocked.window.showInputBox.mockResolvedValueOnce("12");
    await runCommand(row("rnnlens.cocluster"), host);
    expect(sent).toEqual([{ command: "rnnlens.server.cocluster", arguments: [{ k: 12 }] }]);
    expect(host.showPanel).toHaveBeenCalled();
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

  it("keeps the model setting in step after Select model", async () => {
    const { host, sent } = recordingHost();
    const update = vi.fn();
    mocked.workspace.getConfiguration.mockImplementation(() => ({ get: () => undefined, update }));
    mocked.window.showQuickPick.mockImplementationOnce(async (items: { label: string }[]) => items[1]);
    await runCommand(row("rnnlens.selectModel"), host);
    expect(sent.at(-1)).toEqual({ command: "rnnlens.server.selectModel", arguments: [{ model: "brown-gru" }] });
    expect(update).toHaveBeenCalledWith("model", "brown-gru", vscode.ConfigurationTarget.Global);
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
