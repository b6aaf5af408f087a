import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import { MultitaskError, type LossWeighting } from '@multitask/core';
import { checkTaskCount } from '../math/loss-math.ts';

/** Options of {@link staticWeighting}. */
export interface StaticWeightingOptions {
  /**
   * Fixed weight per task name. Tasks not listed get weight 1. Default: every task weight 1 (equal weighting,
   * i.e. the plain sum of the losses).
   */
  readonly weights?: Readonly<Record<string, number>>;
}

/**
 * Static (fixed) loss weighting: minimises `Σₜ wₜ Lₜ` with given weights, or the plain sum (equal weights).
 *
 * Family: loss weighting (one backward pass).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { Rng } from '@multitask/core';
 * import { staticWeighting } from '@multitask/weighting';
 *
 * const strategy = staticWeighting({ weights: { species: 1, mass: 0.1 } });
 * const losses = [tf.scalar(2), tf.scalar(10)];
 * const total = strategy.combine(losses, { step: 0, epoch: 0, tasks: ['species', 'mass'], rng: new Rng(1) });
 * console.log(total.dataSync()[0]); // 3 (1·2 + 0.1·10)
 * tf.dispose([...losses, total]);
 * strategy.dispose();
 * ```
 */
export function staticWeighting(options: StaticWeightingOptions = {}): LossWeighting {
  const weights = { ...(options.weights ?? {}) };
  for (const [task, w] of Object.entries(weights)) {
    if (!Number.isFinite(w) || w < 0) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/weighting] static: the weight of task "${task}" must be a finite number ≥ 0, got ${w}.`,
        { details: { option: 'weights', task } },
      );
    }
  }
  const weightOf = (task: string): number => weights[task] ?? 1;
  return {
    name: 'static',
    family: 'loss',
    combine(losses, context): Scalar {
      checkTaskCount('static', 'losses', losses.length, context.tasks);
      return tf.tidy(() => {
        let total: Scalar = tf.scalar(0);
        losses.forEach((loss, i) => {
          const w = weightOf(context.tasks[i]!);
          total = tf.add(total, w === 1 ? loss : tf.mul(loss, w));
        });
        return total;
      });
    },
    currentWeights: (tasks) => tasks.map(weightOf),
    getConfig: () => ({ weights: { ...weights } }),
    state: () => null,
    load: () => undefined,
    dispose: () => undefined,
  };
}
