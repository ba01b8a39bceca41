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

const moduleWithLoad = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
const originalLoad = moduleWithLoad._load;
moduleWithLoad._load = function (request: string, ...rest: unknown[]) {
  if (request === "vscode") return (globalThis as any).__rnnlensVscode;
  return originalLoad.call(this, request, ...rest);
};

vi.mock("vscode", () => (globalThis as any).__rnnlensVscode);
