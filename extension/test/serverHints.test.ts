import { describe, expect, it } from "vitest";
import { remoteSettingHint } from "../src/server";

describe("the interpreter error in remote windows", () => {
  it("points at the Remote settings when the interpreter came from no setting there", () => {
    const hint = remoteSettingHint({ command: "python3", source: "default" }, "code-server");
    expect(hint).toContain("Remote settings");
    expect(hint).toContain("rnnlens.interpreter");
  });

  it("adds nothing in a local window, or when the Remote setting was read", () => {
    expect(remoteSettingHint({ command: "python3", source: "default" }, undefined)).toBe("");
    expect(remoteSettingHint({ command: "/venv/bin/python", source: "setting" }, "ssh-remote")).toBe("");
  });
});
