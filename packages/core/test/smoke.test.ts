import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { Rng } from '../src/index.ts';

test('rng', () => {
  expect(new Rng(1).next()).toBe(new Rng(1).next());
  expect(tf.getBackend()).toBe('cpu');
});
