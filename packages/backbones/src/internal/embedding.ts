/**
 * Embedding lookup whose gradient is a one-hot matmul instead of tfjs's gather gradient (UnsortedSegmentSum,
 * which the wasm backend lacks). The gradient materialises a `[ids, vocabulary]` one-hot matrix. Internal.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';

/** Rows of `table` `[vocab, dim]` for integer `ids` of any shape: `[...ids.shape, dim]`. */
export function embed(table: Tensor2D, ids: Tensor): Tensor {
  const vocab = table.shape[0];
  const dim = table.shape[1];
  const flat = tf.cast(tf.reshape(ids, [-1]), 'int32');
  const lookup = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const t = args[0] as Tensor2D;
    return {
      value: tf.gather(t, flat),
      gradFunc: (dy: Tensor) => tf.matMul(tf.oneHot(flat, vocab, 1, 0, 'float32'), dy, true, false),
    };
  });
  return tf.reshape(lookup(table), [...ids.shape, dim]);
}
