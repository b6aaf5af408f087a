import { defineConfig } from 'vitest/config';

const conditions = ['@multitask/source'];

/** Benchmarks: `bench/**\/*.bench.ts`, same resolution as the tests, long timeout, no tensor-leak setup. */
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: '@multitask/example-bench',
    include: ['bench/**/*.bench.ts'],
    testTimeout: 3_600_000,
    pool: 'forks',
  },
});
