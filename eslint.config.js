// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/src/generated/**',
      '**/coverage/**',
      'docs/api/**',
      '**/*.d.ts',
      '**/assets/**',
      // AssemblyScript sources (compiled by asc, not tsc): packages/backend/assembly
      'packages/backend/assembly/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/consistent-type-exports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-indexed-object-style': 'off',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@tensorflow/tfjs',
              message: 'Library packages import @tensorflow/tfjs-core (a peer dependency) only.',
            },
            {
              name: '@tensorflow/tfjs-node',
              message: 'Backends are chosen by @multitask/backend or the application.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/test/**', '**/bench/**', '**/*.config.ts', 'vitest.shared.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  {
    // The main entry points bundle for a browser: Node built-ins only in a package's ./node entry point.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/*/src/node/**', 'packages/backend/**', 'packages/test-utils/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@tensorflow/tfjs',
              message: 'Library packages import @tensorflow/tfjs-core (a peer dependency) only.',
            },
            {
              name: '@tensorflow/tfjs-node',
              message: 'Backends are chosen by @multitask/backend or the application.',
            },
          ],
          patterns: [
            {
              group: ['node:*'],
              message: "Node built-ins belong in the package's ./node entry point (src/node/).",
            },
          ],
        },
      ],
    },
  },
  { files: ['apps/**', 'packages/backend/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], extends: [tseslint.configs.disableTypeChecked] },
  prettier,
);
