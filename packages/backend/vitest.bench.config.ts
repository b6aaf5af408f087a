import { defineProject } from 'vitest/config';

const conditions = ['@multitask/source'];
export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: '@multitask/backend-bench',
    include: ['bench/**/*.bench.ts'],
    testTimeout: 1_800_000,
    pool: 'forks',
  },
});
