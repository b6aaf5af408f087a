/**
 * Per-token masks `[batch, length]` (sequence labelling) through core: maskedMean, fillMasked, the trainer's
 * task selection (a task with no labelled token is left out of the step) and evaluation (loss averaged over
 * tokens).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  fillMasked,
  maskedMean,
  MultitaskModel,
  Trainer,
  type Backbone,
  type Batch,
  type DataSource,
  type Head,
  type Task,
} from '../src/index.ts';
import { fixedLossWeighting, snapshot } from './fixtures.ts';

function vars(seed: number, shapes: number[][]): tf.Variable[] {
  return shapes.map((s, i) => tf.tidy(() => tf.variable(tf.randomNormal(s, 0, 0.5, 'float32', seed + i))));
}

/** Per-token features [B, L, 3] → tokens [B, L, 4] for task `tag`, their mean over L for task `kind`. */
function tokenBackbone(): Backbone {
  const [W, b] = vars(1, [[3, 4], [4]]) as [tf.Variable, tf.Variable];
  return {
    name: 'token-test',
    outputSize: 4,
    apply: (inputs) => {
      const x = inputs as tf.Tensor3D;
      const [B, L] = x.shape;
      const z = tf.reshape(tf.relu(tf.add(tf.matMul(tf.reshape(x, [B * L, 3]), W), b)), [B, L, 4]);
      return { tag: z, kind: tf.mean(z, 1) };
    },
    trainableVariables: [W, b],
    getConfig: () => ({ type: 'token-test', options: {} }),
    dispose: () => tf.dispose([W, b]),
  };
}

function head(seed: number, tokens: boolean): Head {
  const [W, b] = vars(seed, [[4, 3], [3]]) as [tf.Variable, tf.Variable];
  return {
    name: 'linear',
    inputSize: 4,
    outputSize: 3,
    apply: (z) => {
      const flat = tokens ? tf.reshape(z, [-1, 4]) : z;
      const y = tf.add(tf.matMul(flat as tf.Tensor2D, W), b);
      return tokens ? tf.reshape(y, [z.shape[0], z.shape[1]!, 3]) : y;
    },
    trainableVariables: [W, b],
    getConfig: () => ({ type: 'linear', options: {} }),
    dispose: () => tf.dispose([W, b]),
  };
}

const ce = (pred: tf.Tensor, target: tf.Tensor, mask?: tf.Tensor): Scalar =>
  tf.tidy(() =>
    maskedMean(tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(target, 'int32'), 3), tf.logSoftmax(pred)), -1)), mask),
  );

function model(): MultitaskModel {
  const tasks: Task[] = [
    { name: 'tag', head: head(10, true), loss: ce },
    { name: 'kind', head: head(20, false), loss: ce },
  ];
  return new MultitaskModel({ backbone: tokenBackbone(), tasks });
}

function batch(tagMask: number[][]): Batch {
  const B = tagMask.length;
  const L = tagMask[0]!.length;
  return {
    inputs: tf.randomNormal([B, L, 3], 0, 1, 'float32', 5),
    targets: {
      tag: tf.tensor2d(
        Array.from({ length: B * L }, (_, i) => i % 3),
        [B, L],
        'int32',
      ),
      kind: tf.tensor1d(
        Array.from({ length: B }, (_, i) => i % 3),
        'int32',
      ),
    },
    masks: { tag: tf.tensor2d(tagMask), kind: tf.ones([B]) },
  };
}

function dispose(b: Batch): void {
  tf.dispose([b.inputs, ...Object.values(b.targets), ...Object.values(b.masks ?? {})]);
}

describe('per-token masks', () => {
  it('maskedMean and fillMasked take [batch, length] masks', () => {
    const loss = tf.tensor2d([
      [1, 2, 100],
      [3, NaN, 100],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 0],
      [1, 0, 0],
    ]);
    const m = maskedMean(loss, mask);
    expect(m.dataSync()[0]).toBeCloseTo(2, 6);
    const target = tf.tensor3d([
      [
        [1, 1],
        [2, 2],
        [NaN, NaN],
      ],
      [
        [3, 3],
        [NaN, 5],
        [6, 6],
      ],
    ]);
    const filled = fillMasked(target, mask, -1);
    expect(filled.arraySync()).toEqual([
      [
        [1, 1],
        [2, 2],
        [-1, -1],
      ],
      [
        [3, 3],
        [-1, -1],
        [-1, -1],
      ],
    ]);
    tf.dispose([loss, mask, m, target, filled]);
  });

  it('the trainer leaves a token task with no labelled token out of the step, and trains it otherwise', () => {
    const mtl = model();
    const opt = tf.train.sgd(0.1);
    const trainer = new Trainer({
      model: mtl,
      strategy: fixedLossWeighting([1, 1]),
      optimizer: opt,
      seed: 3,
    });
    const tagHead = mtl.task('tag').head.trainableVariables;
    const empty = batch([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const before = snapshot(tagHead);
    const e1 = trainer.trainStep(empty);
    expect(Object.keys(e1.losses)).toEqual(['kind']);
    expect(Number.isFinite(e1.totalLoss)).toBe(true);
    expect(snapshot(tagHead)).toEqual(before);
    const some = batch([
      [1, 1, 0],
      [1, 0, 0],
    ]);
    const expected = tf.tidy(() => {
      const p = mtl.predict(some.inputs, ['tag']);
      return ce(p.tag!, some.targets.tag!, some.masks!.tag).dataSync()[0]!;
    });
    const e2 = trainer.trainStep(some);
    expect(Object.keys(e2.losses).sort()).toEqual(['kind', 'tag']);
    expect(e2.losses.tag).toBeCloseTo(expected, 5);
    expect(snapshot(tagHead)).not.toEqual(before);
    [empty, some].forEach(dispose);
    opt.dispose();
    mtl.dispose();
  });

  it('evaluate averages a token task over labelled tokens across batches', async () => {
    const mtl = model();
    const opt = tf.train.sgd(0.1);
    const trainer = new Trainer({
      model: mtl,
      strategy: fixedLossWeighting([1, 1]),
      optimizer: opt,
      seed: 3,
    });
    const masks = [
      [
        [1, 1, 1],
        [1, 1, 1],
      ],
      [
        [1, 0, 0],
        [0, 0, 0],
      ],
    ];
    const source: DataSource = {
      tasks: ['tag', 'kind'],
      async *batches() {
        for (const m of masks) yield await Promise.resolve(batch(m));
      },
    };
    const perBatch = masks.map((m) => {
      const b = batch(m);
      const l = tf.tidy(
        () => ce(mtl.predict(b.inputs, ['tag']).tag!, b.targets.tag!, b.masks!.tag).dataSync()[0]!,
      );
      dispose(b);
      return l;
    });
    const result = await trainer.evaluate(source);
    // 6 tokens in batch 0, 1 in batch 1: a token-weighted mean, not a mean of batch means.
    expect(result.tag!.loss).toBeCloseTo((6 * perBatch[0]! + perBatch[1]!) / 7, 5);
    await trainer.validateData(source, 2);
    opt.dispose();
    mtl.dispose();
  });
});
