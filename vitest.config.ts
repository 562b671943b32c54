import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // Builds the console once per run for the browser and bundle-size tests (`inject('consoleDir')`).
    globalSetup: ['test/support/console-build.global.ts'],
  },
});
