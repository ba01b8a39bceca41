import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

// Real Chromium (Debian package) driven by playwright-core against a real `rnnlens serve`.
export default defineConfig({
  root,
  test: {
    include: ["extension/test/browser/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
