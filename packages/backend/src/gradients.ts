import * as tf from '@tensorflow/tfjs-core';

/**
 * Registers tfjs's gradient functions when they are not registered yet, so that training works.
 *
 * `@tensorflow/tfjs-core` alone registers no gradients, and its `dist/register_all_gradients.js` module cannot be
 * imported by Node's ESM loader (its relative imports have no file extensions); the `@tensorflow/tfjs` bundle for
 * Node registers them all, so it is loaded here once. Called by {@link selectBackend}; idempotent.
 */
export async function ensureGradients(): Promise<void> {
  if ((tf.getGradient('AddN') as unknown) !== undefined) return;
  await import('@tensorflow/tfjs');
}
