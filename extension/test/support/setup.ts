/**
 * Vitest setup: `vscode` does not exist outside the editor, so both ways of loading it lead to
 * one complete mock: `import` in our sources (vi.mock) and `require('vscode')` inside
 * vscode-languageclient (Module._load redirected), as STACK.md describes.
 */
import Module from "node:module";
import { vi } from "vitest";
import { createCompleteMock } from "./vscodeMock";

const { vscode, recorder } = createCompleteMock();
(globalThis as any).__rnnlensVscode = vscode;
(globalThis as any).__rnnlensRecorder = recorder;

// All test files share one process (singleFork), and Node caches `require`d modules across them:
// vscode-languageclient, loaded by whichever file runs first, keeps the `vscode` it got then. So
// `require('vscode')` answers a proxy that always forwards to the current file's mock; without it,
// a later file's client registered its providers on an earlier file's recorder (it depended on the
// order vitest picked, which differs on a fresh clone).
const current = () => (globalThis as any).__rnnlensVscode;
const forwarding = ((globalThis as any).__rnnlensVscodeProxy ??= new Proxy(
  {},
  {
    get: (_target, key) => current()[key],
    has: (_target, key) => key in current(),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(current(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  },
));
const moduleWithLoad = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown; __rnnlensPatched?: boolean };
if (!moduleWithLoad.__rnnlensPatched) {
  const originalLoad = moduleWithLoad._load;
  moduleWithLoad._load = function (request: string, ...rest: unknown[]) {
    if (request === "vscode") return forwarding;
    return originalLoad.call(this, request, ...rest);
  };
  moduleWithLoad.__rnnlensPatched = true;
}

vi.mock("vscode", () => (globalThis as any).__rnnlensVscode);
