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
 * const m = mse();
 * m.update(prediction, target, mask); // [B, d], [B, d], [B]
 * m.result();
 * ```
 */
export function mse(options: RegressionMetricOptions = {}): Metric {
  return meanErrorMetric(
    options.name ?? 'mse',
    (d) => d * d,
    (m) => m,
  );
}
