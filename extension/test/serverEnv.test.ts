import { describe, expect, it } from "vitest";
import { serverOptions } from "../src/server";

describe("the server process", () => {
  it("keeps the workspace folder off Python's path, so the workspace cannot replace rnnlens", () => {
    const options = serverOptions({ command: "python3", source: "default" }) as { run: { args: string[]; options: { env: Record<string, string> } } };
    expect(options.run.args).toEqual(["-m", "rnnlens", "lsp"]);
    expect(options.run.options.env.PYTHONSAFEPATH).toBe("1");
  });
});
