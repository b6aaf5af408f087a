import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '@multitask/core';
import { regressionHead, regressionLoss, regressionTask } from '../src/index.ts';
import { trainHead } from './helpers.ts';

describe('regressionHead', () => {
  it.each([
    { inputSize: 3, outputSize: 1, hidden: [] as number[] },
    { inputSize: 5, outputSize: 4, hidden: [8] },
    { inputSize: 2, outputSize: 2, hidden: [3, 3] },
  ])('outputs [batch, outputSize] for %o', (o) => {
    const head = regressionHead(o);
    const x = tf.ones([3, o.inputSize]);
    const y = head.apply(x, { training: false });
    expect(y.shape).toEqual([3, o.outputSize]);
    tf.dispose([x, y]);
    head.dispose();
  });

  it('rejects an unknown loss', () => {
    expect(() => regressionHead({ loss: 'l3' as never })).toThrow(/option "loss"/);
  });
});

describe('regressionLoss', () => {
  it('matches hand-computed MSE, L1 and Huber values', () => {
    // errors e = [1, −2] (pred [1, 2] vs target [0, 4]):
    // mse = (1 + 4)/2 = 2.5; l1 = (1 + 2)/2 = 1.5; huber δ=1: 0.5·1² = 0.5 and 1·(2 − 0.5) = 1.5 → 1.0.
    const p = tf.tensor2d([[1], [2]]);
    const t = tf.tensor1d([0, 4]);
    const values = (['mse', 'l1', 'huber'] as const).map((kind) => {
      const l = regressionLoss({ kind })(p, t);
      const v = l.dataSync()[0]!;
      l.dispose();
      return v;
    });
    expect(values[0]).toBeCloseTo(2.5, 6);
    expect(values[1]).toBeCloseTo(1.5, 6);
    expect(values[2]).toBeCloseTo(1.0, 6);
    tf.dispose([p, t]);
  });

  it('averages over outputs then labelled rows, ignoring NaN targets of masked rows (value and gradient)', () => {
    // Row 0: errors [1, 3] → mse 5; row 1 is masked and holds NaN; row 2: errors [0, 2] → mse 2. Mean = 3.5.
    const p = tf.tensor2d([
      [1, 3],
      [0, 0],
      [1, 1],
    ]);
    const t = tf.tensor2d([
      [0, 0],
      [NaN, NaN],
      [1, -1],
    ]);
    const mask = tf.tensor1d([1, 0, 1]);
    const { value, grads } = tf.tidy(() => {
      const f = (z: tf.Tensor) => regressionLoss()(z, t, mask);
      return { value: f(p), grads: tf.grad(f)(p) };
    });
    expect(value.dataSync()[0]).toBeCloseTo(3.5, 6);
    // d/dp of (1/2)·Σ_rows (1/2)·Σ_j e² = e/2 per element of labelled rows.
    expect(Array.from(grads.dataSync()).map((v) => Math.abs(v))).toEqual([0.5, 1.5, 0, 0, 0, 1]);
    tf.dispose([p, t, mask, value, grads]);
  });

  it('huber equals MSE/2 for small errors and δ·(|e| − δ/2) for large ones (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        (e, delta) => {
          const expected = Math.abs(e) <= delta ? 0.5 * e * e : delta * (Math.abs(e) - delta / 2);
          const l = tf.tidy(() =>
            regressionLoss({ kind: 'huber', delta })(tf.tensor1d([e]), tf.tensor1d([0])),
          );
          const got = l.dataSync()[0]!;
          l.dispose();
          expect(got).toBeCloseTo(expected, 3);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('regressionTask', () => {
  it('checks target shape and finiteness, naming the task', () => {
    const task = regressionTask('mass', { inputSize: 3, outputSize: 2 });
    expect(task.metrics).toEqual(['mse', 'mae']);
    const good = tf.tensor2d([[1, 2]]);
    const wide = tf.tensor2d([[1, 2, 3]]);
    const nan = tf.tensor2d([
      [1, NaN],
      [0, 0],
    ]);
    const mask = tf.tensor1d([0, 1]);
    expect(task.validateTarget!(good)).toBeUndefined();
    expect(task.validateTarget!(wide)).toMatch(/task "mass".*\[batch, 2\].*\[1, 3\]/);
    expect(task.validateTarget!(nan)).toMatch(/task "mass": target NaN .* row 0, column 1/);
    expect(task.validateTarget!(nan, mask)).toBeUndefined();
    tf.dispose([good, wide, nan, mask]);
    task.head.dispose();
  });

  it('fits a noisy 2-output linear map to test MSE < 0.02 (noise variance 0.01) with each loss', () => {
    // y = x·A + 0.1·ε; the best possible test MSE is the noise variance 0.01.
    const rng = new Rng(4);
    const A = [
      [1, -2],
      [0.5, 1],
      [-1, 0.3],
    ];
    const make = (n: number) => {
      const xs = Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]);
      const ys = xs.map((r) =>
        [0, 1].map((j) => r.reduce((s, v, i) => s + v * A[i]![j]!, 0) + 0.1 * rng.normal()),
      );
      return { x: tf.tensor2d(xs), y: tf.tensor2d(ys) };
    };
    const train = make(200);
    const test = make(200);
    for (const loss of ['mse', 'l1', 'huber'] as const) {
      const task = regressionTask('y', { inputSize: 3, outputSize: 2, loss });
      trainHead(task, train.x, train.y, 200, 0.05);
      const mse = tf.tidy(
        () => tf.mean(tf.square(tf.sub(task.head.apply(test.x, { training: false }), test.y))).dataSync()[0]!,
      );
      expect(mse, loss).toBeLessThan(0.02);
      task.head.dispose();
    }
    tf.dispose([train.x, train.y, test.x, test.y]);
  });
});
