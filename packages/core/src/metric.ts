import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * A streaming metric: accumulate batches with {@link Metric.update}, read with {@link Metric.result}.
 * Rows whose mask is 0 (label missing) are ignored.
 */
export interface Metric {
  /** Metric name, e.g. `"accuracy"`. */
  readonly name: string;
  /** True when larger values are better (accuracy), false when smaller are (MSE). */
  readonly higherIsBetter: boolean;
  /**
   * Adds one batch: the prediction (logits or values), the target, and an optional mask — `[batch]`, or
   * `[batch, length]` for token-level metrics.
   */
  update(prediction: Tensor, target: Tensor, mask?: Tensor): void;
  /** The metric over everything seen since the last reset (NaN when nothing was seen). */
  result(): number;
  /** Forgets everything seen. */
  reset(): void;
}

/** Creates a fresh metric. */
export type MetricFactory = () => Metric;
