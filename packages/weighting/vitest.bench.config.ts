import { defineProject } from 'vitest/config';

const conditions = ['@multitask/source'];
export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: '@multitask/weighting-bench',
    include: ['bench/**/*.bench.ts'],
    setupFiles: ['@multitask/test-utils/setup'],
    testTimeout: 1_800_000,
    pool: 'forks',
  },
});
