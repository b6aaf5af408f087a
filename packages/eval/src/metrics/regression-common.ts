import { MultitaskError, shapeString, type Metric } from '@multitask/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { readBatch, rowWidth, type BatchValues } from './read-batch.ts';

/** Options shared by the regression metrics (`mse`, `rmse`, `mae`, `r2`). */
export interface RegressionMetricOptions {
  /** Metric name (defaults `"mse"`, `"rmse"`, `"mae"`, `"r2"`). */
  readonly name?: string;
}

/**
 * Checks prediction and target hold the same number of values per row (`[B]` and `[B, 1]` are interchangeable)
 * and returns that number.
 */
export function regressionWidth(metric: string, b: BatchValues): number {
  const w = rowWidth(b.predictionShape);
  if (rowWidth(b.targetShape) !== w) {
    throw new MultitaskError(
      'SHAPE_MISMATCH',
      `[@multitask/eval] Metric "${metric}": prediction ${shapeString(b.predictionShape)} and target ${shapeString(b.targetShape)} differ in values per row — pass targets of the prediction's shape.`,
      { details: { metric, predictionShape: b.predictionShape, targetShape: b.targetShape } },
    );
  }
  return w;
}

/** Streaming sum of a per-element error over the labelled rows (mean = sum / count). */
export function meanErrorMetric(
  name: string,
  elementError: (d: number) => number,
  finish: (mean: number) => number,
): Metric {
  let sum = 0;
  let count = 0;
  return {
    name,
    higherIsBetter: false,
    update(prediction: Tensor, target: Tensor, mask?: Tensor): void {
      const b = readBatch(name, prediction, target, mask);
      const w = regressionWidth(name, b);
      for (let i = 0; i < b.rows; i++) {
        if (!b.labelled(i)) continue;
        for (let j = i * w; j < (i + 1) * w; j++) sum += elementError(b.prediction[j]! - b.target[j]!);
        count += w;
      }
    },
    result: () => (count === 0 ? NaN : finish(sum / count)),
    reset(): void {
      sum = 0;
      count = 0;
    },
  };
}
