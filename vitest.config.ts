// Vitest settings: tests live under test/ and mirror the source tree.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // NOTE: CI and developers have 2 cores; many tests wait on spawned processes or sockets, so two workers overlap that waiting.
    maxWorkers: 2,
    globalSetup: ['test/setup/build.ts'],
  },
});
