import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { mae, mse, r2, rmse } from '../src/index.ts';
import type { Metric } from '@multitask/core';

function feed(m: Metric, pred: number[] | number[][], target: number[] | number[][], mask?: number[]): void {
  const p = tf.tensor(pred);
  const t = tf.tensor(target);
  const k = mask === undefined ? undefined : tf.tensor1d(mask);
  try {
    m.update(p, t, k);
  } finally {
    tf.dispose([p, t, ...(k ? [k] : [])]);
  }
}

describe('regression metrics', () => {
  // prediction 1, 2, 4 ; target 1, 3, 1 → errors 0, -1, 3
  // MSE = (0 + 1 + 9)/3 = 10/3 ; RMSE = √(10/3) ; MAE = (0 + 1 + 3)/3 = 4/3
  // R²: ȳ = 5/3, SS_tot = (2/3)² + (4/3)² + (2/3)² = 24/9 = 8/3, SS_res = 10 → 1 − 10/(8/3) = −2.75
  const pred = [1, 2, 4];
  const target = [1, 3, 1];
  test.each([
    ['mse', mse, 10 / 3, false],
    ['rmse', rmse, Math.sqrt(10 / 3), false],
    ['mae', mae, 4 / 3, false],
    ['r2', r2, -2.75, true],
  ] as const)('%s hand-computed', (name, factory, expected, higher) => {
    const m = factory();
    expect(m.name).toBe(name);
    expect(m.higherIsBetter).toBe(higher);
    expect(m.result()).toBeNaN();
    feed(m, pred, target);
    expect(m.result()).toBeCloseTo(expected, 12);
    m.reset();
    expect(m.result()).toBeNaN();
  });

  test('mse masks rows, even NaN targets, and mixes [B] with [B,1]', () => {
    const m = mse();
    // labelled rows 0 and 2: errors 1 and 2 → (1 + 4)/2
    feed(m, [[1], [5], [3]], [0, NaN, 1], [1, 0, 1]);
    expect(m.result()).toBe(2.5);
  });

  test('mse over [B, d] averages every value', () => {
    const m = mse();
    // row 0 errors (1, 0), row 1 errors (2, 1) → (1 + 0 + 4 + 1)/4 = 1.5
    feed(
      m,
      [
        [1, 1],
        [2, 2],
      ],
      [
        [0, 1],
        [0, 1],
      ],
    );
    expect(m.result()).toBe(1.5);
  });

  test('r2 averages columns uniformly', () => {
    const m = r2();
    // column 0 perfect (R² = 1); column 1 predicts the mean 2 for targets 1, 3 → R² = 0 → mean 0.5
    feed(
      m,
      [
        [1, 2],
        [3, 2],
      ],
      [
        [1, 1],
        [3, 3],
      ],
    );
    expect(m.result()).toBeCloseTo(0.5, 12);
  });

  test('shape mismatch names both shapes', () => {
    expect(() => feed(mse(), [[1, 2]], [[1, 2, 3]])).toThrow(/prediction \[1, 2\] and target \[1, 3\]/);
  });
});
