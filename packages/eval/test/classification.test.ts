import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { f1, logLoss, precision, recall, rocAuc, topKAccuracy } from '../src/index.ts';
import { once } from './helpers.ts';

describe('topKAccuracy', () => {
  // row 0: label 2 scores 0.3, one class (0.5) higher → rank 1
  // row 1: label 2 ties classes 0 and 1 (lower index) → rank 2
  // row 2: label 3 is the max → rank 0
  const pred = [
    [0.1, 0.5, 0.3, 0.2],
    [1, 1, 1, 0],
    [0, 0, 0, 9],
  ];
  const labels = [2, 2, 3];
  test.each([
    [1, 1 / 3],
    [2, 2 / 3],
    [3, 1],
    [10, 1],
  ])('k = %i', (k, expected) => {
    const m = topKAccuracy({ k });
    expect(m.name).toBe(`top-${k}-accuracy`);
    expect(once(m, pred, labels)).toBeCloseTo(expected, 15);
  });
  test('rejects bad k and rank-1 predictions', () => {
    expect(() => topKAccuracy({ k: 0 })).toThrow(/integer ≥ 1/);
    expect(() => once(topKAccuracy({ k: 1 }), [1, 2], [0, 1])).toThrow(/\[batch, classes\]/);
  });
});

describe('precision / recall / F1', () => {
  // labels     0 0 1 1 2 2
  // predicted  0 1 1 1 0 2   (argmax of the rows below)
  // class 0: tp 1, fp 1 (row 4), fn 1 (row 1) → P 1/2, R 1/2, F1 1/2
  // class 1: tp 2, fp 1 (row 1), fn 0          → P 2/3, R 1,   F1 4/5
  // class 2: tp 1, fp 0,         fn 1 (row 4)  → P 1,   R 1/2, F1 2/3
  // macro: P 13/18, R 2/3, F1 (1/2 + 4/5 + 2/3)/3 = 59/90 ; micro: 4 of 6 right → 2/3 for all three
  // A 4th column that is never a label nor the argmax must not change the macro means.
  const pred = [
    [5, 0, 0, -1],
    [0, 5, 0, -1],
    [0, 5, 0, -1],
    [0, 5, 0, -1],
    [5, 0, 0, -1],
    [0, 0, 5, -1],
  ];
  const labels = [0, 0, 1, 1, 2, 2];
  test.each([
    ['precision', precision, 13 / 18],
    ['recall', recall, 2 / 3],
    ['f1', f1, 59 / 90],
  ] as const)('%s macro (default for multi-class) and micro', (name, factory, macro) => {
    const d = factory();
    expect(d.name).toBe(name);
    expect(d.higherIsBetter).toBe(true);
    expect(once(d, pred, labels)).toBeCloseTo(macro, 14);
    expect(once(factory({ average: 'macro' }), pred, labels)).toBeCloseTo(macro, 14);
    const micro = factory({ average: 'micro' });
    expect(micro.name).toBe(`${name}-micro`);
    expect(once(micro, pred, labels)).toBeCloseTo(2 / 3, 14);
  });

  // logits 2, -1, 0.5, -0.3, 1 → predicted 1 0 1 0 1 ; labels 1 1 0 0 0
  // positive class: tp 1 (row 0), fp 2 (rows 2, 4), fn 1 (row 1) → P 1/3, R 1/2, F1 2·(1/6)/(5/6) = 2/5
  test.each([
    [precision, 1 / 3],
    [recall, 1 / 2],
    [f1, 2 / 5],
  ] as const)('binary logits (positive class) %#', (factory, expected) => {
    expect(once(factory(), [2, -1, 0.5, -0.3, 1], [1, 1, 0, 0, 0])).toBeCloseTo(expected, 14);
  });

  test('binary average with multi-class scores throws; masked rows skipped', () => {
    expect(() => once(f1({ average: 'binary' }), pred, labels)).toThrow(/average "binary"/);
    // masking rows 1 and 4 leaves labels 0 1 1 2 predicted 0 1 1 2 → perfect
    expect(once(f1(), pred, labels, [1, 0, 1, 1, 0, 1])).toBe(1);
  });
});

