import type { Metric } from '@multitask/core';
import * as tf from '@tensorflow/tfjs-core';

/** Feeds one batch built from plain arrays (labels as int32 when `intTarget`) and disposes the tensors. */
export function feed(
  m: Metric,
  pred: number[] | number[][],
  target: number[] | number[][],
  mask?: number[],
  intTarget = false,
): void {
  const p = tf.tensor(pred);
  const t = intTarget ? tf.tensor(target, undefined, 'int32') : tf.tensor(target);
  const k = mask === undefined ? undefined : tf.tensor1d(mask);
  try {
    m.update(p, t, k);
  } finally {
    tf.dispose([p, t, ...(k ? [k] : [])]);
  }
}

/** The metric's result after one batch. */
export function once(
  m: Metric,
  pred: number[] | number[][],
  target: number[] | number[][],
  mask?: number[],
): number {
  feed(m, pred, target, mask, true);
  return m.result();
}
