/**
 * The extension's view of the `rnnlens` settings: what goes to the server as
 * initializationOptions, and which changes need a server restart: the interpreter, the document
 * languages, and modelPaths (the server takes the entry points it may import from
 * initializationOptions only, since workspace/configuration can carry a workspace's settings).
 * The server applies every other setting live through workspace/didChangeConfiguration.
 */
import * as vscode from "vscode";

export const SECTION = "rnnlens";
/** Settings read by the extension itself; the server ignores them. */
const CLIENT_ONLY = new Set(["interpreter", "trace"]);
export const RESTART_SETTINGS = ["rnnlens.interpreter", "rnnlens.modelPaths", "rnnlens.languages"];

export function serverSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const keys = ["model", "modelPaths", "corpus", "layer", "state", "clusters", "inlayHints.density", "inlayHints.enabled", "hover.image", "hover.attribution", "hover.attributionWindow", "maxDocumentSize", "reset", "languages"];
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (CLIENT_ONLY.has(key)) continue;
    const value = config.get(key);
    if (value !== undefined && value !== null && value !== "") out[key] = value;
  }
  return out;
}

export function documentLanguages(): string[] {
  const languages = vscode.workspace.getConfiguration(SECTION).get<string[]>("languages");
  return Array.isArray(languages) && languages.length ? languages : ["plaintext", "markdown"];
}

export function needsRestart(event: vscode.ConfigurationChangeEvent): boolean {
  return RESTART_SETTINGS.some((key) => event.affectsConfiguration(key));
}
