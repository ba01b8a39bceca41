import * as vscode from "vscode";
import { describe, expect, it, vi } from "vitest";
import { COMMANDS, runCommand } from "../src/commands";
import type { CommandHost } from "../src/commands";

const mocked = vscode as any;
const row = COMMANDS.find((c) => c.id === "rnnlens.findPatterns")!;

function hostAnswering(answer: unknown) {
  const sent: { command: string; arguments: unknown[] }[] = [];
  const client = { sendRequest: vi.fn(async (_type: unknown, params: { command: string; arguments: unknown[] }) => (sent.push(params), answer)) };
  const shown: unknown[] = [];
  const host = { client: vi.fn(async () => client as never), showInPanel: vi.fn(async (m: unknown) => void shown.push(m)) } as unknown as CommandHost;
  return { host, sent, shown };
}

const results = "file:///cache/pattern-matches/brown-lstm.log";
const answer = {
  model: "brown-lstm",
  corpus: "brown:test",
  uri: results,
  position: { line: 0, character: 0 },
  locations: [
    { uri: results, range: { start: { line: 5, character: 70 }, end: { line: 5, character: 82 } } },
    { uri: results, range: { start: { line: 6, character: 64 }, end: { line: 6, character: 80 } } },
  ],
  matches: [],
  query: { state: "layer2.c", threshold: 0.1, units: [45, 52, 96], tokens: ["the", "morning"] },
  provenance: null,
};

describe("Find similar memory patterns", () => {
  it("sends the selection and lists the matches in the reference peek of the results file", async () => {
    const uri = vscode.Uri.file("/w/a.txt");
    const text = "It rained. In the morning the children ran to the barn in the morning fog. Then they slept.";
    const document = { uri, getText: () => text, offsetAt: (p: vscode.Position) => p.character };
    mocked.window.activeTextEditor = { document, selection: { start: new vscode.Position(0, 41), end: new vscode.Position(0, 55) } };
    mocked.workspace.openTextDocument = vi.fn(async (u: unknown) => ({ uri: u }));
    mocked.window.showTextDocument = vi.fn(async () => undefined);
    const executed: unknown[][] = [];
    mocked.commands.executeCommand.mockImplementation(async (...args: unknown[]) => void executed.push(args));
    const { host, sent, shown } = hostAnswering(answer);
    await runCommand(row, host);
    expect(sent).toEqual([{ command: "rnnlens.server.findPatterns", arguments: [{ uri: uri.toString(), start: { line: 0, character: 41 }, end: { line: 0, character: 55 } }] }]);
    // The panel gets the selection's sentence and the selection in it, to list the matches with glyphs.
    expect(shown).toHaveLength(1);
    const panel = shown[0] as { type: string; cursor: { sentence: string; sentence_start: number }; start: number; end: number };
    expect(panel.type).toBe("show_matches");
    expect(panel.cursor.sentence).toBe("In the morning the children ran to the barn in the morning fog.");
    expect(panel.cursor.sentence_start).toBe(11);
    expect(panel.cursor.sentence.slice(panel.start, panel.end)).toBe(text.slice(41, 55));
    const peek = executed.find((args) => args[0] === "editor.action.showReferences")!;
    expect(String(peek[1])).toBe(results);
    const locations = peek[3] as vscode.Location[];
    expect(locations).toHaveLength(2);
    expect(locations[1].range.start.line).toBe(6);
    expect(locations[1].range.end.character).toBe(80);
    mocked.window.activeTextEditor = undefined;
  });

  it("asks for a selection instead of sending an empty one", async () => {
    mocked.window.activeTextEditor = { document: { uri: vscode.Uri.file("/w/a.txt") }, selection: { start: new vscode.Position(1, 2), end: new vscode.Position(1, 2) } };
    const { host, sent } = hostAnswering(answer);
    await runCommand(row, host);
    expect(sent).toEqual([]);
    expect(mocked.window.showWarningMessage).toHaveBeenCalledWith(expect.stringContaining("select the text"));
    mocked.window.activeTextEditor = undefined;
  });
});
