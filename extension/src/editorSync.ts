/**
 * Editor <-> panel: cursor moves (debounced) become the protocol's CursorState for the
 * panels; reveal requests (from a panel or the server) select a token in its document.
 */
import * as vscode from "vscode";
import { cursorSnapshot, utf16Offset } from "./offsets";
import type { CursorState } from "./protocol/messages";

export const CURSOR_DEBOUNCE_MS = 120;

export class EditorSync implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscription: vscode.Disposable;
  latest: CursorState | undefined;

  constructor(
    private readonly languages: () => string[],
    private readonly onCursor: (cursor: CursorState) => void,
  ) {
    this.subscription = vscode.window.onDidChangeTextEditorSelection((event) => this.schedule(event.textEditor));
  }

  private schedule(editor: vscode.TextEditor): void {
    if (!this.languages().includes(editor.document.languageId)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.capture(editor), CURSOR_DEBOUNCE_MS);
  }

  capture(editor: vscode.TextEditor): CursorState {
    const document = editor.document;
    const selection = editor.selection;
    const text = document.getText();
    const cursor = cursorSnapshot(document.uri.toString(), text, document.offsetAt(selection.active), selection.active.line, selection.active.character);
    if (!selection.isEmpty) {
      // A selection is the "sentence" the user wants to see.
      const start = document.offsetAt(selection.start);
      cursor.sentence = text.slice(start, document.offsetAt(selection.end));
      cursor.sentence_start = cursorSnapshot(cursor.uri, text, start, 0, 0).offset;
    }
    this.latest = cursor;
    this.onCursor(cursor);
    return cursor;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
  }
}

/** Select [start, end) (code points) of `uri` in an editor and scroll it into view. */
export async function revealRange(uri: string, start: number, end: number): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  const text = document.getText();
  const range = new vscode.Range(document.positionAt(utf16Offset(text, start)), document.positionAt(utf16Offset(text, end)));
  const editor = await vscode.window.showTextDocument(document, { preserveFocus: false, preview: false, selection: range });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
