/**
 * The loss-weighting strategies and GradNorm inside the package's own hand-written step (`weightedStep`):
 * every strategy trains a two-task regression (the summed loss must fall by half within 60 steps), leaks no
 * tensor, and its stateful parts move (σ for uncertainty, logits for FAMO, weights for GradNorm).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WeightingStrategy } from '@multitask/core';
import { describe, expect, it } from 'vitest';
import {
  dynamicWeightAverage,
  famoWeighting,
  geometricLossWeighting,
  gradNormWeighting,
  randomLossWeighting,
  uncertaintyWeighting,
  weightedStep,
} from '../src/index.ts';

const tasks = ['sum', 'diff'];
const makers: Record<string, () => WeightingStrategy> = {
  uncertainty: () => uncertaintyWeighting({ tasks }),
  dwa: () => dynamicWeightAverage(),
  rlw: () => randomLossWeighting(),
  gls: () => geometricLossWeighting(),
  famo: () => famoWeighting({ logitLearningRate: 0.1 }),
  gradnorm: () => gradNormWeighting({ learningRate: 0.05 }),
};

describe('loss-weighting strategies in weightedStep', () => {
  for (const [name, make] of Object.entries(makers)) {
    it(name, () => {
      const x = tf.randomNormal([64, 4], 0, 1, 'float32', 11);
      const y1 = tf.sum(x, 1, true);
      const y2 = tf.tidy(() => tf.matMul(x, tf.tensor2d([[1], [-1], [0], [0]])));
      const init = (shape: [number, number], seed: number) =>
        tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, 0.5, 'float32', seed)));
      const shared = init([4, 16], 12);
      const heads = [init([16, 1], 13), init([16, 1], 14)];
      const z = () => tf.relu(tf.matMul(x, shared));
      const lossFns = [y1, y2].map(
        (y, k) => (): tf.Scalar => tf.mean(tf.square(tf.sub(tf.matMul(z(), heads[k]!), y))),
      );
      const strategy = make();
      const optimizer = tf.train.adam(0.02);
      try {
        const first = weightedStep(strategy, lossFns, [shared], optimizer, {
          tasks,
          taskVariables: [[heads[0]!], [heads[1]!]],
        });
        let last = first;
        for (let step = 1; step < 60; step++) {
          last = weightedStep(strategy, lossFns, [shared], optimizer, {
            tasks,
            taskVariables: [[heads[0]!], [heads[1]!]],
          });
          if (step % 10 === 9)
            strategy.afterEpoch?.(Math.floor(step / 10), { sum: last.losses[0]!, diff: last.losses[1]! });
        }
        const total = (l: readonly number[]) => l[0]! + l[1]!;
        expect(total(last.losses)).toBeLessThan(0.5 * total(first.losses));
        const state = JSON.stringify(strategy.state());
        if (name === 'uncertainty')
          expect(state).not.toBe(JSON.stringify({ logVariances: { sum: 0, diff: 0 } }));
        if (name === 'gradnorm' || name === 'famo') expect(last.weights).not.toEqual(first.weights);
      } finally {
        strategy.dispose();
        optimizer.dispose();
        tf.dispose([x, y1, y2, shared, ...heads]);
      }
    });
  }
});
