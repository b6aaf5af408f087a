import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '@multitask/core';
import { maxRelativeError } from '@multitask/test-utils';
import { applyConv, makeConv } from '../src/internal/conv.ts';
import './helpers.ts';

describe('fast convolution (internal)', () => {
  it.each([
    { h: 9, k: 5, s: 1, padding: 'valid' as const },
    { h: 8, k: 3, s: 2, padding: 'same' as const },
    { h: 7, k: 3, s: 2, padding: 'same' as const },
    { h: 6, k: 3, s: 1, padding: 'same' as const },
    { h: 9, k: 3, s: 2, padding: 'valid' as const },
  ])('matches tf.conv2d value and gradients for %o', ({ h, k, s, padding }) => {
    // The reference is tfjs's own conv2d and its registered gradient (Conv2DBackpropFilter/Input).
    const rng = new Rng(3);
    const conv = makeConv(rng, k, 2, 3, s, padding);
    const x = tf.tensor4d(
      Array.from({ length: 2 * h * h * 2 }, () => rng.normal()),
      [2, h, h, 2],
    );
    const ours = (xi: tf.Tensor, wi: tf.Tensor) =>
      tf.sum(tf.square(applyConv(xi as tf.Tensor4D, { ...conv, kernel: wi as never })));
    const ref = (xi: tf.Tensor, wi: tf.Tensor) =>
      tf.sum(tf.square(tf.add(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, s, padding), conv.bias!)));
    const [a, b] = tf.tidy(() => {
      const ga = tf.grads(ours)([x, conv.kernel]);
      const gb = tf.grads(ref)([x, conv.kernel]);
      return [
        [ours(x, conv.kernel), ...ga].map((t) => Array.from(t.dataSync())),
        [ref(x, conv.kernel), ...gb].map((t) => Array.from(t.dataSync())),
      ];
    });
    for (let i = 0; i < 3; i++) expect(maxRelativeError(a[i]!, b[i]!)).toBeLessThan(1e-4);
    tf.dispose([x, conv.kernel, conv.bias!]);
  });

  it.each([
    { h: 9, k: 5, s: 1, padding: 'valid' as const },
    { h: 8, k: 3, s: 2, padding: 'same' as const },
  ])(
    'without an input gradient: same value and filter gradient, no Conv2DBackpropInput (%o)',
    async ({ h, k, s, padding }) => {
      const before = tf.memory().numTensors;
      const rng = new Rng(5);
      const conv = makeConv(rng, k, 2, 3, s, padding);
      const x = tf.tensor4d(
        Array.from({ length: 2 * h * h * 2 }, () => rng.normal()),
        [2, h, h, 2],
      );
      const loss = (input: boolean) => (wi: tf.Tensor) =>
        tf.sum(tf.square(applyConv(x, { ...conv, kernel: wi as never }, input)));
      const [a, b] = tf.tidy(() => {
        const withInput = tf.grad(loss(true))(conv.kernel);
        const without = tf.grad(loss(false))(conv.kernel);
        return [
          [loss(true)(conv.kernel), withInput].map((t) => Array.from(t.dataSync())),
          [loss(false)(conv.kernel), without].map((t) => Array.from(t.dataSync())),
        ];
      });
      for (let i = 0; i < 2; i++) expect(maxRelativeError(b[i]!, a[i]!)).toBeLessThan(1e-5);
      // The backward pass runs no transposed convolution for the images.
      const kernels = async (input: boolean): Promise<string[]> =>
        (
          await tf.profile(() => {
            tf.dispose(tf.grad(loss(input))(conv.kernel));
          })
        ).kernelNames;
      expect(await kernels(true)).toContain('Conv2DBackpropInput');
      expect(await kernels(false)).not.toContain('Conv2DBackpropInput');
      // The filter gradient is the backend's own kernel where it is the fast one (wasm with multitask's kernels,
      // tensorflow), a forward convolution on cpu (whose stock kernel is slow).
      const filterKernel = (await kernels(false)).includes('Conv2DBackpropFilter');
      expect(filterKernel).toBe(tf.getBackend() !== 'cpu');
      tf.dispose([x, conv.kernel, conv.bias!]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
