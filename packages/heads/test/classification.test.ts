import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import {
  classificationHead,
  classificationTask,
  softmaxCrossEntropyLoss,
  taskFactories,
} from '../src/index.ts';
import { accuracy, blobs, trainHead } from './helpers.ts';

describe('classificationHead', () => {
  it.each([
    { inputSize: 4, numClasses: 3, hidden: [] as number[] },
    { inputSize: 7, numClasses: 10, hidden: [16, 8] },
    { inputSize: 1, numClasses: 2, hidden: [5] },
  ])('outputs [batch, numClasses] logits for %o', (o) => {
    const head = classificationHead(o);
    const x = tf.ones([5, o.inputSize]);
    const y = head.apply(x, { training: false });
    expect(y.shape).toEqual([5, o.numClasses]);
    expect(head.outputSize).toBe(o.numClasses);
    expect(head.trainableVariables).toHaveLength(2 * (o.hidden.length + 1));
    tf.dispose([x, y]);
    head.dispose();
  });

  it('builds lazily from the first representation when inputSize is unset', () => {
    const head = classificationHead({ numClasses: 3 });
    expect(head.inputSize).toBeUndefined();
    expect(head.trainableVariables).toHaveLength(0);
    const x = tf.ones([2, 6]);
    const y = head.apply(x, { training: false });
    expect(head.inputSize).toBe(6);
    expect(head.trainableVariables.map((v) => v.shape)).toEqual([[6, 3], [3]]);
    expect(head.getConfig().options.inputSize).toBe(6);
    tf.dispose([x, y]);
    head.dispose();
  });

  it('rejects a representation of the wrong size with a SHAPE_MISMATCH naming the task', async () => {
    const task = classificationTask('digit', { inputSize: 8, numClasses: 10 });
    const x = tf.ones([2, 5]);
    const e = await expectMultitaskError(
      () => task.head.apply(x, { training: false }),
      'SHAPE_MISMATCH',
      /task "digit"/,
    );
    expect(e.message).toContain('[2, 5]');
    x.dispose();
    task.head.dispose();
  });

  it('is deterministic per seed and rebuilds identically from its config', () => {
    const a = classificationHead({ inputSize: 3, numClasses: 4, hidden: [5], seed: 9 });
    const b = taskFactories[a.getConfig().type]!('t', a.getConfig().options).head;
    const c = classificationHead({ inputSize: 3, numClasses: 4, hidden: [5], seed: 10 });
    const x = tf.tensor2d([[1, -2, 0.5]]);
    const [ya, yb, yc] = [a, b, c].map((h) => h.apply(x, { training: false }));
    expect(Array.from(yb!.dataSync())).toEqual(Array.from(ya!.dataSync()));
    expect(Array.from(yc!.dataSync())).not.toEqual(Array.from(ya!.dataSync()));
    tf.dispose([x, ya, yb, yc]);
    [a, b, c].forEach((h) => h.dispose());
  });

  it('takes an initializer for every layer (pytorch: U(±1/√fanIn) kernels and biases) and keeps it in its config', () => {
    const a = classificationHead({ inputSize: 16, numClasses: 3, hidden: [4], initializer: 'pytorch' });
    const [k1, b1, k2, b2] = a.trainableVariables.map((v) => Array.from(v.dataSync()));
    for (const [v, limit] of [
      [k1, 1 / 4],
      [b1, 1 / 4],
      [k2, 1 / 2],
      [b2, 1 / 2],
    ] as const) {
      expect(Math.max(...v!.map(Math.abs))).toBeLessThanOrEqual(limit);
      expect(v!.some((x) => x !== 0)).toBe(true);
    }
    expect(a.getConfig().options).toMatchObject({ initializer: 'pytorch' });
    const b = taskFactories[a.getConfig().type]!('t', a.getConfig().options).head;
    expect(Array.from(b.trainableVariables[1]!.dataSync())).toEqual(b1);
    expect(() => classificationHead({ numClasses: 2, initializer: 'ones' as never })).toThrow(
      /option "initializer"/,
    );
    [a, b].forEach((h) => h.dispose());
  });

  it('applies dropout only while training, with masks drawn from the seed stream', async () => {
    const { seedStream } = await import('@multitask/core');
    const head = classificationHead({ inputSize: 50, numClasses: 2, dropout: 0.5 });
    const x = tf.ones([4, 50]);
    const inf1 = head.apply(x, { training: false });
    const inf2 = head.apply(x, { training: false });
    const t1 = head.apply(x, { training: true, seeds: seedStream(3) });
    const t2 = head.apply(x, { training: true, seeds: seedStream(3) });
    const t3 = head.apply(x, { training: true, seeds: seedStream(4) });
    expect(Array.from(inf2.dataSync())).toEqual(Array.from(inf1.dataSync()));
    expect(Array.from(t2.dataSync())).toEqual(Array.from(t1.dataSync()));
    expect(Array.from(t3.dataSync())).not.toEqual(Array.from(t1.dataSync()));
    expect(Array.from(t1.dataSync())).not.toEqual(Array.from(inf1.dataSync()));
    tf.dispose([x, inf1, inf2, t1, t2, t3]);
    head.dispose();
  });
});

