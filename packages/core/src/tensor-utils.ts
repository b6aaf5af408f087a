import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';

/**
 * Mean of a per-row loss over the labelled rows: `Σ mask·loss / max(Σ mask, 1)`; the plain mean without a
 * mask. Rows whose mask is 0 contribute nothing, not even a NaN (their loss is replaced by 0 before the sum).
 * Per-token losses `[batch, length]` with a per-token mask `[batch, length]` give the mean over labelled tokens.
 *
 * @param perRow - per-row losses, shape `[batch]` (or per-token, `[batch, length]`)
 * @param mask - optional mask of the same shape (`[batch]` or `[batch, length]`), 1 = labelled
 */
export function maskedMean(perRow: Tensor, mask?: Tensor): Scalar {
  return tf.tidy(() => {
    if (mask === undefined) return tf.mean(perRow);
    const m = tf.cast(tf.reshape(mask, perRow.shape), perRow.dtype);
    const kept = tf.where(tf.greater(m, 0), tf.mul(perRow, m), tf.zerosLike(perRow));
    return tf.div<Scalar>(tf.sum(kept), tf.maximum(tf.sum(m), 1));
  });
}

/** Describes a shape for error messages, e.g. `[64, 10]`. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Replaces the targets of unlabelled rows (mask 0) by `value` (default 0), so that a missing label stored as
 * NaN cannot reach a gradient (`NaN·0` is NaN). Losses call it before comparing prediction and target.
 *
 * @param target - targets, shape `[batch, …]`
 * @param mask - `[batch]` mask, or a per-token mask `[batch, length]` for targets `[batch, length, …]`; 1 =
 *   labelled. Without it the target is returned unchanged (cloned)
 */
export function fillMasked(target: Tensor, mask?: Tensor, value = 0): Tensor {
  return tf.tidy(() => {
    if (mask === undefined) return tf.clone(target);
    const lead = mask.rank <= 1 ? [target.shape[0]] : mask.shape;
    const shape = [...lead, ...target.shape.slice(lead.length).map(() => 1)];
    const keep = tf.greater(tf.reshape(mask, shape), 0);
    return tf.where(tf.broadcastTo(keep, target.shape), target, tf.fill(target.shape, value, target.dtype));
  });
}
