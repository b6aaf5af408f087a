/**
 * Reporting weights costs no read of its own: uncertainty's weights live in variables, and both the trainer's
 * step and `weightedStep` read them together with the losses — one download from the backend per step (counted at
 * the engine's `read`/`readSync`, which every download goes through).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import { MultitaskModel, Trainer, type Backbone, type Head } from '@multitask/core';
import { describe, expect, it } from 'vitest';
import { countReads } from '@multitask/test-utils';
import { mgdaWeighting, uncertaintyWeighting, weightedStep } from '../src/index.ts';

describe('one read per step', () => {
  it('uncertainty in the trainer: weights reported from the step read, equal to currentWeights', () => {
    const W = tf.tidy(() => tf.variable(tf.randomNormal([3, 4], 0, 0.5, 'float32', 3)));
    const hs = [5, 6].map((s) => tf.tidy(() => tf.variable(tf.randomNormal([4, 1], 0, 0.5, 'float32', s))));
    const backbone: Backbone = {
      name: 'linear',
      apply: (x) => tf.matMul(x as tf.Tensor, W),
      trainableVariables: [W],
      getConfig: () => ({ type: 'linear', options: {} }),
      dispose: () => W.dispose(),
    };
    const head = (v: tf.Variable): Head => ({
      name: 'h',
      outputSize: 1,
      apply: (z) => tf.matMul(z, v),
      trainableVariables: [v],
      getConfig: () => ({ type: 'h', options: {} }),
      dispose: () => v.dispose(),
    });
    const mse = (p: tf.Tensor, t: tf.Tensor): Scalar => tf.tidy(() => tf.mean(tf.square(tf.sub(p, t))));
    const model = new MultitaskModel({
      backbone,
      tasks: [
        { name: 'a', head: head(hs[0]!), loss: mse },
        { name: 'b', head: head(hs[1]!), loss: mse },
      ],
    });
    const strategy = uncertaintyWeighting({ initialLogVariance: 0.5 });
    const opt = tf.train.sgd(0.1);
    const trainer = new Trainer({ model, strategy, optimizer: opt, seed: 1 });
    const batch = {
      inputs: tf.randomNormal([8, 3], 0, 1, 'float32', 7),
      targets: {
        a: tf.randomNormal([8, 1], 0, 1, 'float32', 8),
        b: tf.randomNormal([8, 1], 0, 1, 'float32', 9),
      },
    };
    trainer.trainStep(batch);
    const before = strategy.currentWeights(['a', 'b']);
    let event: ReturnType<Trainer['trainStep']> | undefined;
    expect(countReads(() => (event = trainer.trainStep(batch)))).toBe(1);
    expect(event!.weights!.a).toBeCloseTo(before[0]!, 6);
    expect(event!.weights!.b).toBeCloseTo(before[1]!, 6);
    tf.dispose([batch.inputs, batch.targets.a, batch.targets.b]);
    strategy.dispose();
    model.dispose();
    opt.dispose();
  });

  it('weightedStep: one read per step for uncertainty and for MGDA', () => {
    const v = tf.tidy(() => tf.variable(tf.tensor1d([0.5, -0.5])));
    const c = [tf.tensor1d([1, 0.2]), tf.tensor1d([-1, 1])];
    const fns = c.map((ci) => (): Scalar => tf.sum(tf.square(tf.sub(v, ci))));
    const opt = tf.train.sgd(0.05);
    for (const s of [uncertaintyWeighting({ tasks: ['task-0', 'task-1'] }), mgdaWeighting()]) {
      weightedStep(s, fns, [v], opt);
      expect(countReads(() => weightedStep(s, fns, [v], opt))).toBe(1);
      s.dispose();
    }
    opt.dispose();
    tf.dispose([v, ...c]);
  });
});
