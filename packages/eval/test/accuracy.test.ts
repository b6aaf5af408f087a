import { createRegistry } from '@multitask/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { accuracy, builtinMetrics } from '../src/index.ts';

/** Runs one update with freshly created tensors and disposes them. */
function feed(
  m: ReturnType<typeof accuracy>,
  pred: number[][] | number[],
  target: number[],
  mask?: number[],
  dtype: 'int32' | 'float32' = 'int32',
): void {
  const p = tf.tensor(pred);
  const t = tf.tensor1d(target, dtype);
  const k = mask === undefined ? undefined : tf.tensor1d(mask);
  try {
    m.update(p, t, k);
  } finally {
    tf.dispose([p, t, ...(k ? [k] : [])]);
  }
}

describe('accuracy', () => {
  test('multi-class: argmax vs int labels, hand-computed', () => {
    const m = accuracy();
    // argmax rows: 1, 0, 2, 2 ; labels 1, 0, 1, 2 → 3 of 4 correct
    feed(
      m,
      [
        [0.1, 0.8, 0.1],
        [2, -1, 0],
        [0, 0, 5],
        [1, 2, 3],
      ],
      [1, 0, 1, 2],
    );
    expect(m.result()).toBe(3 / 4);
    expect(m.name).toBe('accuracy');
    expect(m.higherIsBetter).toBe(true);
  });

  test('mask skips rows, even with out-of-range labels', () => {
    const m = accuracy();
    // labelled rows 0 and 2: row 0 argmax 1 = label 1 ✓, row 2 argmax 0 ≠ 1 ✗ → 1/2; row 1 label 99 ignored
    feed(
      m,
      [
        [0, 1],
        [1, 0],
        [1, 0],
        [0, 1],
      ],
      [1, 99, 1, 0],
      [1, 0, 1, 0],
    );
    expect(m.result()).toBe(1 / 2);
  });

  test('streams over batches and resets', () => {
    const m = accuracy();
    expect(m.result()).toBeNaN();
    feed(m, [[1, 0]], [0]); // ✓
    feed(
      m,
      [
        [1, 0],
        [0, 1],
      ],
      [1, 1],
    ); // ✗ ✓
    expect(m.result()).toBe(2 / 3);
    m.reset();
    expect(m.result()).toBeNaN();
    feed(m, [[1, 0]], [1]);
    expect(m.result()).toBe(0);
  });

  test('ties take the first class, like tf.argMax', () => {
    const m = accuracy();
    feed(
      m,
      [
        [1, 1, 0],
        [0, 2, 2],
      ],
      [0, 2],
    ); // argmax 0 ✓, argmax 1 ✗
    expect(m.result()).toBe(1 / 2);
  });

  test('binary logits [B] and [B,1] threshold at 0; probabilities at 0.5', () => {
    const logits = accuracy();
    // predicted: 1, 0, 1, 0 ; labels 1, 0, 0, 0 → 3/4
    feed(logits, [2, -1, 0.3, -0.1], [1, 0, 0, 0], undefined, 'float32');
    expect(logits.result()).toBe(3 / 4);
    const col = accuracy();
    feed(col, [[2], [-1], [0.3], [-0.1]], [1, 0, 0, 0]);
    expect(col.result()).toBe(3 / 4);
    const probs = accuracy({ from: 'probabilities' });
    // 0.3 → 0 ✓(label 0), 0.7 → 1 ✓, 0.5 → 0 (strictly above) ✗(label 1) → 2/3
    feed(probs, [0.3, 0.7, 0.5], [0, 1, 1]);
    expect(probs.result()).toBe(2 / 3);
  });

  test('errors: out-of-range label, shape mismatch, bad option', async () => {
    const m = accuracy();
    expect(() => feed(m, [[0, 1]], [2])).toThrow(/label 2 at row 0 is not a class in \[0, 2\)/);
    expect(() =>
      feed(
        m,
        [
          [0, 1],
          [1, 0],
        ],
        [1],
      ),
    ).toThrow(/target shape \[1\]/);
    await expectMultitaskError(() => feed(m, [[0, 1]], [1], [1, 1]), 'SHAPE_MISMATCH');
    expect(() => accuracy({ from: 'odds' as never })).toThrow(/"from" must be/);
  });

  test('builtinMetrics resolves names to fresh metrics', () => {
    const a = builtinMetrics.accuracy();
    const b = builtinMetrics.accuracy();
    expect(a).not.toBe(b);
    expect(a.name).toBe('accuracy');
    expect(builtinMetrics.mse().higherIsBetter).toBe(false);
    // every entry's metric carries its key as name
    for (const [key, factory] of Object.entries(builtinMetrics)) expect(factory().name).toBe(key);
    const registry = createRegistry('metric', builtinMetrics);
    expect(registry.get('r2')().name).toBe('r2');
  });
});
