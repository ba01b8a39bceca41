/**
 * Finding the Python that runs the server: the `rnnlens.interpreter` setting, else the Python
 * extension's active environment (when that extension is installed), else `python3`; then a
 * check that `rnnlens` and `torch` import there, with a message that says how to fix it.
 */
import { execFile } from "node:child_process";
import * as vscode from "vscode";

export interface Interpreter {
  command: string;
  source: "setting" | "python extension" | "default";
}

export interface EnvironmentCheck {
  ok: boolean;
  /** What the user should read (and do) when ok is false; the versions when ok. */
  message: string;
}

const PYTHON_EXTENSION = "ms-python.python";

interface PythonExtensionApi {
  environments?: {
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment?(path: { path: string } | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  };
}

async function fromPythonExtension(): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const active = api?.environments?.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri);
    if (!active) return undefined;
    const resolved = await api.environments?.resolveEnvironment?.(active);
    return resolved?.executable.uri?.fsPath ?? active.path;
  } catch {
    return undefined;
  }
}

/** Call `listener` when the Python extension's active environment changes (when it is installed). */
export async function onPythonEnvironmentChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    return api?.environments?.onDidChangeActiveEnvironmentPath?.(() => listener());
  } catch {
    return undefined;
  }
}

export async function findInterpreter(): Promise<Interpreter> {
  const configured = vscode.workspace.getConfiguration("rnnlens").get<string>("interpreter")?.trim();
  if (configured) return { command: configured, source: "setting" };
  // An untrusted workspace may select its own environment (a .venv it ships) in the Python
  // extension: running that would run the workspace's code, so only a user choice counts there.
  const active = vscode.workspace.isTrusted === false ? undefined : await fromPythonExtension();
  if (active) return { command: active, source: "python extension" };
  return { command: process.platform === "win32" ? "python" : "python3", source: "default" };
}

/** Prints "OK <rnnlens version> <torch version>" or the name of the first missing module.
 * torch is found and its version read without importing it: the import takes seconds, and the
 * server (which imports it after answering initialize) would pay it a second time before the
 * first glyphs. A torch that is installed but broken is reported by the server when it loads. */
export const CHECK_SCRIPT = [
  "import importlib, importlib.util, importlib.metadata, sys",
  "try: import rnnlens",
  "except Exception as exc: print('MISSING', 'rnnlens', type(exc).__name__, exc); sys.exit(3)",
  "if importlib.util.find_spec('torch') is None: print('MISSING', 'torch', 'ModuleNotFoundError'); sys.exit(3)",
  "print('OK', rnnlens.__version__, importlib.metadata.version('torch'))",
].join("\n");

/** Turn the check's outcome into a message a user can act on. */
export function explainCheck(interpreter: Interpreter, error: { code?: string | number | null; message?: string } | null, stdout: string, stderr: string): EnvironmentCheck {
  const where = `${interpreter.command} (from ${interpreter.source})`;
  if (error && (error.code === "ENOENT" || error.code === "EACCES")) {
    return {
      ok: false,
      message: `RNN Lens cannot run Python at ${where}. Set "rnnlens.interpreter" to a Python 3.10+ that has RNN Lens installed, or select one with the Python extension.`,
    };
  }
  const missing = /^MISSING (\S+)/m.exec(stdout);
  if (missing?.[1] === "rnnlens") {
    return { ok: false, message: `The Python at ${where} does not have RNN Lens. Install it there: "${interpreter.command} -m pip install -e <rnnlens checkout>" (see the README), or point "rnnlens.interpreter" at the environment that has it.` };
  }
  if (missing?.[1] === "torch") {
    return { ok: false, message: `The Python at ${where} has RNN Lens but not PyTorch. Install the CPU build: "${interpreter.command} -m pip install torch --index-url https://download.pytorch.org/whl/cpu".` };
  }
  const ok = /^OK (\S+) (\S+)/m.exec(stdout);
  if (!error && ok) return { ok: true, message: `rnnlens ${ok[1]}, torch ${ok[2]} at ${interpreter.command}` };
  const detail = (stderr || stdout || error?.message || "no output").trim().split("\n").slice(-3).join(" ");
  return { ok: false, message: `RNN Lens could not check the Python at ${where}: ${detail}` };
}

export function checkEnvironment(interpreter: Interpreter, timeoutMs = 60_000): Promise<EnvironmentCheck> {
  return new Promise((resolve) => {
    execFile(interpreter.command, ["-c", CHECK_SCRIPT], { timeout: timeoutMs }, (error, stdout, stderr) =>
      resolve(explainCheck(interpreter, error, String(stdout), String(stderr))),
    );
  });
}
