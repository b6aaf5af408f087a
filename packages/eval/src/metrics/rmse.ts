import type { Metric } from '@multitask/core';
import { meanErrorMetric, type RegressionMetricOptions } from './regression-common.ts';

/**
 * Root mean squared error: `√(Σ (ŷ − y)² / n)` over every value of the labelled rows (the square root of
 * mse over everything seen, not the mean of per-batch RMSEs). Lower is better.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { rmse } from '@multitask/eval';
 *
 * const prediction = tf.tensor2d([[1.1], [1.9], [3.2], [9]]); // [B, d]
 * const target = tf.tensor2d([[1], [2], [3], [4]]); // [B, d]
 * const mask = tf.tensor1d([1, 1, 1, 0]); // [B], 1 = labelled: the last row does not count
 * const m = rmse();
 * m.update(prediction, target, mask);
 * console.log(m.result()); // ≈ 0.141
 * tf.dispose([prediction, target, mask]);
 * ```
 */
export function rmse(options: RegressionMetricOptions = {}): Metric {
  return meanErrorMetric(options.name ?? 'rmse', (d) => d * d, Math.sqrt);
}
