import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// Same resolve conditions and setup as the tests, but only the benchmarks (mergeConfig would concatenate
// the `include` arrays and run the tests too).
export default defineConfig({
  ...shared,
  test: {
    ...shared.test,
    name: '@multitask/data:bench',
    include: ['bench/**/*.bench.ts'],
    testTimeout: 600_000,
  },
});
