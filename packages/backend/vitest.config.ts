import { defineProject } from 'vitest/config';

// Not merged with ../../vitest.shared.ts: the shared setup imports this package (through test-utils).
const conditions = ['@multitask/source'];
export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: '@multitask/backend',
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    restoreMocks: true,
    testTimeout: 120_000,
    pool: 'forks',
  },
});
