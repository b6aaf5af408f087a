import type { Metric } from '@multitask/core';
import { confusionMetric, type ClassificationMetricOptions } from './confusion.ts';

/**
 * F1 score `2·P·R / (P + R)`, the harmonic mean of precision and recall (per class, then averaged for `macro`; from the pooled counts for `micro`).
 *
 * The predicted class is the argmax of `[batch, classes]` scores, or `score > threshold` for binary
 * `[batch]` / `[batch, 1]` scores (logits by default). Targets are integer labels `[batch]` or `[batch, 1]`.
 * Averaging: `binary` (default for binary scores) reports class 1; `macro` (default for multi-class) is the
 * unweighted mean over the classes that occur as a label or a prediction; `micro` pools the counts of all
 * classes (for single-label multi-class data micro precision = recall = F1 = accuracy). A zero denominator
 * counts as 0, as in scikit-learn's `zero_division=0`. Masked rows are skipped. Higher is better; NaN before
 * any labelled row.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { f1 } from '@multitask/eval';
 *
 * const logits = tf.tensor2d([[2, 0, 0], [0, 1, 3], [0, 2, 1], [1, 0, 0]]); // [B, C]
 * const labels = tf.tensor1d([0, 2, 1, 2], 'int32'); // [B]
 * const mask = tf.tensor1d([1, 1, 1, 0]); // [B], 1 = labelled: the last row does not count
 * const m = f1({ average: 'macro' });
 * m.update(logits, labels, mask);
 * console.log(m.result()); // macro-averaged F1 over the classes
 * tf.dispose([logits, labels, mask]);
 * ```
 */
export function f1(options: ClassificationMetricOptions = {}): Metric {
  return confusionMetric('f1', options);
}
