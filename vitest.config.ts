import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // Two cores on CI: the process-heavy suites pace themselves.
    pool: "forks",
  },
});