describe('softmaxCrossEntropyLoss', () => {
  it('matches hand-computed values, with mask and label smoothing', () => {
    // Row 0: logits [0, 0], label 0 → p = 1/2 → CE = ln 2.
    // Row 1: logits [ln 3, 0], label 1 → p₁ = 1/(3+1) → CE = ln 4.
    // Smoothing ε = 0.2, K = 2: row 1 target [0.1, 0.9] → 0.1·(−ln 0.75) + 0.9·ln 4 = 1.2764331.
    const logits = tf.tensor2d([
      [0, 0],
      [Math.log(3), 0],
    ]);
    const labels = tf.tensor1d([0, 1], 'int32');
    const mask = tf.tensor1d([0, 1]);
    const plain = softmaxCrossEntropyLoss()(logits, labels);
    const masked = softmaxCrossEntropyLoss()(logits, labels, mask);
    const smooth = softmaxCrossEntropyLoss({ labelSmoothing: 0.2 })(logits, labels, mask);
    expect(plain.dataSync()[0]).toBeCloseTo(1.5 * Math.LN2, 5);
    expect(masked.dataSync()[0]).toBeCloseTo(2 * Math.LN2, 5);
    expect(smooth.dataSync()[0]).toBeCloseTo(0.1 * -Math.log(0.75) + 0.9 * Math.log(4), 5);
    tf.dispose([logits, labels, mask, plain, masked, smooth]);
  });

  it('equals −log softmax[label] computed in plain JS (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.nat(),
        (rows, seed) => {
          const labels = rows.map((_, i) => (seed + i) % 3);
          const expected =
            rows.reduce((acc, r, i) => {
              const m = Math.max(...r);
              const lse = m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
              return acc + lse - r[labels[i]!]!;
            }, 0) / rows.length;
          const l = tf.tidy(() => softmaxCrossEntropyLoss()(tf.tensor2d(rows), tf.tensor1d(labels, 'int32')));
          const got = l.dataSync()[0]!;
          l.dispose();
          expect(got).toBeCloseTo(expected, 3);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('ignores placeholder labels of masked rows (no NaN, zero gradient for them)', () => {
    const logits = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const labels = tf.tensor1d([-1, 2], 'int32');
    const mask = tf.tensor1d([0, 1]);
    const g = tf.grad((z: tf.Tensor) => softmaxCrossEntropyLoss()(z, labels, mask))(logits);
    const gv = g.arraySync() as number[][];
    expect(gv[0]!.map(Math.abs)).toEqual([0, 0, 0]);
    expect(gv[1]!.every(Number.isFinite)).toBe(true);
    tf.dispose([logits, labels, mask, g]);
  });
});

describe('classificationTask', () => {
  it('has default metrics and a label check naming the task, the label and the class count', () => {
    const task = classificationTask('digit', { inputSize: 4, numClasses: 10 });
    expect(task.metrics).toEqual(['accuracy']);
    const ok = tf.tensor1d([0, 9, 3], 'int32');
    const bad = tf.tensor1d([0, 12, 3], 'int32');
    const shape = tf.tensor2d([[0, 1]], [1, 2], 'int32');
    const maskBad = tf.tensor1d([1, 0, 1]);
    expect(task.validateTarget!(ok)).toBeUndefined();
    const msg = task.validateTarget!(bad);
    expect(msg).toContain('task "digit"');
    expect(msg).toContain('label 12');
    expect(msg).toContain('numClasses = 10');
    expect(msg).toContain('row 1');
    expect(task.validateTarget!(bad, maskBad)).toBeUndefined(); // the bad row is unlabelled
    expect(task.validateTarget!(shape)).toContain('[1, 2]');
    tf.dispose([ok, bad, shape, maskBad]);
    task.head.dispose();
  });

  it('trains on 3 Gaussian blobs to ≥ 97 % accuracy in 150 steps', () => {
    // Blob centres 3 apart at σ = 0.5 are separable up to ~0.1 % overlap; a [16]-hidden head gets there fast.
    const train = blobs(3, 60, 1);
    const test = blobs(3, 60, 2);
    const task = classificationTask('blob', { inputSize: 2, numClasses: 3, hidden: [16], seed: 3 });
    const loss = trainHead(task, train.x, train.y, 150);
    const logits = task.head.apply(test.x, { training: false });
    const acc = accuracy(logits, test.y);
    expect(loss).toBeLessThan(0.15);
    expect(acc).toBeGreaterThanOrEqual(0.97);
    tf.dispose([train.x, train.y, test.x, test.y, logits]);
    task.head.dispose();
  });

  it('trains with half the labels missing (masked) as well', () => {
    const train = blobs(3, 60, 5);
    const test = blobs(3, 60, 6);
    const task = classificationTask('blob', { inputSize: 2, numClasses: 3, labelSmoothing: 0.1 });
    // Mask out every other row and corrupt its label to −1: the loss must ignore it.
    const ys = train.ys.map((v, i) => (i % 2 ? -1 : v));
    const y = tf.tensor1d(ys, 'int32');
    const mask = tf.tensor1d(ys.map((v) => (v < 0 ? 0 : 1)));
    trainHead(task, train.x, y, 150, 0.05, mask);
    const logits = task.head.apply(test.x, { training: false });
    expect(accuracy(logits, test.y)).toBeGreaterThanOrEqual(0.95);
    tf.dispose([train.x, train.y, test.x, test.y, logits, y, mask]);
    task.head.dispose();
  });
});
