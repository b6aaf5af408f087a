import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { MultitaskError, type JacobianAggregator } from '@multitask/core';
import { checkNumberOption } from '../options.ts';

/** Options of {@link graddropAggregator}. */
export interface GraddropAggregatorOptions {
  /**
   * Leak ℓ ∈ [0, 1]: the result is `ℓ·Σgᵢ + (1−ℓ)·Σ Mᵢ⊙gᵢ` (the paper's leak parameter, one value for all
   * tasks). Default 0 (pure GradDrop).
   */
  readonly leak?: number;
}

/**
 * GradDrop (Chen et al. 2020, "Just Pick a Sign: Optimizing Deep Multitask Models with Gradient Sign Dropout").
 * Per element of the representation gradient, the sign purity `P = ½(1 + Σᵢgᵢ / Σᵢ|gᵢ|)` sets the chance of
 * keeping the positive parts: with U ~ Uniform(0, 1) per element (drawn on the JS side from `context.rng`, so
 * runs are reproducible), task i keeps `gᵢ` where `P > U` and `gᵢ > 0`, or `P < U` and `gᵢ < 0`. Returns
 * `Σᵢ Mᵢ ⊙ gᵢ`. The purity is taken per element of the given Jacobian row (the batch is not summed first).
 *
 * Family: Jacobian; mode `representation` only (the method is defined on activations).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { Rng } from '@multitask/core';
 * import { graddropAggregator } from '@multitask/weighting';
 *
 * const strategy = graddropAggregator({ leak: 0 });
 * const tasks = ['a', 'b'];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1), losses: [1, 1], mode: 'parameters' as const };
 * const jacobian = tf.tensor2d([[1, -1], [1, 2]]); // [T, n]: the tasks agree on coordinate 0, conflict on 1
 * const direction = tf.tidy(() => strategy.aggregate(jacobian, context));
 * console.log(direction.arraySync()); // [2, -1]
 * tf.dispose([jacobian, direction]);
 * strategy.dispose();
 * ```
 */
export function graddropAggregator(options: GraddropAggregatorOptions = {}): JacobianAggregator {
  const config = { leak: checkNumberOption('graddrop', 'leak', options.leak ?? 0, { min: 0, max: 1 }) };
  const { leak } = config;
  return {
    name: 'graddrop',
    family: 'jacobian',
    modes: ['representation'],
    aggregate(jacobian, context): Tensor {
      if (jacobian.rank !== 2) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/weighting] graddrop: the Jacobian must be [T, n], got shape [${jacobian.shape.join(', ')}].`,
          { details: { shape: jacobian.shape } },
        );
      }
      const n = jacobian.shape[1]!;
      const u = new Float32Array(n);
      for (let k = 0; k < n; k++) u[k] = context.rng.next();
      return tf.tidy(() => {
        const j = jacobian;
        const total = tf.sum(j, 0);
        const absTotal = tf.sum(tf.abs(j), 0);
        const ratio = tf.where(
          tf.greater(absTotal, 0),
          tf.div(total, tf.maximum(absTotal, 1e-38)),
          tf.zerosLike(total),
        );
        const purity = tf.mul(tf.add(ratio, 1), 0.5);
        const uniform = tf.tensor1d(u);
        const keepPositive = tf.greater(purity, uniform);
        const keepNegative = tf.less(purity, uniform);
        const mask = tf.logicalOr(
          tf.logicalAnd(tf.greater(j, 0), keepPositive),
          tf.logicalAnd(tf.less(j, 0), keepNegative),
        );
        const dropped = tf.sum(tf.mul(j, tf.cast(mask, j.dtype)), 0);
        return leak === 0 ? dropped : tf.add(tf.mul(total, leak), tf.mul(dropped, 1 - leak));
      });
    },
    getConfig: () => ({ ...config }),
    state: () => null,
    load: () => undefined,
    dispose: () => undefined,
  };
}
