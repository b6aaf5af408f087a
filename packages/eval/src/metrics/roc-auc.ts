import { MultitaskError, type Metric } from '@multitask/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { checkScoreKind, forEachLabelledRow, readClassificationBatch, type ScoreKind } from './read-batch.ts';

/** Options of {@link rocAuc}. */
export interface RocAucOptions {
  /**
   * What `[batch, classes]` scores are: `'logits'` (default; turned into probabilities with a softmax per row
   * before ranking) or `'probabilities'`. Binary scores need no conversion: the sigmoid keeps their order.
   */
  readonly from?: ScoreKind;
  /** Metric name (default `"roc-auc"`). */
  readonly name?: string;
}

/**
 * Exact area under the ROC curve from the stored scores: `(Σ ranks of positives − n₊(n₊+1)/2) / (n₊·n₋)`
 * (Mann–Whitney U), with tied scores given their average rank, i.e. a tie counts as half a correct ordering.
 */
export function aucFromScores(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (positive[order[t]!]) {
        rankSum += avgRank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * ROC-AUC, computed **exactly**: the metric keeps every labelled row's scores (memory `O(rows × classes)`) and
 * ranks them in `Metric.result`, so the value does not depend on batching or on a histogram resolution.
 *
 * - Binary: prediction `[batch]` or `[batch, 1]` (logits or probabilities, same AUC), target 0/1 labels.
 * - Multi-class: prediction `[batch, classes]`, target integer labels; one-vs-rest AUC per class on the
 *   softmax probabilities (or the given probabilities), averaged uniformly over the classes that have both
 *   positive and negative rows (scikit-learn's `multi_class='ovr', average='macro'`).
 *
 * Tied scores count half. NaN while only one class has been seen. Higher is better.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { rocAuc } from '@multitask/eval';
 *
 * const logits = tf.tensor1d([2.1, -0.3, 0.8, -1.5]); // binary logits [B]
 * const labels = tf.tensor1d([1, 0, 1, 0], 'int32');
 * const mask = tf.tensor1d([1, 1, 1, 1]);
 * const auc = rocAuc();
 * auc.update(logits, labels, mask);
 * console.log(auc.result()); // 1: every positive ranks above every negative (0.5 = chance)
 * tf.dispose([logits, labels, mask]);
 * ```
 */
export function rocAuc(options: RocAucOptions = {}): Metric {
  const name = options.name ?? 'roc-auc';
  const from = checkScoreKind(name, options.from ?? 'logits');
  let classes = 0;
  let binary = true;
  let scores: number[] = [];
  let labels: number[] = [];
  return {
    name,
    higherIsBetter: true,
    update(prediction: Tensor, target: Tensor, mask?: Tensor): void {
      const b = readClassificationBatch(name, prediction, target, mask);
      if (classes === 0) {
        classes = b.classes;
        binary = b.binary;
      } else if (classes !== b.classes || binary !== b.binary) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/eval] Metric "${name}": this batch has ${b.classes} classes, earlier batches had ${classes} — reset() between tasks.`,
          { details: { metric: name, classes: b.classes, previousClasses: classes } },
        );
      }
      const width = binary ? 1 : classes;
      forEachLabelledRow(name, b, classes, (i, label) => {
        labels.push(label);
        if (binary) {
          scores.push(b.prediction[i]!);
        } else if (from === 'probabilities') {
          for (let c = 0; c < width; c++) scores.push(b.prediction[i * width + c]!);
        } else {
          let max = -Infinity;
          for (let c = 0; c < width; c++) max = Math.max(max, b.prediction[i * width + c]!);
          let z = 0;
          for (let c = 0; c < width; c++) z += Math.exp(b.prediction[i * width + c]! - max);
          for (let c = 0; c < width; c++) scores.push(Math.exp(b.prediction[i * width + c]! - max) / z);
        }
      });
    },
    result(): number {
      const n = labels.length;
      if (n === 0) return NaN;
      if (binary)
        return aucFromScores(
          scores,
          labels.map((l) => l === 1),
        );
      let total = 0;
      let counted = 0;
      for (let c = 0; c < classes; c++) {
        const column = Array.from({ length: n }, (_, i) => scores[i * classes + c]!);
        const auc = aucFromScores(
          column,
          labels.map((l) => l === c),
        );
        if (Number.isNaN(auc)) continue;
        total += auc;
        counted++;
      }
      return counted === 0 ? NaN : total / counted;
    },
    reset(): void {
      classes = 0;
      binary = true;
      scores = [];
      labels = [];
    },
  };
}
