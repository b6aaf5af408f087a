import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { MultitaskModel, Rng } from '@multitask/core';
import { multiLeNetBackbone } from '../src/index.ts';
import { accuracy, ceTask, infer, trainModel } from './helpers.ts';

/** n noisy 16×16 images with one bright 4×4 square in a random quadrant; labels: right half?, bottom half? */
function squares(n: number, seed: number): { x: tf.Tensor4D; right: tf.Tensor1D; bottom: tf.Tensor1D } {
  const rng = new Rng(seed);
  const S = 16;
  const px = new Float32Array(n * S * S);
  const right: number[] = [];
  const bottom: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.int(2);
    const b = rng.int(2);
    right.push(r);
    bottom.push(b);
    const top = b * 8 + rng.int(5);
    const left = r * 8 + rng.int(5);
    for (let p = 0; p < S * S; p++) px[i * S * S + p] = 0.3 * rng.next();
    for (let dy = 0; dy < 4; dy++)
      for (let dx = 0; dx < 4; dx++) px[i * S * S + (top + dy) * S + left + dx] = 1;
  }
  return {
    x: tf.tensor4d(px, [n, S, S, 1]),
    right: tf.tensor1d(right, 'int32'),
    bottom: tf.tensor1d(bottom, 'int32'),
  };
}

describe('multiLeNetBackbone', () => {
  it.each([
    { inputShape: [36, 36, 1] as const, flat: 720 },
    { inputShape: [28, 28, 1] as const, flat: 320 },
    { inputShape: [20, 24, 3] as const, flat: 2 * 3 * 20 },
  ])('maps $inputShape images to [batch, 50] (flat size $flat)', ({ inputShape, flat }) => {
    const b = multiLeNetBackbone({ inputShape: [...inputShape] });
    expect(b.flatSize).toBe(flat);
    const x = tf.zeros([2, ...inputShape]);
    const z = b.apply(x, { training: true }) as tf.Tensor;
    expect(z.shape).toEqual([2, 50]);
    expect(b.trainableVariables.map((v) => v.shape)).toEqual([
      [5, 5, inputShape[2], 10],
      [10],
      [5, 5, 10, 20],
      [20],
      [flat, 50],
      [50],
    ]);
    tf.dispose([x, z]);
    b.dispose();
  });

  it('accepts flat [batch, h·w] rows, rejects other shapes with the expected image shape', async () => {
    const b = multiLeNetBackbone({ inputShape: [28, 28, 1], units: 8 });
    const flat = tf.zeros([1, 784]);
    const wrong = tf.zeros([1, 36, 36, 1]);
    const z = b.apply(flat, { training: false }) as tf.Tensor;
    expect(z.shape).toEqual([1, 8]);
    await expectMultitaskError(
      () => b.apply(wrong, { training: false }),
      'SHAPE_MISMATCH',
      /\[batch, 28, 28, 1\], got \[1, 36, 36, 1\]/,
    );
    expect(() => multiLeNetBackbone({ inputShape: [10, 10, 1] })).toThrow(/too small/);
    tf.dispose([flat, wrong, z]);
    b.dispose();
  });

  it('rebuilds identically from getConfig()', () => {
    const a = multiLeNetBackbone({ inputShape: [28, 28, 1], seed: 4 });
    const b = multiLeNetBackbone(a.getConfig().options);
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 5);
    expect(infer(b, x)).toEqual(infer(a, x));
    x.dispose();
    a.dispose();
    b.dispose();
  });

  it('learns two position tasks on 16×16 images to ≥ 95 % test accuracy in 40 steps', () => {
    // A slimmed Multi-LeNet (3×3 kernels, 4 and 8 filters) keeps the cpu backend's step in tens of ms.
    const train = squares(48, 1);
    const test = squares(100, 2);
    const model = new MultitaskModel({
      backbone: multiLeNetBackbone({
        inputShape: [16, 16, 1],
        kernelSize: 3,
        filters: [4, 8],
        units: 16,
        dropout: 0.1,
        seed: 2,
      }),
      tasks: [ceTask('right', 16, 2, 1), ceTask('bottom', 16, 2, 2)],
    });
    const opt = tf.train.adam(0.02);
    const t0 = performance.now();
    trainModel(model, train.x, { right: train.right, bottom: train.bottom }, 40, opt);
    console.log(`multi-lenet: 40 steps in ${(performance.now() - t0).toFixed(0)} ms`);
    const out = model.predict(test.x);
    const accRight = accuracy(out.right!, test.right);
    const accBottom = accuracy(out.bottom!, test.bottom);
    expect(accRight).toBeGreaterThanOrEqual(0.95);
    expect(accBottom).toBeGreaterThanOrEqual(0.95);
    tf.dispose([train.x, train.right, train.bottom, test.x, test.right, test.bottom, out]);
    opt.dispose();
    model.dispose();
  });
});
