import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';

/**
 * Mean of a per-row loss over the labelled rows: `Σ mask·loss / max(Σ mask, 1)`; the plain mean without a
 * mask. Rows whose mask is 0 contribute nothing, not even a NaN (their loss is replaced by 0 before the sum).
 *
 * @param perRow - per-row losses, shape `[batch]`
 * @param mask - optional `[batch]` mask, 1 = labelled
 */
export function maskedMean(perRow: Tensor, mask?: Tensor): Scalar {
  return tf.tidy(() => {
    if (mask === undefined) return tf.mean(perRow);
    const m = tf.cast(tf.reshape(mask, perRow.shape), perRow.dtype);
    const kept = tf.where(tf.greater(m, 0), tf.mul(perRow, m), tf.zerosLike(perRow));
    return tf.div(tf.sum(kept), tf.maximum(tf.sum(m), 1)) as Scalar;
  });
}

/** Describes a shape for error messages, e.g. `[64, 10]`. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
