/**
 * The two benchmark models, written with raw tfjs-core ops and variables (no multitask package): a Multi-LeNet on
 * MultiMNIST-shaped input and a two-head MLP. Each returns a `step()` that runs one training step (forward, both
 * heads' softmax cross-entropy, backward, optimizer update) and a `dispose()`.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A model ready to train on one fixed random batch. */
export interface BenchModel {
  /** Runs one training step; returns nothing (the loss is disposed). */
  step(): void;
  /** Frees variables, optimizer state and the batch. */
  dispose(): void;
}

/** Options shared by both models. */
export interface BenchModelOptions {
  /** 'adam' (default) or 'sgd'. */
  readonly optimizer?: 'adam' | 'sgd';
  /** Use tf.fused.conv2d / tf.fused.matMul (bias + relu in one kernel). Default false. */
  readonly fused?: boolean;
}

function glorot(shape: number[], fanIn: number, fanOut: number, seed: number): tf.Variable {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.variable(tf.randomUniform(shape, -limit, limit, 'float32', seed));
}

function makeOptimizer(kind: 'adam' | 'sgd' | undefined): tf.Optimizer {
  return kind === 'sgd' ? tf.train.sgd(0.05) : tf.train.adam(1e-3);
}

function batch(b: number, inShape: number[], seed: number): { x: tf.Tensor; y1: tf.Tensor; y2: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomUniform([b, ...inShape], 0, 1, 'float32', seed);
    const y1 = tf.oneHot(tf.cast(tf.randomUniform([b], 0, 10, 'float32', seed + 1), 'int32'), 10);
    const y2 = tf.oneHot(tf.cast(tf.randomUniform([b], 0, 10, 'float32', seed + 2), 'int32'), 10);
    return { x, y1: tf.cast(y1, 'float32'), y2: tf.cast(y2, 'float32') };
  });
}

function dense(x: tf.Tensor, w: tf.Variable, b: tf.Variable, relu: boolean, fused: boolean): tf.Tensor2D {
  const a = x as tf.Tensor2D;
  if (fused)
    return tf.fused.matMul({ a, b: w, bias: b, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
  const z: tf.Tensor2D = tf.add(tf.matMul(a, w as tf.Tensor2D), b);
  return relu ? tf.relu(z) : z;
}

function trainer(
  vars: tf.Variable[],
  data: { x: tf.Tensor; y1: tf.Tensor; y2: tf.Tensor },
  opt: tf.Optimizer,
  forward: (x: tf.Tensor) => [tf.Tensor, tf.Tensor],
): BenchModel {
  return {
    step() {
      const loss = opt.minimize(
        () => {
          const [l1, l2] = forward(data.x);
          return tf.add(
            tf.losses.softmaxCrossEntropy(data.y1, l1),
            tf.losses.softmaxCrossEntropy(data.y2, l2),
          );
        },
        true,
        vars,
      );
      loss?.dispose();
    },
    dispose() {
      tf.dispose([...vars, data.x, data.y1, data.y2]);
      opt.dispose();
    },
  };
}

/**
 * Multi-LeNet: 36×36×1 → conv5×5(10) → maxpool2 → relu → conv5×5(20) → dropout(0.5) → maxpool2 → relu →
 * dense(50, relu) → 2 heads dense(10), softmax cross-entropy each, summed.
 */
export function multiLeNet(batchSize = 64, options: BenchModelOptions = {}): BenchModel {
  const fused = options.fused ?? false;
  const c1 = glorot([5, 5, 1, 10], 25, 250, 11);
  const c1b = tf.variable(tf.zeros([10]));
  const c2 = glorot([5, 5, 10, 20], 250, 500, 12);
  const c2b = tf.variable(tf.zeros([20]));
  const f = glorot([720, 50], 720, 50, 13);
  const fb = tf.variable(tf.zeros([50]));
  const h1 = glorot([50, 10], 50, 10, 14);
  const h1b = tf.variable(tf.zeros([10]));
  const h2 = glorot([50, 10], 50, 10, 15);
  const h2b = tf.variable(tf.zeros([10]));
  let seed = 1000;
  const conv = (x: tf.Tensor4D, w: tf.Variable, b: tf.Variable): tf.Tensor4D =>
    fused
      ? tf.fused.conv2d({ x, filter: w as tf.Tensor4D, strides: 1, pad: 'valid', bias: b })
      : tf.add(tf.conv2d(x, w as tf.Tensor4D, 1, 'valid'), b);
  return trainer(
    [c1, c1b, c2, c2b, f, fb, h1, h1b, h2, h2b],
    batch(batchSize, [36, 36, 1], 7),
    makeOptimizer(options.optimizer),
    (x) => {
      seed += 1;
      const a1 = tf.relu(tf.maxPool(conv(x as tf.Tensor4D, c1, c1b), 2, 2, 'valid'));
      const z2 = tf.dropout(conv(a1, c2, c2b), 0.5, undefined, seed);
      const a2 = tf.relu(tf.maxPool(z2 as tf.Tensor4D, 2, 2, 'valid'));
      const z = dense(tf.reshape(a2, [batchSize, 720]), f, fb, true, fused);
      return [dense(z, h1, h1b, false, fused), dense(z, h2, h2b, false, fused)];
    },
  );
}

/** MLP 784-256-256 (relu) + 2 heads of 10 classes, softmax cross-entropy each, summed. */
export function twoHeadMlp(batchSize = 128, options: BenchModelOptions = {}): BenchModel {
  const fused = options.fused ?? false;
  const w1 = glorot([784, 256], 784, 256, 21);
  const b1 = tf.variable(tf.zeros([256]));
  const w2 = glorot([256, 256], 256, 256, 22);
  const b2 = tf.variable(tf.zeros([256]));
  const h1 = glorot([256, 10], 256, 10, 23);
  const h1b = tf.variable(tf.zeros([10]));
  const h2 = glorot([256, 10], 256, 10, 24);
  const h2b = tf.variable(tf.zeros([10]));
  return trainer(
    [w1, b1, w2, b2, h1, h1b, h2, h2b],
    batch(batchSize, [784], 9),
    makeOptimizer(options.optimizer),
    (x) => {
      const z = dense(dense(x, w1, b1, true, fused), w2, b2, true, fused);
      return [dense(z, h1, h1b, false, fused), dense(z, h2, h2b, false, fused)];
    },
  );
}
