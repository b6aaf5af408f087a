import { MultitaskError, type Metric } from '@multitask/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { checkScoreKind, forEachLabelledRow, readClassificationBatch, type ScoreKind } from './read-batch.ts';

/** Options of {@link logLoss}. */
export interface LogLossOptions {
  /** What the scores are: `'logits'` (default; computed stably via log-sum-exp / softplus) or `'probabilities'`. */
  readonly from?: ScoreKind;
  /** Probabilities are clipped to `[epsilon, 1 − epsilon]` before the log (default `1e-7`; probabilities only). */
  readonly epsilon?: number;
  /** Metric name (default `"log-loss"`). */
  readonly name?: string;
}

/**
 * Log-loss (cross-entropy) in nats: the mean over labelled rows of `−log p(label)`.
 *
 * - Binary scores `[batch]` / `[batch, 1]`: from logits `z`, `softplus(z) − y·z` (exact, no clipping); from
 *   probabilities `p`, `−(y·log p + (1 − y)·log(1 − p))` with `p` clipped to `[ε, 1 − ε]`.
 * - Multi-class `[batch, classes]`: from logits, `logsumexp(z) − z_label`; from probabilities,
 *   `−log p_label` with `p_label` clipped to `[ε, 1 − ε]` (rows are not renormalised).
 *
 * Targets are integer labels `[batch]` or `[batch, 1]`. Lower is better; NaN before any labelled row.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { logLoss } from '@multitask/eval';
 *
 * const logits = tf.tensor2d([[2, 0, 0], [0, 1, 3], [0, 2, 1], [1, 0, 0]]); // [B, C]
 * const labels = tf.tensor1d([0, 2, 1, 2], 'int32'); // [B]
 * const mask = tf.tensor1d([1, 1, 1, 0]); // [B], 1 = labelled: the last row does not count
 * const m = logLoss();
 * m.update(logits, labels, mask);
 * console.log(m.result()); // mean cross-entropy of the labelled rows
 * tf.dispose([logits, labels, mask]);
 * ```
 */
export function logLoss(options: LogLossOptions = {}): Metric {
  const name = options.name ?? 'log-loss';
  const from = checkScoreKind(name, options.from ?? 'logits');
  const eps = options.epsilon ?? 1e-7;
  if (!(eps > 0 && eps < 0.5)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/eval] Metric "${name}": option "epsilon" must be in (0, 0.5), got ${eps}.`,
      {
        details: { metric: name, option: 'epsilon', value: eps },
      },
    );
  }
  const clip = (p: number): number => Math.min(1 - eps, Math.max(eps, p));
  let sum = 0;
  let seen = 0;
  return {
    name,
    higherIsBetter: false,
    update(prediction: Tensor, target: Tensor, mask?: Tensor): void {
      const b = readClassificationBatch(name, prediction, target, mask);
      const { binary, classes } = b;
      forEachLabelledRow(name, b, classes, (i, y) => {
        if (binary) {
          const s = b.prediction[i]!;
          if (from === 'logits') sum += Math.max(s, 0) - s * y + Math.log1p(Math.exp(-Math.abs(s)));
          else sum -= y === 1 ? Math.log(clip(s)) : Math.log(1 - clip(s));
        } else if (from === 'logits') {
          let max = -Infinity;
          for (let c = 0; c < classes; c++) max = Math.max(max, b.prediction[i * classes + c]!);
          let z = 0;
          for (let c = 0; c < classes; c++) z += Math.exp(b.prediction[i * classes + c]! - max);
          sum += max + Math.log(z) - b.prediction[i * classes + y]!;
        } else {
          sum -= Math.log(clip(b.prediction[i * classes + y]!));
        }
        seen++;
      });
    },
    result: () => (seen === 0 ? NaN : sum / seen),
    reset(): void {
      sum = 0;
      seen = 0;
    },
  };
}
