/** The "RNN Lens" output channel: the extension's own log lines and the server's stderr. */
import * as vscode from "vscode";

let channel: vscode.LogOutputChannel | undefined;

export function outputChannel(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel("RNN Lens", { log: true });
  return channel;
}

export function logInfo(message: string): void {
  outputChannel().info(message);
}

export function logError(message: string): void {
  outputChannel().error(message);
}
