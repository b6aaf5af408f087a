import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import type { JsonValue, LossWeighting } from '@multitask/core';
import { checkTaskCount, jsonObject, numberRecord } from '../math/loss-math.ts';
import { checkNumberOption } from '../options.ts';

/** Options of {@link geometricLossWeighting}. */
export interface GeometricLossWeightingOptions {
  /**
   * Floor applied to each loss before its logarithm, so that a loss of exactly 0 gives a finite total and a
   * zero (not NaN) gradient. Default `1e-12`.
   */
  readonly epsilon?: number;
}

/**
 * Geometric Loss Strategy (Chennupati, Sistu, Yogamani & Rawashdeh, "MultiNet++: Multi-Stream Feature
 * Aggregation and Geometric Loss Strategy for Multi-Task Learning", CVPR Workshops 2019): minimises the geometric
 * mean of the task losses
 *
 * `(Πₜ Lₜ)^(1/T) = exp(mean log max(Lₜ, ε))`
 *
 * computed in log space (a product of many losses under- or overflows float32). The total is invariant to the
 * scale of each loss up to a constant factor; its gradient weights task t by `∂/∂Lₜ = G / (T·Lₜ)`, where G is the
 * geometric mean, so tasks with small losses are not drowned by tasks with large ones. Needs losses > 0.
 *
 * `currentWeights` reports those effective weights `G/(T·Lₜ)` for the losses of the last step (seen through
 * `afterStep`), and `1/T` each before the first step.
 *
 * Family: loss weighting.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { Rng } from '@multitask/core';
 * import { geometricLossWeighting } from '@multitask/weighting';
 *
 * const strategy = geometricLossWeighting();
 * const losses = [tf.scalar(4), tf.scalar(1)];
 * const total = strategy.combine(losses, { step: 0, epoch: 0, tasks: ['a', 'b'], rng: new Rng(1) });
 * console.log(total.dataSync()[0]); // 2 (√(4·1))
 * tf.dispose([...losses, total]);
 * strategy.dispose();
 * ```
 */
export function geometricLossWeighting(options: GeometricLossWeightingOptions = {}): LossWeighting {
  const epsilon = checkNumberOption(
    'gls',
    'epsilon',
    options.epsilon ?? 1e-12,
    'positive',
    '{ epsilon: 1e-12 }',
  );
  let lastLosses: Record<string, number> = {};

  return {
    name: 'gls',
    family: 'loss',
    combine(losses, context): Scalar {
      checkTaskCount('gls', 'losses', losses.length, context.tasks);
      return tf.tidy(() => {
        if (losses.length === 0) return tf.scalar(0);
        return tf.exp(tf.mean(tf.log(tf.maximum(tf.stack([...losses]), epsilon))));
      });
    },
    afterStep(context) {
      lastLosses = {};
      context.tasks.forEach((t, i) => (lastLosses[t] = context.losses[i]!));
    },
    currentWeights(tasks) {
      if (tasks.some((t) => !(t in lastLosses))) return tasks.map(() => 1 / tasks.length);
      const l = tasks.map((t) => Math.max(lastLosses[t]!, epsilon));
      const g = Math.exp(l.reduce((a, b) => a + Math.log(b), 0) / l.length);
      return l.map((x) => g / (l.length * x));
    },
    getConfig: () => ({ epsilon }),
    state: (): JsonValue => ({ lastLosses }),
    load(state) {
      const what = 'an object { lastLosses: { [task]: number } }';
      lastLosses = numberRecord('gls', jsonObject('gls', state, what).lastLosses, what);
    },
    dispose: () => undefined,
  };
}
