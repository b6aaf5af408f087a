/**
 * Shared vitest setup: registers the backend named by `MULTITASK_TEST_BACKEND` (`cpu` by default, `wasm`
 * with multitask's training kernels, or `tensorflow`), fails the suite unless `tf.getBackend()` is that backend,
 * and fails any test that leaks tensors.
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
  if (name !== 'cpu') {
    const { selectBackend } = await import('@multitask/backend');
    const selection = await selectBackend({ prefer: name });
    // A backend that failed to load falls back silently in selectBackend: the run must fail instead.
    expect(selection.name, `MULTITASK_TEST_BACKEND=${name}: ${selection.reason}`).toBe(name);
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
