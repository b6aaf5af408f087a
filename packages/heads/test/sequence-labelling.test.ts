import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isMultitaskError } from '@multitask/core';
import {
  sequenceLabellingHead,
  sequenceLabellingTask,
  taskFactories,
  tokenCrossEntropyLoss,
} from '../src/index.ts';

describe('tokenCrossEntropyLoss', () => {
  it('is the mean over labelled tokens only (golden value)', () => {
    const logits = tf.tensor3d([
      [
        [2, 0],
        [0, 0],
        [9, -9],
      ],
      [
        [0, 1],
        [5, 5],
        [-3, 3],
      ],
    ]);
    const labels = tf.tensor2d(
      [
        [0, 1, 1],
        [1, 0, 0],
      ],
      [2, 3],
      'int32',
    );
    const mask = tf.tensor2d([
      [1, 1, 0],
      [1, 0, 0],
    ]);
    const l = tokenCrossEntropyLoss()(logits, labels, mask);
    // tokens (0,0): −log σ(2) over 2 classes = log(1+e^−2); (0,1): log 2; (1,0): log(1+e^−1)
    const expected = (Math.log(1 + Math.exp(-2)) + Math.log(2) + Math.log(1 + Math.exp(-1))) / 3;
    expect(l.dataSync()[0]).toBeCloseTo(expected, 5);
    // Padding may hold any label and any logits: changing them changes nothing.
    const noisy = tf.tensor3d([
      [
        [2, 0],
        [0, 0],
        [-50, 50],
      ],
      [
        [0, 1],
        [0, 80],
        [30, 3],
      ],
    ]);
    const junk = tf.tensor2d(
      [
        [0, 1, -1],
        [1, 99, 7],
      ],
      [2, 3],
      'int32',
    );
    const l2 = tokenCrossEntropyLoss()(noisy, junk, mask);
    expect(l2.dataSync()[0]).toBeCloseTo(expected, 5);
    // A [batch] mask removes whole rows; no mask counts every position.
    const rowMask = tf.tensor1d([0, 1]);
    const rows = tokenCrossEntropyLoss()(logits, labels, rowMask);
    const rowExpected = (Math.log(1 + Math.exp(-1)) + Math.log(2) + Math.log(1 + Math.exp(6))) / 3;
    expect(rows.dataSync()[0]).toBeCloseTo(rowExpected, 5);
    const all = tokenCrossEntropyLoss()(logits, labels);
    expect(all.dataSync()[0]).toBeGreaterThan(expected);
    // All-zero mask: 0, not NaN.
    const none = tf.zeros([2, 3]);
    const zero = tokenCrossEntropyLoss()(logits, labels, none);
    expect(zero.dataSync()[0]).toBe(0);
    tf.dispose([logits, labels, mask, l, noisy, junk, l2, rowMask, rows, all, none, zero]);
  });

  it('has no gradient through padding', () => {
    const init = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    const logits = tf.variable(init);
    const labels = tf.tensor2d([[1, 0]], [1, 2], 'int32');
    const mask = tf.tensor2d([[1, 0]]);
    const { value, grads } = tf.variableGrads(() => tokenCrossEntropyLoss()(logits, labels, mask), [logits]);
    const g = grads[logits.name]!.arraySync() as number[][][];
    expect(g[0]![1]!.map(Math.abs)).toEqual([0, 0]);
    expect(Math.abs(g[0]![0]![0]!)).toBeGreaterThan(0.1);
    tf.dispose([init, logits, labels, mask, value, ...Object.values(grads)]);
  });
});

describe('sequenceLabellingHead and task', () => {
  it('applies one dense stack per token: [batch, length, d] → [batch, length, classes]', () => {
    const head = sequenceLabellingHead({ inputSize: 4, numClasses: 3, hidden: [5], seed: 2 });
    const z = tf.randomNormal([2, 6, 4], 0, 1, 'float32', 3);
    const out = head.apply(z, { training: false });
    expect(out.shape).toEqual([2, 6, 3]);
    // Token (1, 4) alone gives the same logits.
    const token = tf.slice(z, [1, 4, 0], [1, 1, 4]);
    const one = head.apply(token, { training: false });
    const a = (out.arraySync() as number[][][])[1]![4]!;
    const b = (one.arraySync() as number[][][])[0]![0]!;
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    expect(head.getConfig()).toMatchObject({
      type: 'sequence-labelling',
      options: { numClasses: 3, inputSize: 4, hidden: [5] },
    });
    const flat = tf.zeros([2, 4]);
    try {
      head.apply(flat, { training: false });
      expect.unreachable();
    } catch (e) {
      expect(isMultitaskError(e) && e.code).toBe('SHAPE_MISMATCH');
      expect(String(e)).toMatch(/per-token representations \[batch, length, features\]/);
    }
    tf.dispose([z, out, token, one, flat]);
    head.dispose();
  });

  it('checks token targets (shape, mask shape, labelled values) and is in taskFactories', () => {
    const task = sequenceLabellingTask('pos', { inputSize: 4, numClasses: 3 });
    expect(task.metrics).toEqual(['token-accuracy']);
    const good = tf.tensor2d([[0, 2, 9]], [1, 3], 'int32');
    const mask = tf.tensor2d([[1, 1, 0]]);
    expect(task.validateTarget!(good, mask)).toBeUndefined();
    expect(task.validateTarget!(good)).toMatch(/label 9 at row 0, token 2 is not a class index in \[0, 3\)/);
    const rows = tf.tensor1d([1, 2], 'int32');
    expect(task.validateTarget!(rows)).toMatch(/\[batch, length\]/);
    const rowMask = tf.tensor1d([1]);
    expect(task.validateTarget!(good, rowMask)).toMatch(/mask must have the targets' shape/);
    const rebuilt = taskFactories['sequence-labelling']!('pos', task.head.getConfig().options);
    expect(rebuilt.head.getConfig()).toEqual(task.head.getConfig());
    tf.dispose([good, mask, rows, rowMask]);
    task.head.dispose();
    rebuilt.head.dispose();
  });
});
