import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isMultitaskError } from '@multitask/core';
import { accuracy, f1, tokenAccuracy, tokenLevel } from '../src/index.ts';

describe('token-level metrics', () => {
  it('token accuracy counts real tokens only, across batches (golden value)', () => {
    const acc = tokenAccuracy();
    expect(acc.name).toBe('token-accuracy');
    expect(acc.higherIsBetter).toBe(true);
    expect(acc.result()).toBeNaN();
    const logits = tf.tensor3d([
      [
        [3, 0, 0],
        [0, 3, 0],
        [0, 0, 3],
      ],
      [
        [0, 0, 3],
        [3, 0, 0],
        [0, 3, 0],
      ],
    ]);
    const labels = tf.tensor2d(
      [
        [0, 1, 1],
        [2, 2, 99],
      ],
      [2, 3],
      'int32',
    );
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
    ]);
    acc.update(logits, labels, mask);
    // right: (0,0) (0,1) (1,0); wrong: (0,2) (1,1); (1,2) is padding with an out-of-range label.
    expect(acc.result()).toBeCloseTo(3 / 5, 10);
    const l2 = tf.tensor3d([[[0, 5, 0]]]);
    const t2 = tf.tensor2d([[1]], [1, 1], 'int32');
    acc.update(l2, t2);
    expect(acc.result()).toBeCloseTo(4 / 6, 10);
    acc.reset();
    expect(acc.result()).toBeNaN();
    // A [batch] mask drops whole rows.
    const rowMask = tf.tensor1d([1, 0]);
    acc.update(logits, labels, rowMask);
    expect(acc.result()).toBeCloseTo(2 / 3, 10);
    tf.dispose([logits, labels, mask, l2, t2, rowMask]);
  });

  it('wraps any row metric and equals it on the flattened real tokens', () => {
    const logits = tf.randomNormal([4, 5, 3], 0, 1, 'float32', 7);
    const labels = tf.randomUniform([4, 5], 0, 3, 'int32', 8);
    const mask = tf.tensor2d([1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0], [4, 5]);
    const wrapped = tokenLevel(f1());
    wrapped.update(logits, labels, mask);
    const flat = f1();
    const [p, t, m] = tf.tidy(() => [
      tf.reshape(logits, [20, 3]),
      tf.reshape(labels, [20]),
      tf.reshape(mask, [20]),
    ]);
    flat.update(p, t, m);
    expect(wrapped.name).toBe('token-f1');
    expect(wrapped.result()).toBe(flat.result());
    const rowAcc = accuracy();
    expect(() => rowAcc.update(logits, labels, mask)).toThrow();
    tf.dispose([logits, labels, mask, p, t, m]);
  });

  it('rejects mismatched shapes, naming the metric', () => {
    const acc = tokenAccuracy();
    const logits = tf.zeros([2, 3, 4]);
    const labels = tf.zeros([2, 4], 'int32');
    const badMask = tf.zeros([2, 4]);
    const labels2 = tf.zeros([2, 3], 'int32');
    for (const f of [() => acc.update(logits, labels), () => acc.update(logits, labels2, badMask)]) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isMultitaskError(e) && e.code).toBe('SHAPE_MISMATCH');
        expect(String(e)).toMatch(/token-accuracy/);
      }
    }
    const rowMetric = accuracy();
    const rowLogits = tf.zeros([2, 4]);
    const rowLabels = tf.zeros([2], 'int32');
    expect(() => rowMetric.update(rowLogits, rowLabels, badMask)).toThrow(
      /use tokenAccuracy\(\) or tokenLevel\(metric\)/,
    );
    tf.dispose([logits, labels, badMask, labels2, rowLogits, rowLabels]);
  });
});
