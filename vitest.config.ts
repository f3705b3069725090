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
    // NOTE: test/setup/postgres.ts uses PAPERBOY_TEST_DATABASE_URL's server or starts a throw-away one; with neither it fails the run, saying how to run the PostgreSQL tests.
    globalSetup: ['test/setup/build.ts', 'test/setup/postgres.ts'],
  },
});
