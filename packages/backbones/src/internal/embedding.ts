/**
 * Embedding lookup whose gradient is a one-hot matmul instead of tfjs's gather gradient (UnsortedSegmentSum,
 * which the wasm backend lacks). The gradient materialises a `[ids, vocabulary]` one-hot matrix. Internal.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { type Rng } from '@multitask/core';
import { makeVariable, uniformValues } from '@multitask/core/parts';

/** Rows of `table` `[vocab, dim]` for integer `ids` of any shape: `[...ids.shape, dim]`. */
export function embed(table: Tensor2D, ids: Tensor): Tensor {
  const vocab = table.shape[0];
  const dim = table.shape[1];
  const flat = tf.cast<Tensor1D>(tf.reshape(ids, [-1]), 'int32');
  const lookup = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    // The ids are saved with the op: a tensor merely captured here may be disposed (by the caller's tidy) before
    // the backward pass runs.
    (args[1] as tf.GradSaveFunc)([flat]);
    return {
      value: tf.gather(args[0] as Tensor2D, flat),
      // One-hot built as int32 and cast: the stock wasm OneHot kernel writes int32 bits whatever dtype is asked.
      gradFunc: (dy: Tensor, saved: Tensor[]) =>
        tf.matMul(tf.cast(tf.oneHot(saved[0] as Tensor1D, vocab), 'float32'), dy, true, false),
    };
  });
  return tf.reshape(lookup(table), [...ids.shape, dim]);
}

/** A `[vocab, dim]` embedding table, U(−0.05, 0.05) from `rng` (Keras's default for embeddings). */
export function makeEmbeddingTable(rng: Rng, vocab: number, dim: number): Variable {
  return makeVariable(uniformValues(rng, vocab * dim, 0.05), [vocab, dim]);
}
