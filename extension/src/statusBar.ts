/** The status-bar item: what the server is doing and which statistics its glyphs use; a click shows the panel. */
import * as vscode from "vscode";
import { provenanceLine } from "../panel/src/provenance";
import type { Provenance } from "./protocol/messages";

export type ServerState =
  | { kind: "starting" }
  /** corpus: the rnnlens.corpus setting as the server names it; provenance: the statistics behind the glyphs. */
  | { kind: "ready"; model?: string; corpus?: string; provenance?: Provenance }
  | { kind: "busy"; message: string }
  | { kind: "error"; message: string }
  | { kind: "stopped" };

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("rnnlens.status", vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = "RNN Lens";
    this.item.command = "rnnlens.showPanel";
    this.show({ kind: "stopped" });
    this.item.show();
  }

  show(state: ServerState): void {
    const { text, tooltip, error } = describe(state);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = error ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }

  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}

export function describe(state: ServerState): { text: string; tooltip: string; error: boolean } {
  switch (state.kind) {
    case "starting":
      return { text: "$(loading~spin) RNN Lens", tooltip: "RNN Lens: starting the language server…", error: false };
    case "ready": {
      const p = state.provenance;
      // The statistics' corpus and split (brown:test) next to the model; tokens and the rest in the tooltip.
      const corpus = p ? (p.split ? `${p.corpus}:${p.split}` : p.corpus) : state.corpus;
      const text = `$(pulse) RNN Lens${state.model ? `: ${state.model}` : ""}${corpus ? ` · ${corpus}` : ""}`;
      const statistics = p ? provenanceLine(p) : state.corpus ? `statistics: ${state.corpus}` : "";
      return { text, tooltip: `RNN Lens is running.${statistics ? ` Glyphs use the ${statistics}.` : ""} Click to show the panel.`, error: false };
    }
    case "busy":
      return { text: `$(sync~spin) RNN Lens`, tooltip: `RNN Lens: ${state.message}`, error: false };
    case "error":
      return { text: "$(error) RNN Lens", tooltip: `RNN Lens: ${state.message}`, error: true };
    case "stopped":
      return { text: "$(circle-slash) RNN Lens", tooltip: "RNN Lens: the server is not running", error: false };
  }
}
