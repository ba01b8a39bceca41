/**
 * "Find similar memory patterns": the selection becomes the server's pattern search, and its
 * matches (locations in a read-only results file the server wrote, one line a match) open in the
 * editor's reference peek, which lists them with each line as preview and steps through them
 * (F4 / Shift+F4 when the results are closed).
 */
import * as vscode from "vscode";
import { codePointOffset, cursorSnapshot, sentenceAround } from "./offsets";
import type { FindPatternsArguments, PatternMatches } from "./protocol/commands";
import type { ToWebviewShowMatches } from "./protocol/messages";

/** The active editor's selection as the command's arguments; undefined (with a message) when there is none. */
export function selectionArguments(): FindPatternsArguments | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage("RNN Lens: open a text document and select the text to search for.");
    return undefined;
  }
  const { start, end } = editor.selection;
  if (start.isEqual(end)) {
    void vscode.window.showWarningMessage("RNN Lens: select the text whose memory pattern to search for.");
    return undefined;
  }
  return {
    uri: editor.document.uri.toString(),
    start: { line: start.line, character: start.character },
    end: { line: end.line, character: end.character },
  };
}

/** Open the results file and list its matches in the reference peek. */
export async function showMatches(result: PatternMatches): Promise<void> {
  const uri = vscode.Uri.parse(result.uri);
  if (result.locations.length === 0) {
    void vscode.window.showInformationMessage(`RNN Lens: no span of ${result.corpus} has the selection's units on.`);
    return;
  }
  const position = new vscode.Position(result.position.line, result.position.character);
  const locations = result.locations.map(
    (l) => new vscode.Location(vscode.Uri.parse(l.uri), new vscode.Range(l.range.start.line, l.range.start.character, l.range.end.line, l.range.end.character)),
  );
  const document = await vscode.workspace.openTextDocument(uri);
  // Not a preview tab: a document the user opened with one click is a preview too, and a second
  // preview in the same group would replace it (the user's text would vanish behind the results).
  await vscode.window.showTextDocument(document, { preview: false, preserveFocus: false });
  await vscode.commands.executeCommand("editor.action.showReferences", uri, position, locations);
}

/** The panel's part: the sentences around the selection, and the selection in code points of them. */
export function selectionForPanel(document: vscode.TextDocument, selection: vscode.Range): ToWebviewShowMatches {
  const text = document.getText();
  const from = document.offsetAt(selection.start);
  const to = document.offsetAt(selection.end);
  const start = sentenceAround(text, from)[0];
  const end = Math.max(to, sentenceAround(text, Math.max(from, to - 1))[1]);
  const sentence = text.slice(start, end);
  const cursor = cursorSnapshot(document.uri.toString(), text, from, selection.start.line, selection.start.character);
  return {
    type: "show_matches",
    cursor: { ...cursor, sentence, sentence_start: codePointOffset(text, start) },
    start: codePointOffset(sentence, from - start),
    end: codePointOffset(sentence, to - start),
  };
}
