import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

// The extension in a real VS Code: code-server (scripts/install_code_server.sh) driven by
// playwright-core in the Debian Chromium. One file, one code-server, tests in order.
export default defineConfig({
  root,
  test: {
    include: ["extension/test/e2e/**/*.e2e.test.ts"],
    environment: "node",
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // A failed step leaves the UI in an unknown state; later steps still run and report.
    bail: 0,
  },
});
