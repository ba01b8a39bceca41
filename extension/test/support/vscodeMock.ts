/**
 * One `vscode` module for every test: jest-mock-vscode's mock, completed where it returns
 * nothing (event subscriptions, registrations, output channels), and recording what the code
 * under test registers so a test can fire events and call providers like VS Code would.
 */
import { createVSCodeMock } from "jest-mock-vscode";
import { vi } from "vitest";

type Listener = (...args: unknown[]) => unknown;

export interface Recorder {
  /** Listeners by "namespace.event", e.g. "workspace.onDidOpenTextDocument". */
  listeners: Map<string, Listener[]>;
  /** Providers and commands by "namespace.registerX" or command id. */
  registrations: Map<string, unknown[]>;
  commands: Map<string, Listener>;
  output: string[];
  fire(event: string, ...args: unknown[]): Promise<void>;
}

function disposable(onDispose?: () => void) {
  return { dispose: vi.fn(onDispose ?? (() => undefined)) };
}

/** Plain record classes the mock lacks but vscode-languageclient constructs or extends. */
class PlainRecord {
  constructor(...args: unknown[]) {
    (this as any).args = args;
  }
}
class Hover {
  constructor(public contents: unknown, public range?: unknown) {
    if (!Array.isArray(contents)) this.contents = [contents];
  }
}
class InlayHint {
  tooltip?: unknown;
  textEdits?: unknown;
  paddingLeft?: boolean;
  paddingRight?: boolean;
  constructor(public position: unknown, public label: unknown, public kind?: unknown) {}
}
class InlayHintLabelPart {
  tooltip?: unknown;
  location?: unknown;
  command?: unknown;
  constructor(public value: string) {}
}
class RelativePattern {
  constructor(public base: unknown, public pattern: string) {}
}
class CancellationError extends Error {}
class CancellationTokenSource {
  private listeners: (() => void)[] = [];
  private cancelled = false;
  readonly token = {
    isCancellationRequested: false,
    onCancellationRequested: (listener: () => void) => {
      this.listeners.push(listener);
      return { dispose: () => undefined };
    },
  };
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.token.isCancellationRequested = true;
    for (const l of this.listeners) l();
  }
  dispose(): void {}
}

const MISSING_CLASSES: Record<string, unknown> = {
  Hover,
  InlayHint,
  InlayHintLabelPart,
  RelativePattern,
  CancellationError,
  CancellationTokenSource,
  TabInputText: PlainRecord,
  TabInputTextDiff: PlainRecord,
  TabInputCustom: PlainRecord,
  TabInputNotebook: PlainRecord,
  SignatureHelp: PlainRecord,
  SignatureInformation: PlainRecord,
  ParameterInformation: PlainRecord,
  SnippetTextEdit: PlainRecord,
  InlineValueText: PlainRecord,
  InlineValueVariableLookup: PlainRecord,
  InlineValueEvaluatableExpression: PlainRecord,
  LinkedEditingRanges: PlainRecord,
  InlineCompletionList: PlainRecord,
  InlineCompletionItem: PlainRecord,
};

const MISSING_ENUMS: Record<string, Record<string, number>> = {
  CodeActionTriggerKind: { Invoke: 1, Automatic: 2 },
  InlineCompletionTriggerKind: { Invoke: 0, Automatic: 1 },
  NotebookCellKind: { Markup: 1, Code: 2 },
};

export function createCompleteMock(): { vscode: any; recorder: Recorder } {
  const vscode: any = createVSCodeMock(vi);
  for (const [name, value] of Object.entries({ ...MISSING_CLASSES, ...MISSING_ENUMS })) vscode[name] ??= value;
  const recorder: Recorder = {
    listeners: new Map(),
    registrations: new Map(),
    commands: new Map(),
    output: [],
    async fire(event, ...args) {
      for (const listener of recorder.listeners.get(event) ?? []) await listener(...args);
    },
  };
  const complete = (namespace: string, target: Record<string, any>) => {
    for (const [name, value] of Object.entries(target)) {
      if (!vi.isMockFunction(value) || value.getMockImplementation()) continue;
      if (/^on(Did|Will)[A-Z]/.test(name)) {
        value.mockImplementation((listener: Listener, thisArg?: unknown) => {
          const key = `${namespace}.${name}`;
          const bound = thisArg ? listener.bind(thisArg) : listener;
          recorder.listeners.set(key, [...(recorder.listeners.get(key) ?? []), bound]);
          return disposable(() => recorder.listeners.set(key, (recorder.listeners.get(key) ?? []).filter((l) => l !== bound)));
        });
      } else if (/^register/.test(name)) {
        value.mockImplementation((...args: unknown[]) => {
          const key = `${namespace}.${name}`;
          recorder.registrations.set(key, [...(recorder.registrations.get(key) ?? []), args]);
          if (namespace === "commands") recorder.commands.set(String(args[0]), args[1] as Listener);
          return disposable();
        });
      }
    }
  };
  for (const namespace of ["window", "workspace", "languages", "commands", "debug", "env", "extensions", "tasks", "notebooks", "lm"]) {
    if (vscode[namespace]) complete(namespace, vscode[namespace]);
  }
  const channel = (name: string) => {
    const line = (level: string) => vi.fn((message: string) => recorder.output.push(`[${level}] ${message}`));
    return {
      name,
      append: vi.fn((text: string) => recorder.output.push(text)),
      appendLine: vi.fn((text: string) => recorder.output.push(text)),
      replace: vi.fn(),
      clear: vi.fn(),
      show: vi.fn(),
      hide: vi.fn(),
      dispose: vi.fn(),
      trace: line("trace"),
      debug: line("debug"),
      info: line("info"),
      warn: line("warn"),
      error: line("error"),
      logLevel: 2,
      onDidChangeLogLevel: vi.fn(() => disposable()),
    };
  };
  vscode.window.createOutputChannel.mockImplementation(channel);
  vscode.commands.executeCommand.mockImplementation(async (id: string, ...args: unknown[]) => recorder.commands.get(id)?.(...args));
  vscode.commands.getCommands.mockImplementation(async () => [...recorder.commands.keys()]);
  vscode.window.withProgress.mockImplementation(async (_options: unknown, task: Listener) =>
    task({ report: vi.fn() }, { isCancellationRequested: false, onCancellationRequested: vi.fn(() => disposable()) }),
  );
  const setIfMissing = (target: any, key: string, value: unknown) => {
    try {
      if (target[key] === undefined) target[key] = value;
    } catch {
      // A getter-only property of the mock: it already answers.
    }
  };
  setIfMissing(vscode.workspace, "textDocuments", []);
  vscode.extensions ??= {};
  setIfMissing(vscode.extensions, "getExtension", vi.fn());
  setIfMissing(vscode.extensions, "all", []);
  vscode.env ??= {};
  setIfMissing(vscode.env, "appName", "Visual Studio Code");
  setIfMissing(vscode.env, "language", "en");
  vscode.version = "1.91.0";
  return { vscode, recorder };
}
