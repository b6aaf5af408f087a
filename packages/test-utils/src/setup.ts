/**
 * Shared vitest setup: registers the backend named by `MULTITASK_TEST_BACKEND` (`cpu` by default, or `wasm`
 * with multitask's training kernels) and fails any test that leaks tensors.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { testBackendName } from './index.ts';

let tensorsBefore = 0;

beforeAll(async () => {
  tf.enableProdMode();
  const name = testBackendName();
  if (name === 'wasm') {
    const { selectBackend } = await import('@multitask/backend');
    await selectBackend({ prefer: 'wasm' });
  } else {
    await tf.setBackend('cpu');
    await tf.ready();
  }
  expect(tf.getBackend()).toBe(name);
});

beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});

afterEach(() => {
  expect(tf.memory().numTensors, 'test leaked tensors').toBe(tensorsBefore);
});
