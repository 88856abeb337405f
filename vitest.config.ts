import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // A process per test file: tfjs's backends and engine are process-wide state.
    pool: 'forks',
    // As many files at once as there are cores (vitest's default leaves one idle): much of a
    // file's time is spent waiting on the processes and browsers it starts.
    maxWorkers: availableParallelism(),
    // Tests of a describe.concurrent group run side by side (their CLI processes, as in
    // test/cli.test.ts), no more than there are cores: a test's timeout counts while it waits.
    maxConcurrency: Math.max(2, availableParallelism()),
  },
});