describe('rocAuc', () => {
  test('binary, hand-computed, with ties counting half', () => {
    // positives 0.35, 0.8 vs negatives 0.1, 0.4: pairs won 0.35>0.1, 0.8>0.1, 0.8>0.4 → 3/4
    expect(once(rocAuc(), [0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 15);
    // positives 0.5, 0.9 vs negatives 0.5, 0.2: 0.5=0.5 (½) + 3 wins → 3.5/4
    expect(once(rocAuc(), [[0.5], [0.5], [0.2], [0.9]], [1, 0, 0, 1])).toBeCloseTo(0.875, 15);
    expect(once(rocAuc(), [0.1, 0.2], [1, 1])).toBeNaN();
  });

  test('multi-class one-vs-rest macro over probabilities', () => {
    // class 0: positive r0 (0.7) above every negative → 1
    // class 1: positives 0.5, 0.3 vs negatives 0.2, 0.3 → (1 + 1 + 1 + ½)/4 = 0.875
    // class 2: positive r2 (0.6) above every negative → 1 ; mean 2.875/3
    const probs = [
      [0.7, 0.2, 0.1],
      [0.2, 0.5, 0.3],
      [0.1, 0.3, 0.6],
      [0.5, 0.3, 0.2],
    ];
    expect(once(rocAuc({ from: 'probabilities' }), probs, [0, 1, 2, 1])).toBeCloseTo(2.875 / 3, 14);
  });

  test('logits go through a softmax per row', () => {
    // r0 logits [0, 0, −9] → softmax ≈ [0.49994, 0.49994, 0.00006] ; r1 [5, 1, 5] → ≈ [0.4955, 0.0090, 0.4955]
    // labels 1, 2: class 0 has no positive → skipped.
    // class 1: positive r0 0.49994 > negative r1 0.0090 → 1 ; class 2: positive r1 0.4955 > r0 0.00006 → 1 → 1
    // (ranking raw logits instead would give class 1: r0 0 < r1 1 → 0, so a mean of 0.5.)
    const logits = [
      [0, 0, -9],
      [5, 1, 5],
    ];
    expect(once(rocAuc(), logits, [1, 2])).toBe(1);
    const sm = tf.tidy(() => tf.softmax(tf.tensor2d(logits)).arraySync());
    expect(once(rocAuc({ from: 'probabilities' }), sm, [1, 2])).toBe(1);
    expect(once(rocAuc({ from: 'probabilities' }), logits, [1, 2])).toBe(0.5);
  });
});

describe('logLoss', () => {
  test('binary logits: softplus(z) − y·z', () => {
    // y=1, z=0 → log 2 ; y=0, z=2 → log(1+e²) ; y=0, z=−3 → log(1+e⁻³)
    const expected = (Math.log(2) + Math.log(1 + Math.exp(2)) + Math.log(1 + Math.exp(-3))) / 3;
    const m = logLoss();
    expect(m.higherIsBetter).toBe(false);
    expect(once(m, [0, 2, -3], [1, 0, 0])).toBeCloseTo(expected, 12);
    // extreme logits stay finite: y=1, z=−1000 → 1000
    expect(once(logLoss(), [-1000], [1])).toBeCloseTo(1000, 9);
  });
  test('binary probabilities with clipping (inputs are float32, hence 6 digits)', () => {
    expect(once(logLoss({ from: 'probabilities' }), [0.9, 0.2], [1, 0])).toBeCloseTo(
      -(Math.log(0.9) + Math.log(0.8)) / 2,
      6,
    );
    expect(once(logLoss({ from: 'probabilities' }), [0], [1])).toBeCloseTo(-Math.log(1e-7), 9);
  });
  test('multi-class logits and probabilities', () => {
    // logits [1,2,3], label 0 → log(e + e² + e³) − 1
    expect(once(logLoss(), [[1, 2, 3]], [0])).toBeCloseTo(
      Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 1,
      6,
    );
    expect(once(logLoss({ from: 'probabilities' }), [[0.2, 0.7, 0.1]], [1])).toBeCloseTo(-Math.log(0.7), 7);
  });
});
