import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '@multitask/core';
import {
  binaryHead,
  binaryTask,
  multiLabelHead,
  multiLabelTask,
  sigmoidCrossEntropyLoss,
} from '../src/index.ts';
import { trainHead } from './helpers.ts';

const scalar = (l: tf.Scalar): number => {
  const v = l.dataSync()[0]!;
  l.dispose();
  return v;
};

describe('binary and multi-label heads', () => {
  it('output one logit per label', () => {
    const b = binaryHead({ inputSize: 4, hidden: [3] });
    const m = multiLabelHead({ inputSize: 4, numLabels: 6 });
    const x = tf.ones([2, 4]);
    const yb = b.apply(x, { training: false });
    const ym = m.apply(x, { training: false });
    expect(yb.shape).toEqual([2, 1]);
    expect(ym.shape).toEqual([2, 6]);
    expect(m.getConfig()).toMatchObject({ type: 'multi-label', options: { numLabels: 6, inputSize: 4 } });
    tf.dispose([x, yb, ym]);
    b.dispose();
    m.dispose();
  });
});

describe('sigmoidCrossEntropyLoss', () => {
  it('matches hand-computed values with and without positive weight', () => {
    // logit 0, z = 1 → −log σ(0) = ln 2; logit 2, z = 0 → −log(1 − σ(2)) = log(1 + e²) = 2.1269280.
    // positive weight 3 scales the z = 1 term only: (3·ln 2 + 2.1269280)/2.
    const x = tf.tensor2d([[0], [2]]);
    const z = tf.tensor1d([1, 0]);
    expect(scalar(sigmoidCrossEntropyLoss()(x, z))).toBeCloseTo(
      (Math.LN2 + Math.log(1 + Math.E ** 2)) / 2,
      5,
    );
    expect(scalar(sigmoidCrossEntropyLoss({ positiveWeight: 3 })(x, z))).toBeCloseTo(
      (3 * Math.LN2 + Math.log(1 + Math.E ** 2)) / 2,
      5,
    );
    tf.dispose([x, z]);
  });

  it('equals −[w·z·log σ(x) + (1−z)·log(1−σ(x))] (property, moderate logits)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -15, max: 15, noNaN: true }),
        fc.constantFrom(0, 1),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        (x, z, w) => {
          const s = 1 / (1 + Math.exp(-x));
          const expected = -(w * z * Math.log(s) + (1 - z) * Math.log(1 - s));
          const got = scalar(
            tf.tidy(() => sigmoidCrossEntropyLoss({ positiveWeight: w })(tf.tensor1d([x]), tf.tensor1d([z]))),
          );
          expect(got).toBeCloseTo(expected, 2);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('masks whole rows of a multi-label target', () => {
    // row 0: logits [0, 0] vs [1, 0] → ln 2 each → mean ln 2; row 1 masked (NaN targets).
    const x = tf.tensor2d([
      [0, 0],
      [5, 5],
    ]);
    const z = tf.tensor2d([
      [1, 0],
      [NaN, NaN],
    ]);
    const mask = tf.tensor1d([1, 0]);
    expect(scalar(sigmoidCrossEntropyLoss()(x, z, mask))).toBeCloseTo(Math.LN2, 5);
    tf.dispose([x, z, mask]);
  });
});

describe('binary and multi-label tasks', () => {
  it('validate targets', () => {
    const t = binaryTask('smiling', { inputSize: 2 });
    const m = multiLabelTask('tags', { inputSize: 2, numLabels: 3 });
    const ok = tf.tensor1d([0, 1, 1]);
    const bad = tf.tensor1d([0, 2, 1]);
    const wide = tf.tensor2d([[0, 1]]);
    expect(t.metrics).toEqual(['binary-accuracy']);
    expect(t.validateTarget!(ok)).toBeUndefined();
    expect(t.validateTarget!(bad)).toMatch(/task "smiling": target 2 .* row 1/);
    expect(m.validateTarget!(wide)).toMatch(/task "tags".*\[batch, 3\]/);
    tf.dispose([ok, bad, wide]);
    t.head.dispose();
    m.head.dispose();
  });

  it('binary head with a hidden stack learns a disc (16 % positives) to ≥ 95 % accuracy; positiveWeight 5 raises recall', () => {
    // positive iff |x| < 0.6 for x ~ N(0, I₂): not linearly separable, so the hidden layer is needed.
    const rng = new Rng(12);
    const make = (n: number) => {
      const xs = Array.from({ length: n }, () => [rng.normal(), rng.normal()]);
      const ys = xs.map(([a, b]) => [Math.hypot(a!, b!) < 0.6 ? 1 : 0]);
      return { x: tf.tensor2d(xs), y: tf.tensor2d(ys), ys: ys.map((r) => r[0]!) };
    };
    const train = make(400);
    const test = make(1000);
    const fit = (positiveWeight: number) => {
      const task = binaryTask('disc', { inputSize: 2, hidden: [16], positiveWeight, seed: 3 });
      trainHead(task, train.x, train.y, 300, 0.05);
      const pred = tf.tidy(() =>
        Array.from(tf.greater(task.head.apply(test.x, { training: false }), 0).dataSync()),
      );
      task.head.dispose();
      const hits = pred.filter((p, i) => p === 1 && test.ys[i] === 1).length;
      return {
        accuracy: pred.filter((p, i) => p === test.ys[i]).length / pred.length,
        recall: hits / test.ys.filter((v) => v === 1).length,
      };
    };
    const plain = fit(1);
    const weighted = fit(5);
    expect(plain.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(weighted.recall).toBeGreaterThan(plain.recall);
    tf.dispose([train.x, train.y, test.x, test.y]);
  });

  it('multi-label head learns 3 threshold labels of 2-D inputs to ≥ 95 % per-label accuracy', () => {
    // labels: x₀ > 0, x₁ > 0, x₀ + x₁ > 0.5 — each linearly separable, so a linear head suffices.
    const rng = new Rng(8);
    const make = (n: number) => {
      const xs = Array.from({ length: n }, () => [rng.normal(), rng.normal()]);
      const ys = xs.map(([a, b]) => [a! > 0 ? 1 : 0, b! > 0 ? 1 : 0, a! + b! > 0.5 ? 1 : 0]);
      return { x: tf.tensor2d(xs), y: tf.tensor2d(ys) };
    };
    const train = make(300);
    const test = make(300);
    const task = multiLabelTask('tags', { inputSize: 2, numLabels: 3 });
    trainHead(task, train.x, train.y, 300, 0.1);
    const acc = tf.tidy(
      () =>
        tf
          .mean(
            tf.cast(
              tf.equal(tf.greater(task.head.apply(test.x, { training: false }), 0), tf.cast(test.y, 'bool')),
              'float32',
            ),
          )
          .dataSync()[0]!,
    );
    expect(acc).toBeGreaterThanOrEqual(0.95);
    tf.dispose([train.x, train.y, test.x, test.y]);
    task.head.dispose();
  });
});
