import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { fillMasked, maskedMean, type LossFn } from '@multitask/core';
import type { RegressionLossKind } from './regression-head.ts';

/**
 * Softmax cross-entropy from logits `[batch, K]` against integer labels `[batch]` (int32), optionally with
 * label smoothing ε (target `(1−ε)·onehot + ε/K`), averaged over the labelled rows. Rows with a missing label
 * (mask 0) may hold any placeholder label (e.g. −1).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { softmaxCrossEntropyLoss } from '@multitask/heads';
 *
 * const loss = softmaxCrossEntropyLoss({ labelSmoothing: 0.1 });
 * const logits = tf.tensor2d([[2, 0, 0], [0, 3, 0]]);
 * const labels = tf.tensor1d([0, 1], 'int32');
 * const mask = tf.tensor1d([1, 0]); // the second row is unlabelled and does not count
 * const l = loss(logits, labels, mask); // Scalar
 * console.log(l.dataSync()[0]);
 * tf.dispose([logits, labels, mask, l]);
 * ```
 */
export function softmaxCrossEntropyLoss(options: { readonly labelSmoothing?: number } = {}): LossFn {
  const eps = options.labelSmoothing ?? 0;
  return (prediction, target, mask): Scalar =>
    tf.tidy(() => {
      const k = prediction.shape[prediction.rank - 1]!;
      const labels = tf.cast(tf.reshape(target, [-1]), 'int32');
      let y: Tensor = tf.cast(tf.oneHot(labels, k), 'float32');
      if (eps > 0) y = tf.add(tf.mul(y, 1 - eps), eps / k);
      const perRow = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(prediction)), -1));
      return maskedMean(perRow, mask);
    });
}

/**
 * Sigmoid binary cross-entropy from logits `[batch, L]` against 0/1 targets (`[batch]` or `[batch, L]`),
 * computed stably as `(1−z)·x + (1 + (w−1)·z)·(log(1+e^(−|x|)) + max(−x, 0))` with positive weight `w`,
 * averaged over labels then over labelled rows.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { sigmoidCrossEntropyLoss } from '@multitask/heads';
 *
 * const loss = sigmoidCrossEntropyLoss({ positiveWeight: 2 });
 * const logits = tf.tensor2d([[1.5], [-0.5]]);
 * const targets = tf.tensor2d([[1], [0]]);
 * const l = loss(logits, targets); // Scalar
 * console.log(l.dataSync()[0]);
 * tf.dispose([logits, targets, l]);
 * ```
 */
export function sigmoidCrossEntropyLoss(options: { readonly positiveWeight?: number } = {}): LossFn {
  const w = options.positiveWeight ?? 1;
  return (prediction, target, mask): Scalar =>
    tf.tidy(() => {
      const x = prediction;
      // Unlabelled rows' targets (NaN placeholders) become 0 so they cannot poison gradients.
      const z = fillMasked(tf.cast(tf.reshape(target, x.shape), 'float32'), mask);
      const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(x)))), tf.relu(tf.neg(x)));
      const posCoef = w === 1 ? tf.onesLike(z) : tf.add(tf.mul(z, w - 1), 1);
      const perElem = tf.add(tf.mul(tf.sub(1, z), x), tf.mul(posCoef, softplusNeg));
      const perRow = x.rank === 1 ? perElem : tf.mean(tf.reshape(perElem, [x.shape[0], -1]), -1);
      return maskedMean(perRow, mask);
    });
}

/**
 * A regression loss between predictions `[batch, d]` and targets (`[batch, d]`, or `[batch]` when d = 1):
 * mean squared error, mean absolute error (`l1`) or Huber with `delta`, averaged over the d values and then
 * over the labelled rows. Unlabelled rows may hold NaN.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { regressionLoss } from '@multitask/heads';
 *
 * const loss = regressionLoss({ kind: 'huber', delta: 0.5 });
 * const pred = tf.tensor2d([[0.2], [3]]);
 * const target = tf.tensor2d([[0], [1]]);
 * const mask = tf.tensor1d([1, 1]);
 * const l = loss(pred, target, mask); // mean Huber loss over the labelled rows
 * console.log(l.dataSync()[0]);
 * tf.dispose([pred, target, mask, l]);
 * ```
 */
export function regressionLoss(
  options: { readonly kind?: RegressionLossKind; readonly delta?: number } = {},
): LossFn {
  const kind = options.kind ?? 'mse';
  const delta = options.delta ?? 1;
  return (prediction, target, mask): Scalar =>
    tf.tidy(() => {
      const t = fillMasked(tf.cast(tf.reshape(target, prediction.shape), 'float32'), mask);
      const e = tf.sub(prediction, t);
      let perElem: Tensor;
      switch (kind) {
        case 'mse':
          perElem = tf.square(e);
          break;
        case 'l1':
          perElem = tf.abs(e);
          break;
        case 'huber': {
          const a = tf.abs(e);
          const quad = tf.minimum(a, delta);
          perElem = tf.add(tf.mul(0.5, tf.square(quad)), tf.mul(delta, tf.sub(a, quad)));
          break;
        }
      }
      const perRow =
        prediction.rank === 1 ? perElem : tf.mean(tf.reshape(perElem, [prediction.shape[0], -1]), -1);
      return maskedMean(perRow, mask);
    });
}
