/**
 * Runs the README's "own tfjs loop" example as written: the block between the `example:manual-mgda` marker and
 * the end of its code fence is extracted, its `@multitask/weighting` import pointed at the source, and the
 * module is imported. It must train (both losses fall by at least 5×) and report valid MGDA weights.
 */
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const generatedDir = join(here, '.generated');

afterAll(() => {
  rmSync(generatedDir, { recursive: true, force: true });
});

it('the README example trains a plain tfjs model with mgda, in under 30 lines', async () => {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const match = /<!-- example:manual-mgda[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme);
  expect(match).not.toBeNull();
  const code = match![1]!;
  expect(code.trimEnd().split('\n').length).toBeLessThan(30);
  mkdirSync(generatedDir, { recursive: true });
  const file = join(generatedDir, 'readme-example.ts');
  writeFileSync(file, code.replace("from '@multitask/weighting'", "from '../../src/index.ts'"));
  const logs: unknown[][] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    logs.push(args);
  });
  const before = tf.memory().numTensors;
  await import(/* @vite-ignore */ file);
  expect(tf.memory().numTensors).toBe(before); // the example cleans up after itself
  const [label, initial, arrow, final, weightsLabel, weights] = logs.at(-1)! as [
    string,
    number[],
    string,
    number[],
    string,
    number[],
  ];
  expect([label, arrow, weightsLabel]).toEqual(['losses', '→', 'MGDA weights']);
  expect(final[0]!).toBeLessThan(initial[0]! / 5);
  expect(final[1]!).toBeLessThan(initial[1]! / 5);
  expect(weights).toHaveLength(2);
  expect(weights[0]! + weights[1]!).toBeCloseTo(1, 9); // MGDA weights live on the simplex
  expect(Math.min(...weights)).toBeGreaterThanOrEqual(0);
});
