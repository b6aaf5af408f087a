import type { Metric } from '@multitask/core';
import { meanErrorMetric, type RegressionMetricOptions } from './regression-common.ts';

/**
 * Mean squared error over every value of the labelled rows: `Σ (ŷ − y)² / n`, where `n` counts the values
 * (rows × values per row). Prediction and target have the same shape (`[batch]`, `[batch, 1]` or
 * `[batch, d]`; `[batch]` and `[batch, 1]` mix freely). Rows whose mask is 0 are skipped, even if their target
 * is NaN. Lower is better; NaN before any labelled row was seen.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { mse } from '@multitask/eval';
 *
 * const prediction = tf.tensor2d([[1.1], [1.9], [3.2], [9]]); // [B, d]
 * const target = tf.tensor2d([[1], [2], [3], [4]]); // [B, d]
 * const mask = tf.tensor1d([1, 1, 1, 0]); // [B], 1 = labelled: the last row does not count
 * const m = mse();
 * m.update(prediction, target, mask);
 * console.log(m.result()); // ≈ 0.02
 * tf.dispose([prediction, target, mask]);
 * ```
 */
export function mse(options: RegressionMetricOptions = {}): Metric {
  return meanErrorMetric(
    options.name ?? 'mse',
    (d) => d * d,
    (m) => m,
  );
}
