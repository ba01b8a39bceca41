import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root,
  test: {
    include: ["extension/test/**/*.test.ts", "extension/src/**/*.test.ts"],
    exclude: ["extension/test/browser/**", "extension/test/e2e/**", "**/node_modules/**"],
    setupFiles: ["extension/test/support/setup.ts"],
    environment: "node",
    // One process: the language-server tests start Python (slow on two shared cores).
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    server: { deps: { external: [/vscode-languageclient/, /vscode-jsonrpc/, /vscode-languageserver-protocol/] } },
  },
});
