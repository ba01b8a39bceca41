import { resolve } from "node:path";
import * as vscode from "vscode";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkEnvironment, explainCheck, findInterpreter } from "../src/python";

const venvPython = resolve(__dirname, "../../.venv/bin/python");
const mocked = vscode as any;

function configure(values: Record<string, unknown>) {
  mocked.workspace.getConfiguration.mockImplementation(() => ({ get: (key: string) => values[key] }));
}

afterEach(() => {
  mocked.workspace.getConfiguration.mockReset();
  mocked.extensions.getExtension.mockReset();
});

describe("finding Python", () => {
  it("takes the rnnlens.interpreter setting first", async () => {
    configure({ interpreter: "/opt/py/bin/python" });
    expect(await findInterpreter()).toEqual({ command: "/opt/py/bin/python", source: "setting" });
  });

  it("then the Python extension's active environment", async () => {
    configure({});
    mocked.extensions.getExtension.mockReturnValue({
      isActive: true,
      exports: { environments: { getActiveEnvironmentPath: () => ({ path: "/envs/lens/bin/python" }) } },
    });
    expect(await findInterpreter()).toEqual({ command: "/envs/lens/bin/python", source: "python extension" });
  });

  it("never takes the Python extension's environment in an untrusted workspace", async () => {
    configure({});
    mocked.extensions.getExtension.mockReturnValue({
      isActive: true,
      exports: { environments: { getActiveEnvironmentPath: () => ({ path: "/workspace/.venv/bin/python" }) } },
    });
    const before = mocked.workspace.isTrusted;
    mocked.workspace.isTrusted = false;
    try {
      expect(await findInterpreter()).toEqual({ command: "python3", source: "default" });
    } finally {
      mocked.workspace.isTrusted = before;
    }
  });

  it("then python3", async () => {
    configure({});
    mocked.extensions.getExtension.mockReturnValue(undefined);
    expect((await findInterpreter()).source).toBe("default");
  });
});

describe("checking that rnnlens and torch import (real processes)", () => {
  it("accepts the project's environment and names the versions", async () => {
    const check = await checkEnvironment({ command: venvPython, source: "setting" });
    expect(check.ok, check.message).toBe(true);
    expect(check.message).toMatch(/^rnnlens \S+, torch \S+/);
  });

  it("explains a Python that does not exist", async () => {
    const check = await checkEnvironment({ command: "/nonexistent/python3", source: "setting" });
    expect(check.ok).toBe(false);
    expect(check.message).toContain('Set "rnnlens.interpreter"');
  });

  it("explains a Python without RNN Lens (the system python3 has none)", async () => {
    const check = await checkEnvironment({ command: "/usr/bin/python3", source: "default" });
    expect(check.ok).toBe(false);
    expect(check.message).toContain("does not have RNN Lens");
  });

  it("explains a missing torch with the CPU install command", () => {
    const check = explainCheck({ command: "py", source: "default" }, { code: 3 }, "MISSING torch ModuleNotFoundError x\n", "");
    expect(check.ok).toBe(false);
    expect(check.message).toContain("pip install torch");
  });
});
