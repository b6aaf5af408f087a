import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MultitaskModel, Rng } from '@multitask/core';
import { resnetBackbone } from '../src/index.ts';
import { accuracy, ceTask, infer, trainModel } from './helpers.ts';

describe('resnetBackbone', () => {
  it.each([
    { inputShape: [8, 8, 1] as const, widths: [4], blocksPerStage: 1, nBn: 2 },
    { inputShape: [12, 10, 3] as const, widths: [4, 8], blocksPerStage: 2, nBn: 1 + 4 + 1 },
  ])(
    'maps $inputShape to [batch, last width] with $nBn+… batch norms',
    ({ inputShape, widths, blocksPerStage }) => {
      const b = resnetBackbone({ inputShape: [...inputShape], widths, blocksPerStage });
      const x = tf.randomNormal([3, ...inputShape], 0, 1, 'float32', 1);
      const z = b.apply(x, { training: true }) as tf.Tensor;
      expect(z.shape).toEqual([3, widths.at(-1)]);
      // Every batch norm has a trainable (γ, β) pair and a non-trainable (mean, variance) pair.
      expect(b.nonTrainableVariables!.length).toBe(b.trainableVariables.filter((v) => v.rank === 1).length);
      expect(b.nonTrainableVariables!.every((v) => !v.trainable)).toBe(true);
      tf.dispose([x, z]);
      b.dispose();
    },
  );

  it('updates moving statistics only when training with updateStatistics, and uses them at inference', () => {
    const b = resnetBackbone({ inputShape: [6, 6, 1], widths: [2], momentum: 0.5 });
    const x = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([4, 6, 6, 1], 0, 1, 'float32', 2), 3), 5));
    const state = () => b.nonTrainableVariables!.map((v) => Array.from(v.dataSync()));
    const initial = state();
    const before = infer(b, x);
    tf.dispose(b.apply(x, { training: true }));
    tf.dispose(b.apply(x, { training: true, updateStatistics: false }));
    tf.dispose(b.apply(x, { training: false, updateStatistics: true }));
    expect(state()).toEqual(initial);
    expect(infer(b, x)).toEqual(before);
    tf.dispose(b.apply(x, { training: true, updateStatistics: true }));
    const after = state();
    // Stem batch norm: moving mean = 0.5·0 + 0.5·batch mean of the stem conv output (independently computed).
    const stemMean = tf.tidy(() => {
      const k = b.trainableVariables[0]!;
      return Array.from(
        tf.mean(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, 'same'), [0, 1, 2]).dataSync(),
      );
    });
    after[0]!.forEach((v, i) => expect(v).toBeCloseTo(0.5 * stemMean[i]!, 4));
    expect(infer(b, x)).not.toEqual(before);
    x.dispose();
    b.dispose();
  });

  it('learns a left/right task on 8×8 images to ≥ 90 % accuracy in 30 steps', () => {
    const rng = new Rng(3);
    const make = (n: number) => {
      const px = new Float32Array(n * 64);
      const ys: number[] = [];
      for (let i = 0; i < n; i++) {
        const right = rng.int(2);
        ys.push(right);
        for (let p = 0; p < 64; p++) px[i * 64 + p] = 0.3 * rng.next();
        const top = rng.int(6);
        const left = right * 4 + rng.int(3);
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++) px[i * 64 + (top + dy) * 8 + left + dx] = 1;
      }
      return { x: tf.tensor4d(px, [n, 8, 8, 1]), y: tf.tensor1d(ys, 'int32') };
    };
    const train = make(48);
    const test = make(100);
    const model = new MultitaskModel({
      backbone: resnetBackbone({ inputShape: [8, 8, 1], widths: [4, 8] }),
      tasks: [ceTask('right', 8, 2)],
    });
    const opt = tf.train.adam(0.03);
    trainModel(model, train.x, { right: train.y }, 30, opt);
    const out = model.predict(test.x);
    expect(accuracy(out.right!, test.y)).toBeGreaterThanOrEqual(0.9);
    tf.dispose([train.x, train.y, test.x, test.y, out]);
    opt.dispose();
    model.dispose();
  });
});
