/**
 * The real vscode-languageclient 11 against the real `python -m rnnlens lsp` (the project's
 * venv, a real sample model). Only `vscode` itself is the mock; what the tests check is what
 * VS Code would get from the client's providers.
 */
import { resolve } from "node:path";
import * as vscode from "vscode";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runServerCommand } from "../src/commands";
import type { PanelEndpointParams } from "../src/protocol/messages";
import { checkEnvironment } from "../src/python";
import { ServerManager } from "../src/server";
import type { ServerState } from "../src/statusBar";
import type { Recorder } from "./support/vscodeMock";

const mocked = vscode as any;
const recorder = (globalThis as any).__rnnlensRecorder as Recorder;
const python = resolve(__dirname, "../../.venv/bin/python");
const MODEL = "rt-gru";
const TEXT = "The film was not good at all.\nA warm, funny and moving story.\n";

const settings: Record<string, unknown> = { interpreter: python, model: MODEL, languages: ["plaintext"], "inlayHints.density": "all", clusters: 4 };

function textDocument(uri: vscode.Uri, text: string) {
  const lines = text.split("\n");
  const offsetAt = (p: vscode.Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return {
    uri,
    fileName: uri.fsPath,
    languageId: "plaintext",
    version: 1,
    isClosed: false,
    isDirty: false,
    isUntitled: false,
    eol: 1,
    lineCount: lines.length,
    getText: () => text,
    offsetAt,
    positionAt: (offset: number) => {
      let line = 0;
      while (line < lines.length - 1 && offset > lines[line].length) offset -= lines[line++].length + 1;
      return new vscode.Position(line, offset);
    },
    lineAt: (line: number) => ({ text: lines[line], range: new vscode.Range(line, 0, line, lines[line].length) }),
  };
}

function provider(registration: string): any {
  const entries = recorder.registrations.get(registration) ?? [];
  expect(entries.length, `${registration} was registered`).toBeGreaterThan(0);
  return (entries.at(-1) as unknown[])[1];
}

const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };

describe("the real language client against the real RNN Lens server", () => {
  const states: ServerState[] = [];
  const endpoints: PanelEndpointParams[] = [];
  let manager: ServerManager;
  const document = textDocument(vscode.Uri.file(resolve(__dirname, "review.txt")), TEXT);

  beforeAll(async () => {
    mocked.workspace.getConfiguration.mockImplementation((section?: string) => ({
      get: (key: string, fallback?: unknown) => (section === "rnnlens" ? (settings[key] ?? fallback) : fallback),
      has: () => true,
      inspect: () => undefined,
      update: vi.fn(),
    }));
    mocked.languages.match.mockImplementation((selector: { language?: string; scheme?: string }[], doc: { languageId: string; uri: vscode.Uri }) =>
      (Array.isArray(selector) ? selector : [selector]).some((s) => (!s.language || s.language === doc.languageId) && (!s.scheme || s.scheme === doc.uri.scheme)) ? 10 : 0,
    );
    manager = new ServerManager(
      { onState: (s) => states.push(s), onEndpoint: (e) => endpoints.push(e), onReveal: () => undefined },
      { findInterpreter: async () => ({ command: python, source: "setting" }), checkEnvironment, showError: async () => undefined },
    );
    const client = await manager.start();
    expect(client, JSON.stringify(states)).toBeDefined();
    await recorder.fire("workspace.onDidOpenTextDocument", document);
  });

  afterAll(async () => {
    await manager?.stop();
  });

  it("starts and reports ready in the status bar", async () => {
    expect(manager.running).toBeDefined();
    // The server answers initialize before it loads torch; "ready" comes once the model's clusters are.
    await vi.waitFor(() => expect(states.map((s) => s.kind)).toContain("ready"), { timeout: 60_000, interval: 100 });
  });

  it("receives the panel stream's endpoint notification", async () => {
    await vi.waitFor(() => expect(endpoints.length).toBeGreaterThan(0), { timeout: 30_000, interval: 100 });
    const endpoint = endpoints[0];
    expect(endpoint.url).toBe(`ws://127.0.0.1:${endpoint.port}/ws?token=${endpoint.token}`);
    expect(endpoint.token.length).toBeGreaterThanOrEqual(16);
  });

  it("returns the server's hover for a word through the registered hover provider", async () => {
    const hover = await vi.waitFor(
      async () => {
        const result = await provider("languages.registerHoverProvider").provideHover(document, new vscode.Position(0, 17), token);
        expect(result).toBeTruthy();
        return result;
      },
      { timeout: 60_000, interval: 500 },
    );
    const text = JSON.stringify(hover.contents);
    expect(text).toContain("good");
    expect(text).toMatch(/positive|negative/); // the classifier's output at that step
  });

  it("returns no hover between words", async () => {
    const result = await provider("languages.registerHoverProvider").provideHover(document, new vscode.Position(0, 3), token);
    expect(result ?? null).toBeNull();
  });

  it("returns inlay hints for the requested range only (once the server's clusters are ready)", async () => {
    // The first co-clustering of a model runs in the background; hints appear when it is done.
    const hints = await vi.waitFor(
      async () => {
        const found = await provider("languages.registerInlayHintsProvider").provideInlayHints(document, new vscode.Range(1, 0, 1, 31), token);
        expect(found?.length).toBeGreaterThan(3);
        return found;
      },
      { timeout: 240_000, interval: 2000 },
    );
    for (const hint of hints) expect(hint.position.line).toBe(1);
    expect(states.some((s) => s.kind === "busy")).toBe(true); // the status bar showed the co-clustering
  }, 300_000);

  it("runs a server command through workspace/executeCommand", async () => {
    const result = (await runServerCommand(manager.running!, "rnnlens.server.selectModel", {})) as { models: { name: string }[] };
    expect(result.models.map((m) => m.name)).toContain(MODEL);
  });

  it("restarts with a new server and a new stream token", async () => {
    const before = endpoints.length;
    await manager.restart();
    expect(manager.running).toBeDefined();
    await vi.waitFor(() => expect(endpoints.length).toBeGreaterThan(before), { timeout: 30_000, interval: 100 });
    expect(endpoints.at(-1)!.token).not.toBe(endpoints[0].token);
  });
});
