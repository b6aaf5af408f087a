import type { Metric } from '@multitask/core';
import { meanErrorMetric, type RegressionMetricOptions } from './regression-common.ts';

/**
 * Root mean squared error: `√(Σ (ŷ − y)² / n)` over every value of the labelled rows (the square root of
 * mse over everything seen, not the mean of per-batch RMSEs). Lower is better.
 *
 * @example
 * ```ts
 * const m = rmse();
 * m.update(prediction, target);
 * m.result();
 * ```
 */
export function rmse(options: RegressionMetricOptions = {}): Metric {
  return meanErrorMetric(options.name ?? 'rmse', (d) => d * d, Math.sqrt);
}
