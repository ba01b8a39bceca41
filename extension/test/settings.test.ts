/**
 * The server takes modelPaths (the entry points it may import) from initializationOptions only,
 * so the extension sends the user's rnnlens.modelPaths there and restarts the server when it changes.
 */
import * as vscode from "vscode";
import { describe, expect, it, vi } from "vitest";
import { activate } from "../src/extension";
import { clientOptions } from "../src/server";
import { needsRestart } from "../src/settings";
import type { Recorder } from "./support/vscodeMock";

const mocked = vscode as any;
const recorder = (globalThis as any).__rnnlensRecorder as Recorder;

function useSettings(values: Record<string, unknown>): void {
  mocked.workspace.getConfiguration.mockImplementation((section?: string) => ({
    get: (key: string, fallback?: unknown) => (section === "rnnlens" ? (values[key] ?? fallback) : fallback),
    update: vi.fn(),
  }));
}

const changed = (setting: string) => ({ affectsConfiguration: (key: string) => key === setting });

describe("modelPaths reaches the server in initializationOptions", () => {
  it("sends the user's rnnlens.modelPaths, with the other settings, as initializationOptions", () => {
    useSettings({ model: "lens.py:load", modelPaths: ["/home/me/lens.py:load", "/home/me/models"], clusters: 4 });
    expect(clientOptions().initializationOptions).toMatchObject({
      model: "lens.py:load",
      modelPaths: ["/home/me/lens.py:load", "/home/me/models"],
      clusters: 4,
    });
  });

  it("needs a restart for modelPaths (and the interpreter, languages), not for live settings", () => {
    for (const setting of ["rnnlens.modelPaths", "rnnlens.interpreter", "rnnlens.languages"]) expect(needsRestart(changed(setting) as never), setting).toBe(true);
    for (const setting of ["rnnlens.model", "rnnlens.clusters", "editor.fontSize"]) expect(needsRestart(changed(setting) as never), setting).toBe(false);
  });

  it("restarts the server when rnnlens.modelPaths changes", async () => {
    useSettings({ interpreter: "/nonexistent/bin/python3" });
    const context = { subscriptions: [] as { dispose(): void }[], extensionUri: vscode.Uri.file("/ext") };
    const api = await activate(context as never);
    const restart = vi.spyOn(api.server, "restart").mockResolvedValue(undefined);
    await recorder.fire("workspace.onDidChangeConfiguration", changed("rnnlens.clusters"));
    expect(restart).not.toHaveBeenCalled();
    await recorder.fire("workspace.onDidChangeConfiguration", changed("rnnlens.modelPaths"));
    expect(restart).toHaveBeenCalledTimes(1);
    for (const d of context.subscriptions) d.dispose();
  });
});
