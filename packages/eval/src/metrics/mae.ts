import type { Metric } from '@multitask/core';
import { meanErrorMetric, type RegressionMetricOptions } from './regression-common.ts';

/**
 * Mean absolute error: `Σ |ŷ − y| / n` over every value of the labelled rows. Lower is better.
 *
 * @example
 * ```ts
 * const m = mae();
 * m.update(prediction, target, mask);
 * m.result();
 * ```
 */
export function mae(options: RegressionMetricOptions = {}): Metric {
  return meanErrorMetric(options.name ?? 'mae', Math.abs, (m) => m);
}
