import { readFileSync } from "node:fs";
import * as vscode from "vscode";
import { describe, expect, it, vi } from "vitest";
import { activate } from "../src/extension";
import type { Recorder } from "./support/vscodeMock";

const mocked = vscode as any;
const recorder = (globalThis as any).__rnnlensRecorder as Recorder;
const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));

describe("activation", () => {
  it("registers every palette command and the side-bar view, and reports a Python it cannot use", async () => {
    mocked.workspace.getConfiguration.mockImplementation(() => ({ get: (key: string) => (key === "interpreter" ? "/nonexistent/bin/python3" : undefined), update: vi.fn() }));
    mocked.window.showErrorMessage.mockClear();
    const context = { subscriptions: [] as { dispose(): void }[], extensionUri: vscode.Uri.file("/ext") };
    const api = await activate(context as never);

    for (const { command } of manifest.contributes.commands) expect(recorder.commands.has(command), command).toBe(true);
    const views = recorder.registrations.get("window.registerWebviewViewProvider") ?? [];
    expect(views.map((args) => (args as unknown[])[0])).toContain("rnnlens.panel");

    await vi.waitFor(() => expect(mocked.window.showErrorMessage).toHaveBeenCalled(), { timeout: 10_000 });
    expect(mocked.window.showErrorMessage.mock.calls[0][0]).toContain('"rnnlens.interpreter"');
    expect(api.server.running).toBeUndefined();
    for (const d of context.subscriptions) d.dispose();
  });
});
