import * as vscode from "vscode";
import { describe, expect, it } from "vitest";
import { openInterpreterSetting, remoteSettingHint } from "../src/server";

const mocked = vscode as any;

describe("the interpreter error in remote windows", () => {
  it("points at the Remote settings in a Remote-SSH, WSL or container window when the interpreter came from no setting", () => {
    const hint = remoteSettingHint({ command: "python3", source: "default" }, "ssh-remote");
    expect(hint).toContain("Remote settings");
    expect(hint).toContain("ignores it in User settings");
    expect(hint).toContain("rnnlens.interpreter");
  });

  it("in code-server (remoteName is its host:port) names the server and its Remote settings tab", () => {
    const hint = remoteSettingHint({ command: "python3", source: "default" }, "127.0.0.1:8080");
    expect(hint).toContain("server at 127.0.0.1:8080");
    expect(hint).toContain("Remote [127.0.0.1:8080] settings");
    expect(hint).not.toContain("ignores"); // a hand-written User settings.json is read there
  });

  it("adds nothing in a local window, or when the Remote setting was read", () => {
    expect(remoteSettingHint({ command: "python3", source: "default" }, undefined)).toBe("");
    expect(remoteSettingHint({ command: "/venv/bin/python", source: "setting" }, "ssh-remote")).toBe("");
  });

  it("opens the Remote settings at the interpreter setting with an options object (a plain string query is dropped there)", async () => {
    mocked.commands.executeCommand.mockClear();
    await openInterpreterSetting("ssh-remote");
    await openInterpreterSetting(undefined);
    await openInterpreterSetting("127.0.0.1:8080");
    expect(mocked.commands.executeCommand.mock.calls).toEqual([
      ["workbench.action.openRemoteSettings", { query: "rnnlens.interpreter" }],
      ["workbench.action.openSettings", { query: "rnnlens.interpreter" }],
      ["workbench.action.openRemoteSettings", { query: "rnnlens.interpreter" }],
    ]);
  });
});
