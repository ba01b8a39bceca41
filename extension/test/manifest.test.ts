import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../src/commands";

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
const lock = JSON.parse(readFileSync(new URL("../../package-lock.json", import.meta.url), "utf8"));

describe("the extension manifest", () => {
  it("contributes exactly the commands the handler table runs", () => {
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    expect(contributed).toEqual(COMMANDS.map((c) => c.id).sort());
    for (const title of ["Show panel", "Analyze document", "Co-cluster hidden states", "Evaluate corpus", "Compare models", "Select model", "Explain unit", "Restart server"]) {
      expect(manifest.contributes.commands.map((c: { title: string }) => c.title)).toContain(title);
    }
  });

  it("lets every glyph of a line show in the languages served by default (VS Code caps inlay text at 43 characters a line)", () => {
    const languages: string[] = manifest.contributes.configuration.properties["rnnlens.languages"].default;
    expect(languages.length).toBeGreaterThan(0);
    for (const language of languages) {
      expect(manifest.contributes.configurationDefaults?.[`[${language}]`]?.["editor.inlayHints.maximumLength"], language).toBe(0);
    }
  });

  it("never registers an id the language client registers for the server", () => {
    for (const row of COMMANDS) {
      expect(row.id.startsWith("rnnlens.server.")).toBe(false);
      if (row.server) expect(row.server.startsWith("rnnlens.server.")).toBe(true);
    }
  });

  it("describes every setting the server reads", () => {
    const properties = manifest.contributes.configuration.properties;
    for (const key of ["interpreter", "model", "modelPaths", "layer", "state", "clusters", "inlayHints.density", "maxDocumentSize", "reset", "languages", "device"]) {
      const property = properties[`rnnlens.${key}`];
      expect(property, key).toBeDefined();
      expect(String(property.description ?? property.markdownDescription).length, key).toBeGreaterThan(20);
    }
  });

  it("lets no workspace choose what runs: interpreter and entry points are machine-scoped", () => {
    const properties = manifest.contributes.configuration.properties;
    for (const key of ["rnnlens.interpreter", "rnnlens.modelPaths"]) {
      expect(["machine", "application"], key).toContain(properties[key].scope);
    }
    const untrusted = manifest.capabilities.untrustedWorkspaces;
    expect(untrusted.supported).toBe("limited");
    expect(untrusted.restrictedConfigurations).toEqual(expect.arrayContaining(["rnnlens.interpreter", "rnnlens.modelPaths"]));
  });

  it("asks for a VS Code that vscode-languageclient 11 supports, and types no newer than that", () => {
    const engine = manifest.engines.vscode.replace(/^\^/, "");
    const types = lock.packages["node_modules/@types/vscode"].version;
    expect(engine >= "1.91.0").toBe(true);
    expect(types <= engine).toBe(true);
    expect(lock.packages["node_modules/vscode-languageclient"].version).toMatch(/^11\./);
  });

  it("contributes the side-bar webview view and points at the built bundle", () => {
    expect(manifest.contributes.views.rnnlens[0]).toMatchObject({ type: "webview", id: "rnnlens.panel" });
    expect(manifest.main).toBe("./extension/dist/extension.js");
  });
});
