import type { Metric } from '@multitask/core';
import { confusionMetric, type ClassificationMetricOptions } from './confusion.ts';

/**
 * Recall `tp / (tp + fn)`: of the rows of a class, the fraction predicted as it.
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
 * import { recall } from '@multitask/eval';
 *
 * const logits = tf.tensor2d([[2, 0, 0], [0, 1, 3], [0, 2, 1], [1, 0, 0]]); // [B, C]
 * const labels = tf.tensor1d([0, 2, 1, 2], 'int32'); // [B]
 * const mask = tf.tensor1d([1, 1, 1, 0]); // [B], 1 = labelled: the last row does not count
 * const m = recall({ average: 'macro' });
 * m.update(logits, labels, mask);
 * console.log(m.result()); // macro-averaged recall
 * tf.dispose([logits, labels, mask]);
 * ```
 */
export function recall(options: ClassificationMetricOptions = {}): Metric {
  return confusionMetric('recall', options);
}
