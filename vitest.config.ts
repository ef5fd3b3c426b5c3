import { defineConfig } from 'vitest/config';

// Unit tests (beside the code in src/, and the benchmark's own statistics in
// bench/) are pure and fast; integration tests start real processes and
// sockets, so they run one file at a time on this 2-core machine.
export default defineConfig({
  test: {
    // `npm run coverage`: vitest's v8 coverage plus the CLI, server and router processes the tests start.
    coverage: {
      provider: 'custom',
      customProviderModule: './test/support/coverage/provider.ts',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
      reporter: ['text-summary', 'html', 'json-summary'],
      // The summary belongs in a failed CI run's log too.
      reportOnFailure: true,
    },
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts', 'bench/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/support/build.ts'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
