/** Shared by the uncertainty-weighting tests: `combine` evaluated on plain numbers, with its gradients. */
import * as tf from '@tensorflow/tfjs-core';
import { Rng, type StepContext } from '@multitask/core';
import type { uncertaintyWeighting } from '../../src/index.ts';

/** A step context at step 0 for `tasks`. */
export const uncertaintyContext = (tasks: string[]): StepContext => ({
  step: 0,
  epoch: 0,
  tasks,
  rng: new Rng(1),
});

/** Runs `combine` on plain numbers and returns the total and its gradients w.r.t. the losses and the sᵢ. */
export function evaluateUncertainty(
  strategy: ReturnType<typeof uncertaintyWeighting>,
  values: number[],
  tasks: string[],
): { total: number; dLoss: number[]; dS: number[] } {
  return tf.tidy(() => {
    const losses = values.map((v) => tf.scalar(v));
    const f = (...ls: tf.Tensor[]) => strategy.combine(ls as tf.Scalar[], uncertaintyContext(tasks));
    const total = f(...losses).dataSync()[0]!;
    const dLoss = tf
      .grads(f)(losses)
      .map((g) => g.dataSync()[0]!);
    const { grads } = tf.variableGrads(() => f(...losses), [...strategy.variables]);
    const dS = strategy.variables.map((v) => grads[v.name]!.dataSync()[0]!);
    return { total, dLoss, dS };
  });
}
