import { defineConfig } from "vitest/config";

// One dockerd, one journald and two cores are shared by every suite: files run one at a time,
// and end-to-end tests wait on real conditions (see test/helpers/wait.ts), hence the long timeouts.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: ["default"],
  },
});
