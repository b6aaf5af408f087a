/**
 * Test helpers: a minimal linear head/task (backbones does not depend on @multitask/heads), seeded data and a
 * tiny training loop built on tf.variableGrads.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import {
  maskedMean,
  Rng,
  seedStream,
  type Backbone,
  type Head,
  type Task,
  type MultitaskModel,
} from '@multitask/core';
import { makeDense, type Initializer } from '@multitask/core/parts';

/** A linear head (zero-initialised bias, small seeded weights). */
export function linearHead(inputSize: number, outputSize: number, seed = 1, kind = 'linear'): Head {
  const rng = new Rng(seed);
  const w0 = tf.tensor2d(
    Array.from({ length: inputSize * outputSize }, () => 0.1 * rng.normal()),
    [inputSize, outputSize],
  );
  const b0 = tf.zeros([outputSize]);
  const w = tf.variable(w0);
  const b = tf.variable(b0);
  tf.dispose([w0, b0]);
  return {
    name: kind,
    inputSize,
    outputSize,
    trainableVariables: [w, b],
    apply: (z) => tf.tidy(() => tf.add(tf.matMul(z as tf.Tensor2D, w as tf.Tensor2D), b)),
    getConfig: () => ({ type: kind, options: { inputSize, outputSize, seed } }),
    dispose: () => {
      w.dispose();
      b.dispose();
    },
  };
}

/** Softmax cross-entropy task on a linear head. */
export function ceTask(name: string, inputSize: number, numClasses: number, seed = 1): Task {
  return {
    name,
    head: linearHead(inputSize, numClasses, seed, 'classification'),
    loss: (p, t, m) =>
      tf.tidy(() =>
        maskedMean(
          tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(t, 'int32'), numClasses), tf.logSoftmax(p)), -1)),
          m,
        ),
      ),
    metrics: ['accuracy'],
  };
}

/** MSE task on a linear head. */
export function mseTask(name: string, inputSize: number, outputSize = 1, seed = 1): Task {
  return {
    name,
    head: linearHead(inputSize, outputSize, seed, 'regression'),
    loss: (p, t, m) =>
      tf.tidy(() => maskedMean(tf.mean(tf.square(tf.sub(p, tf.reshape(t, p.shape))), -1), m)),
    metrics: ['mse'],
  };
}

/** Task factories for the test heads, for loadModel. */
export const testTaskFactories = {
  classification: (name: string, o: Record<string, unknown>) =>
    ceTask(name, o.inputSize as number, o.outputSize as number, o.seed as number),
  regression: (name: string, o: Record<string, unknown>) =>
    mseTask(name, o.inputSize as number, o.outputSize as number, o.seed as number),
};

/** One full-batch step of Σ task losses over every trainable (unfrozen) variable. */
export function trainModel(
  model: MultitaskModel,
  inputs: tf.Tensor | Record<string, tf.Tensor>,
  targets: Record<string, tf.Tensor>,
  steps: number,
  optimizer: tf.Optimizer,
  seed = 1,
): number {
  let last = NaN;
  for (let s = 0; s < steps; s++) {
    const seeds = seedStream(seed * 100_003 + s);
    const vars = model.trainableVariables;
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(inputs, { training: true, seeds, updateStatistics: true });
      return tf.addN<tf.Scalar>(model.tasks.map((t) => t.loss(out[t.name]!, targets[t.name]!)));
    }, vars);
    optimizer.applyGradients(grads);
    if (s === steps - 1) last = value.dataSync()[0]!;
    value.dispose();
    tf.dispose(grads);
  }
  return last;
}

/** Fraction of rows whose arg-max equals the label. */
export function accuracy(logits: tf.Tensor, labels: tf.Tensor): number {
  return tf.tidy(
    () =>
      tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(labels, 'int32')), 'float32')).dataSync()[0]!,
  );
}

/** Output of a backbone in inference mode, as nested arrays (per task when it returns a record). */
export function infer(backbone: Backbone, x: tf.Tensor | Record<string, tf.Tensor>): unknown {
  return tf.tidy(() => {
    const r = backbone.apply(x, { training: false });
    if (r instanceof tf.Tensor) return r.arraySync();
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.arraySync()]));
  });
}

/** Two concentric rings (radius 1 and 2, noise 0.15) — not linearly separable. */
export function rings(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  const xs: number[][] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const a = 2 * Math.PI * rng.next();
    const r = 1 + c + 0.15 * rng.normal();
    xs.push([r * Math.cos(a), r * Math.sin(a)]);
    ys.push(c);
  }
  return { x: tf.tensor2d(xs), y: tf.tensor1d(ys, 'int32') };
}

/** A regression tower: dense(hidden) → relu → dense(1), MSE loss (as in the MMoE paper's towers). */
export function towerTask(
  name: string,
  inputSize: number,
  hidden: number,
  seed: number,
  initializer: Initializer = 'glorot-uniform',
): Task {
  const rng = new Rng(seed);
  const { kernel: w1, bias: b1 } = makeDense(rng, inputSize, hidden, initializer);
  const { kernel: w2, bias: b2 } = makeDense(rng, hidden, 1, initializer);
  const vars = [w1, b1, w2, b2];
  return {
    name,
    head: {
      name: 'tower',
      inputSize,
      outputSize: 1,
      trainableVariables: vars,
      apply: (z) =>
        tf.tidy(() =>
          tf.add(
            tf.matMul(
              tf.relu<tf.Tensor2D>(tf.add(tf.matMul(z as tf.Tensor2D, w1 as tf.Tensor2D), b1)),
              w2 as tf.Tensor2D,
            ),
            b2,
          ),
        ),
      getConfig: () => ({ type: 'tower', options: { inputSize, hidden, seed, initializer } }),
      dispose: () => tf.dispose(vars),
    },
    loss: (p, t, m) =>
      tf.tidy(() => maskedMean(tf.mean(tf.square(tf.sub(p, tf.reshape(t, p.shape))), -1), m)),
    metrics: ['mse'],
  };
}

/** Number of scalar parameters in a model. */
export function parameterCount(model: MultitaskModel): number {
  return [
    ...model.backbone.trainableVariables,
    ...model.tasks.flatMap((t) => t.head.trainableVariables),
  ].reduce((s, v) => s + v.size, 0);
}
