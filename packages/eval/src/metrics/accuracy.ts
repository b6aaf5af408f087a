import type { Metric } from '@multitask/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import {
  binaryThreshold,
  forEachLabelledRow,
  predictedClass,
  readClassificationBatch,
  type ScoreKind,
} from './read-batch.ts';

/** Options of {@link accuracy}. */
export interface AccuracyOptions {
  /**
   * How binary scores (`[batch]` or `[batch, 1]` predictions) are read: `'logits'` (default; what multitask's
   * heads output) are thresholded at 0, `'probabilities'` at 0.5. Ignored for `[batch, classes]` predictions,
   * whose argmax is the same either way.
   */
  readonly from?: ScoreKind;
  /** Overrides the binary threshold (a row is predicted positive when its score is strictly above it). */
  readonly threshold?: number;
  /** Metric name (default `"accuracy"`). */
  readonly name?: string;
}

/**
 * Classification accuracy: the fraction of labelled rows whose predicted class equals the label.
 *
 * - Multi-class: prediction `[batch, classes]` (logits or probabilities), target integer labels `[batch]` or
 *   `[batch, 1]` (int32 or float holding integers) in `[0, classes)`. The predicted class is the argmax (the
 *   first one on ties, as `tf.argMax`).
 * - Binary: prediction `[batch]` or `[batch, 1]` (one score per row), target 0/1 `[batch]` or `[batch, 1]`.
 *   The row is predicted 1 when its score is above the threshold (0 for logits, the default; 0.5 for
 *   `from: 'probabilities'`).
 *
 * Rows whose mask is 0 are skipped entirely (their labels are not even checked). A labelled row with a label
 * outside `[0, classes)` throws `LABEL_OUT_OF_RANGE`. Higher is better; NaN before any labelled row was seen.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { accuracy } from '@multitask/eval';
 *
 * const logits = tf.tensor2d([[2, 0, 0], [0, 1, 3], [0, 2, 1], [1, 0, 0]]); // [B, C]
 * const labels = tf.tensor1d([0, 2, 1, 2], 'int32'); // [B]
 * const mask = tf.tensor1d([1, 1, 1, 0]); // [B], 1 = labelled: the last row does not count
 * const acc = accuracy();
 * acc.update(logits, labels, mask);
 * console.log(acc.result()); // 1 (3 of 3 labelled rows right)
 * tf.dispose([logits, labels, mask]);
 * ```
 */
export function accuracy(options: AccuracyOptions = {}): Metric {
  const name = options.name ?? 'accuracy';
  const threshold = binaryThreshold(name, options.from, options.threshold);
  let correct = 0;
  let seen = 0;
  return {
    name,
    higherIsBetter: true,
    update(prediction: Tensor, target: Tensor, mask?: Tensor): void {
      const b = readClassificationBatch(name, prediction, target, mask);
      forEachLabelledRow(name, b, b.classes, (i, label) => {
        if (predictedClass(b.prediction, i, b.classes, b.binary, threshold) === label) correct++;
        seen++;
      });
    },
    result: () => (seen === 0 ? NaN : correct / seen),
    reset(): void {
      correct = 0;
      seen = 0;
    },
  };
}
