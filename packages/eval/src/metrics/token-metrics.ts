import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { MultitaskError, shapeString, type Metric } from '@multitask/core';
import { accuracy } from './accuracy.ts';

/**
 * A token-level version of a row metric, for sequence labelling: predictions `[batch, length, classes]`,
 * targets `[batch, length]` and masks `[batch, length]` (1 = a real, labelled token; padding is 0) are flattened
 * to `batch·length` rows before they reach `metric`, so every token counts once and padding never does. A `[batch]`
 * mask removes whole rows; without a mask every position counts. The result is `metric`'s, under `name`
 * (default `token-` + the metric's name).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { accuracy, tokenLevel } from '@multitask/eval';
 *
 * const acc = tokenLevel(accuracy()); // named 'token-accuracy'
 * const logits = tf.tensor3d([[[2, 0], [0, 2], [2, 0]]]); // [B = 1, L = 3, C = 2]
 * const tags = tf.tensor2d([[0, 1, 1]], [1, 3], 'int32');
 * const mask = tf.tensor2d([[1, 1, 0]]); // the third position is padding
 * acc.update(logits, tags, mask);
 * console.log(acc.name, acc.result()); // token-accuracy 1
 * tf.dispose([logits, tags, mask]);
 * ```
 */
export function tokenLevel(metric: Metric, name = `token-${metric.name}`): Metric {
  return {
    name,
    higherIsBetter: metric.higherIsBetter,
    update(prediction: Tensor, target: Tensor, mask?: Tensor): void {
      if (
        prediction.rank < 2 ||
        target.rank < 2 ||
        target.shape[0] !== prediction.shape[0] ||
        target.shape[1] !== prediction.shape[1]
      ) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/eval] Metric "${name}": expects predictions [batch, length, …] and targets [batch, length], got ` +
            `${shapeString(prediction.shape)} and ${shapeString(target.shape)}.`,
          { details: { metric: name, predictionShape: prediction.shape, targetShape: target.shape } },
        );
      }
      const [b, l] = [prediction.shape[0], prediction.shape[1]!];
      if (
        mask !== undefined &&
        !(
          (mask.rank === 2 && mask.shape[0] === b && mask.shape[1] === l) ||
          (mask.rank === 1 && mask.shape[0] === b)
        )
      ) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/eval] Metric "${name}": mask shape ${shapeString(mask.shape)} must be [${b}, ${l}] (one flag per token) or [${b}].`,
          { details: { metric: name, maskShape: mask.shape } },
        );
      }
      const rest = prediction.shape.slice(2);
      const flat = tf.tidy(() => {
        const p = tf.reshape(prediction, [b * l, ...rest]);
        const t = tf.reshape(target, [b * l, ...target.shape.slice(2)]);
        const m =
          mask === undefined
            ? undefined
            : mask.rank === 1
              ? tf.reshape(tf.tile(tf.reshape(mask, [b, 1]), [1, l]), [b * l])
              : tf.reshape(mask, [b * l]);
        return m === undefined ? [p, t] : [p, t, m];
      });
      try {
        metric.update(flat[0]!, flat[1]!, flat[2]);
      } finally {
        tf.dispose(flat);
      }
    },
    result: () => metric.result(),
    reset: () => {
      metric.reset();
    },
  };
}

/**
 * Token accuracy for sequence labelling: the fraction of real tokens (mask 1) whose argmax logit is the label.
 * Predictions `[batch, length, classes]`, int32 targets `[batch, length]`, masks `[batch, length]`. Higher is
 * better; NaN before any token was seen.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { tokenAccuracy } from '@multitask/eval';
 *
 * const acc = tokenAccuracy();
 * const logits = tf.tensor3d([[[2, 0], [0, 2], [2, 0]]]); // [B = 1, L = 3, C = 2]
 * const tags = tf.tensor2d([[0, 0, 1]], [1, 3], 'int32');
 * const mask = tf.tensor2d([[1, 1, 1]]);
 * acc.update(logits, tags, mask);
 * console.log(acc.result()); // 0.333…: only the first token's argmax is its tag
 * tf.dispose([logits, tags, mask]);
 * ```
 */
export function tokenAccuracy(options: { readonly name?: string } = {}): Metric {
  return tokenLevel(accuracy(), options.name ?? 'token-accuracy');
}
