import { defineConfig } from 'vitest/config';

const conditions = ['@multitask/source'];

/** Benchmarks: `bench/**\/*.bench.ts`, same resolution and setup as the tests, long timeout. */
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: '@multitask/backbones-bench',
    include: ['bench/**/*.bench.ts'],
    setupFiles: ['@multitask/test-utils/setup'],
    testTimeout: 3_600_000,
    pool: 'forks',
  },
});
