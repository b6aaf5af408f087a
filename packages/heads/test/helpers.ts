/** Test helpers: a seeded data generator and a tiny training loop built on tf.variableGrads. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { Rng, seedStream, type Task } from '@multitask/core';

/** Trains `task.head` directly on features `x` for `steps` full-batch Adam steps; returns the final loss. */
export function trainHead(
  task: Task,
  x: tf.Tensor,
  y: tf.Tensor,
  steps: number,
  lr = 0.05,
  mask?: tf.Tensor,
): number {
  const opt: tf.Optimizer = tf.train.adam(lr);
  // build lazily-sized heads before collecting variables
  tf.tidy(() => {
    task.head.apply(x, { training: false });
  });
  let last = NaN;
  for (let s = 0; s < steps; s++) {
    const seeds = seedStream(1000 + s);
    const { value, grads } = tf.variableGrads(
      () => task.loss(task.head.apply(x, { training: true, seeds }), y, mask),
      [...task.head.trainableVariables],
    );
    opt.applyGradients(grads);
    if (s === steps - 1) last = value.dataSync()[0]!;
    value.dispose();
    tf.dispose(grads);
  }
  opt.dispose();
  return last;
}

/** Gaussian blobs: `k` classes with centres on a circle of radius 3 in 2-D, `n` points each, σ = 0.5. */
export function blobs(
  k: number,
  n: number,
  seed: number,
): { x: tf.Tensor2D; y: tf.Tensor1D; xs: number[][]; ys: number[] } {
  const rng = new Rng(seed);
  const xs: number[][] = [];
  const ys: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      const a = (2 * Math.PI * c) / k;
      xs.push([3 * Math.cos(a) + 0.5 * rng.normal(), 3 * Math.sin(a) + 0.5 * rng.normal()]);
      ys.push(c);
    }
  }
  return { x: tf.tensor2d(xs), y: tf.tensor1d(ys, 'int32'), xs, ys };
}

/** Fraction of rows whose arg-max of `logits` equals `labels`. */
export function accuracy(logits: tf.Tensor, labels: tf.Tensor): number {
  return tf.tidy(
    () =>
      tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(labels, 'int32')), 'float32')).dataSync()[0]!,
  );
}
