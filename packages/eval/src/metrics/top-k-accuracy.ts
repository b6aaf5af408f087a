import { MultitaskError, shapeString, type Metric } from '@multitask/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { checkLabelShape, forEachLabelledRow, readBatch } from './read-batch.ts';

/** Options of {@link topKAccuracy}. */
export interface TopKAccuracyOptions {
  /** How many of the highest-scoring classes may contain the label (an integer ≥ 1). */
  readonly k: number;
  /** Metric name (default `"top-<k>-accuracy"`). */
  readonly name?: string;
}

/**
 * Top-k accuracy: the fraction of labelled rows whose label is among the `k` highest-scoring classes.
 * Prediction `[batch, classes]` (logits or probabilities), target integer labels `[batch]` or `[batch, 1]`.
 * Ties are broken like `tf.argMax`, by the lower class index: the label's rank is the number of classes scoring
 * strictly higher plus those scoring equal with a lower index, and the row counts when that rank is below `k`
 * (so `k = 1` equals {@link accuracy}). With `k ≥ classes` every labelled row counts. Higher is better.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { topKAccuracy } from '@multitask/eval';
 *
 * const logits = tf.tensor2d([[2, 0, 0], [0, 1, 3], [0, 2, 1], [1, 0, 0]]); // [B, C]
 * const labels = tf.tensor1d([0, 2, 1, 2], 'int32'); // [B]
 * const mask = tf.tensor1d([1, 1, 1, 0]); // [B], 1 = labelled: the last row does not count
 * const top2 = topKAccuracy({ k: 2 });
 * top2.update(logits, labels, mask);
 * console.log(top2.result()); // share of labelled rows whose label is among the 2 highest logits
 * tf.dispose([logits, labels, mask]);
 * ```
 */
export function topKAccuracy(options: TopKAccuracyOptions): Metric {
  const { k } = options;
  const name = options.name ?? `top-${k}-accuracy`;
  if (!Number.isInteger(k) || k < 1) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/eval] Metric "${name}": option "k" must be an integer ≥ 1, got ${k}.`,
      {
        details: { metric: name, option: 'k', value: k },
      },
    );
  }
  let correct = 0;
  let seen = 0;
  return {
    name,
    higherIsBetter: true,
    update(prediction: Tensor, target: Tensor, mask?: Tensor): void {
      const b = readBatch(name, prediction, target, mask);
      if (b.predictionShape.length !== 2) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/eval] Metric "${name}": prediction must be [batch, classes], got ${shapeString(b.predictionShape)}.`,
          { details: { metric: name, predictionShape: b.predictionShape } },
        );
      }
      checkLabelShape(name, b.targetShape, b.predictionShape);
      const classes = b.predictionShape[1]!;
      forEachLabelledRow(name, b, classes, (i, label) => {
        const base = i * classes;
        const s = b.prediction[base + label]!;
        let rank = 0;
        for (let c = 0; c < classes; c++) {
          const v = b.prediction[base + c]!;
          if (v > s || (v === s && c < label)) rank++;
        }
        if (rank < k) correct++;
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
