/**
 * The gradients of a whole training step of a small conv + dense two-head model, on wasm with the training kernels,
 * equal the cpu backend's (relative error ≤ 1e-4 for every variable); and stock wasm cannot train it at all.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSimdKernels, registerTrainingKernels, unregisterTrainingKernels } from '../src/index.ts';
import { randomArray, relativeError } from './helpers.ts';

const SHAPES: Readonly<Record<string, number[]>> = {
  c1: [3, 3, 2, 6], // stride 2, 'same', even input 10×10 → 5×5
  c1b: [6],
  c2: [3, 3, 6, 8], // stride 1, 'valid' → 3×3, then maxPool 2 (stride 1) → 2×2
  c2b: [8],
  d: [32, 12],
  db: [12],
  h1: [12, 4],
  h2: [12, 3],
};

/** Gradients of CE₁ + CE₂ w.r.t. every variable, in SHAPES order, with `backend` active. */
function stepGradients(backend: string): Float32Array[] {
  const previous = tf.getBackend();
  tf.setBackend(backend);
  try {
    return tf.tidy(() => {
      const vars = Object.values(SHAPES).map((shape, i) =>
        tf.tensor(
          randomArray(
            shape.reduce((a, b) => a * b),
            100 + i,
          ),
          shape,
          'float32',
        ),
      );
      const [c1, c1b, c2, c2b, d, db, h1, h2] = vars as [
        tf.Tensor4D,
        tf.Tensor1D,
        tf.Tensor4D,
        tf.Tensor1D,
        tf.Tensor2D,
        tf.Tensor1D,
        tf.Tensor2D,
        tf.Tensor2D,
      ];
      const x = tf.tensor4d(randomArray(3 * 10 * 10 * 2, 7), [3, 10, 10, 2]);
      const y1 = tf.oneHot(tf.tensor1d([0, 3, 1], 'int32'), 4);
      const y2 = tf.oneHot(tf.tensor1d([2, 0, 1], 'int32'), 3);
      const loss = (...v: tf.Tensor[]): tf.Scalar => {
        const [w1, b1, w2, b2, wd, bd, wh1, wh2] = v as [
          tf.Tensor4D,
          tf.Tensor1D,
          tf.Tensor4D,
          tf.Tensor1D,
          tf.Tensor2D,
          tf.Tensor1D,
          tf.Tensor2D,
          tf.Tensor2D,
        ];
        const a1: tf.Tensor4D = tf.relu(tf.add(tf.conv2d(x, w1, 2, 'same'), b1));
        const a2 = tf.relu(
          tf.maxPool(
            tf.fused.conv2d({ x: a1, filter: w2, strides: 1, pad: 'valid', bias: b2 }),
            2,
            1,
            'valid',
          ),
        );
        const z = tf.fused.matMul({ a: tf.reshape(a2, [3, 32]), b: wd, bias: bd, activation: 'relu' });
        return tf.add(
          tf.losses.softmaxCrossEntropy(y1, tf.matMul(z, wh1)),
          tf.losses.softmaxCrossEntropy(y2, tf.matMul(z, wh2)),
        );
      };
      const grads = tf.grads(loss)([c1, c1b, c2, c2b, d, db, h1, h2]);
      return grads.map((g) => Float32Array.from(g.dataSync()));
    });
  } finally {
    tf.setBackend(previous);
  }
}

describe('a whole training step on wasm + training kernels', () => {
  beforeAll(async () => {
    tf.enableProdMode();
    await tf.setBackend('wasm');
    await tf.ready();
  });
  afterAll(() => {
    registerTrainingKernels();
  });

  it('cannot run on stock wasm (Conv2DBackpropFilter is missing) — the reason this package exists', () => {
    unregisterTrainingKernels();
    try {
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
      const x = tf.ones([1, 4, 4, 1]);
      const dy = tf.ones([1, 2, 2, 1]);
      try {
        expect(() =>
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x, dy },
              { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 1, 1] },
            ),
        ).toThrow(/Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'/);
      } finally {
        tf.dispose([x, dy]);
      }
    } finally {
      registerTrainingKernels();
    }
  });

  it('gives the same gradients as the cpu backend for every variable (SIMD kernels attached)', async () => {
    registerTrainingKernels();
    expect(await loadSimdKernels()).toMatchObject({ active: true });
    const want = stepGradients('cpu');
    const got = stepGradients('wasm');
    expect(got).toHaveLength(Object.keys(SHAPES).length);
    Object.keys(SHAPES).forEach((name, i) => {
      expect(relativeError(got[i]!, want[i]!), name).toBeLessThanOrEqual(1e-4);
      // not vacuous: every gradient has a non-zero entry
      expect(
        want[i]!.some((v) => v !== 0),
        name,
      ).toBe(true);
    });
  });

  it('cpu with its Conv2DBackpropFilter replaced gives the same gradients as stock cpu', () => {
    const stock = stepGradients('cpu');
    expect(registerTrainingKernels('cpu')).toEqual(['Conv2DBackpropFilter']);
    try {
      const ours = stepGradients('cpu');
      Object.keys(SHAPES).forEach((name, i) => {
        expect(relativeError(ours[i]!, stock[i]!), name).toBeLessThanOrEqual(1e-4);
      });
    } finally {
      unregisterTrainingKernels('cpu');
    }
  });
});
