import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import type { JsonValue, LossWeighting } from '@multitask/core';
import { checkTaskCount, jsonObject, numberRecord, softmax, weightedSum } from '../math/loss-math.ts';

/**
 * Random Loss Weighting (Lin, Ye, Xu, Shi & Zhang, "Reasonable Effectiveness of Random Weighting: A Litmus Test
 * for Multi-Task Learning", TMLR 2022; arXiv 2111.10603, 2021): at every step draws `εₜ ~ N(0, 1)` per task and
 * minimises `Σₜ λₜ Lₜ` with `λ = softmax(ε)`, so the weights are positive and sum to 1 (not to the number of
 * tasks: with RLW the total is a random convex combination of the losses).
 *
 * The samples come from the step's seeded `context.rng` (T normals per `combine`, in task order), so a run is
 * reproducible. `currentWeights` returns the weights of the last `combine` (1/T per task before the first).
 *
 * Family: loss weighting.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { Rng } from '@multitask/core';
 * import { randomLossWeighting } from '@multitask/weighting';
 *
 * const strategy = randomLossWeighting();
 * const tasks = ['a', 'b'];
 * const losses = [tf.scalar(1), tf.scalar(1)];
 * const total = strategy.combine(losses, { step: 0, epoch: 0, tasks, rng: new Rng(1) }); // weights drawn from rng
 * console.log(total.dataSync()[0], strategy.currentWeights?.(tasks)); // 1 ≈ [0.625, 0.375]
 * tf.dispose([...losses, total]);
 * strategy.dispose();
 * ```
 */
export function randomLossWeighting(): LossWeighting {
  let last: Record<string, number> = {};
  return {
    name: 'rlw',
    family: 'loss',
    combine(losses, context): Scalar {
      checkTaskCount('rlw', 'losses', losses.length, context.tasks);
      const lambda = softmax(context.tasks.map(() => context.rng.normal()));
      last = {};
      context.tasks.forEach((t, i) => (last[t] = lambda[i]!));
      return tf.tidy(() => weightedSum(losses, lambda));
    },
    currentWeights: (tasks) => tasks.map((t) => last[t] ?? 1 / tasks.length),
    getConfig: () => ({}),
    state: (): JsonValue => ({ lastWeights: last }),
    load(state) {
      const what = 'an object { lastWeights: { [task]: number } }';
      last = numberRecord('rlw', jsonObject('rlw', state, what).lastWeights, what);
    },
    dispose: () => undefined,
  };
}
