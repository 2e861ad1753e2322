import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Tests run in forked processes, never worker threads: a server's parent-death signal is tied
// to the thread that spawned it, so a server started from a worker thread could outlive it.
export default defineConfig({
  test: {
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: a single worker on a 2-core machine,
    // where the tests mostly wait for PostgreSQL servers. Two workers halve the run there
    // (327 s → 174 s measured on CI's 2-core machine kind).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Fails the run if a server started by a test is still running at the end.
    globalSetup: ['test/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The project's own tests on the setup docs/testing.md documents: test/fixture/global-setup.ts
        // starts one throwaway cluster, each test gets its own database (test/fixture/db-test.ts).
        // The suite-wide guard above still runs first and checks last.
        extends: true,
        test: {
          name: 'fixture',
          include: ['test/fixture/**/*.test.ts'],
          globalSetup: ['test/fixture/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
