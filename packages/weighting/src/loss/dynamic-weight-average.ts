import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import type { JsonValue, LossWeighting } from '@multitask/core';
import { MultitaskError } from '@multitask/core';
import {
  badState,
  checkTaskCount,
  jsonObject,
  numberRecord,
  softmax,
  weightedSum,
} from '../math/loss-math.ts';
import { checkNumberOption } from '../options.ts';

/** Options of {@link dynamicWeightAverage}. */
export interface DynamicWeightAverageOptions {
  /** Softmax temperature `T`; larger is closer to equal weights. Default `2` (the paper's value). */
  readonly temperature?: number;
}

/**
 * Dynamic Weight Average (Liu, Johns & Davison, "End-to-End Multi-Task Learning with Attention", CVPR 2019).
 * During epoch `t` the weights are
 *
 * `wₖ(t) = K · exp(rₖ(t−1)/T) / Σᵢ exp(rᵢ(t−1)/T)`, with `rₖ(t−1) = Lₖ(t−1) / Lₖ(t−2)`,
 *
 * where `Lₖ(e)` is task k's mean training loss over epoch `e` (handed to `afterEpoch` by the trainer) and `K` the
 * number of tasks, so the weights sum to K. A task whose loss falls more slowly gets more weight. Weights are 1
 * during the first two epochs (no two past epochs yet), and also while any task of the step lacks two recorded
 * epochs. A task whose mean loss was 0 two epochs back counts as unchanged (`r = 1`).
 *
 * Family: loss weighting. Stateful: keeps the last two epochs' mean losses.
 *
 * @example
 * ```ts
 * import { dynamicWeightAverage } from '@multitask/weighting';
 *
 * const strategy = dynamicWeightAverage({ temperature: 2 });
 * strategy.afterEpoch?.(0, { a: 1, b: 1 }); // mean training losses of each epoch
 * strategy.afterEpoch?.(1, { a: 0.9, b: 0.5 }); // a falls more slowly than b
 * // a, whose loss fell more slowly, gets more weight:
 * console.log(strategy.currentWeights?.(['a', 'b'])); // ≈ [1.1, 0.9]
 * strategy.dispose();
 * ```
 */
export function dynamicWeightAverage(options: DynamicWeightAverageOptions = {}): LossWeighting {
  const temperature = checkNumberOption(
    'dwa',
    'temperature',
    options.temperature ?? 2,
    'positive',
    '{ temperature: 2 }',
  );
  /** Mean losses of the last two finished epochs, oldest first. */
  let history: Record<string, number>[] = [];

  const weightsOf = (tasks: readonly string[]): number[] => {
    const [older, newer] = history;
    if (older === undefined || newer === undefined || tasks.some((t) => !(t in older) || !(t in newer))) {
      return tasks.map(() => 1);
    }
    const ratios = tasks.map((t) => (older[t] === 0 ? 1 : newer[t]! / older[t]!));
    return softmax(ratios.map((r) => r / temperature)).map((p) => p * tasks.length);
  };

  return {
    name: 'dwa',
    family: 'loss',
    combine(losses, context): Scalar {
      checkTaskCount('dwa', 'losses', losses.length, context.tasks);
      const w = weightsOf(context.tasks);
      return tf.tidy(() => weightedSum(losses, w));
    },
    afterEpoch(epoch, meanLosses) {
      const record: Record<string, number> = {};
      for (const [task, value] of Object.entries(meanLosses)) {
        if (!Number.isFinite(value) || value < 0) {
          throw new MultitaskError(
            'NON_FINITE_LOSS',
            `[@multitask/weighting] dwa: the mean loss of task "${task}" in epoch ${epoch} is ${value}; DWA needs ` +
              'finite losses ≥ 0 — check the task loss for NaN/Infinity or a negative value.',
            { details: { task, epoch } },
          );
        }
        record[task] = value;
      }
      history = [...history, record].slice(-2);
    },
    currentWeights: weightsOf,
    getConfig: () => ({ temperature }),
    state: (): JsonValue => ({ history }),
    load(state) {
      const what = 'an object { history: [] | [{ [task]: number }] | [{ … }, { … }] }';
      const h = jsonObject('dwa', state, what).history;
      if (!Array.isArray(h) || h.length > 2) return badState('dwa', what);
      history = (h as readonly JsonValue[]).map((r) => numberRecord('dwa', r, what));
    },
    dispose: () => undefined,
  };
}
