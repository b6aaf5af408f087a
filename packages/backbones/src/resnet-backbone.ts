import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import {
  MultitaskError,
  Rng,
  shapeString,
  type Backbone,
  type ForwardContext,
  type PartConfig,
} from '@multitask/core';
import { applyConv, makeConv, type Conv } from './internal/conv.ts';
import { checkPositiveInt, checkSeed, disposeVariables, makeVariable } from '@multitask/core/parts';
import { singleInput } from './internal/single-input.ts';

/** Options of {@link resnetBackbone}. */
export interface ResnetBackboneOptions {
  /** Input image shape `[height, width, channels]`. */
  readonly inputShape: readonly [number, number, number];
  /** Channels of each stage; every stage after the first halves the resolution. Default `[16, 32, 64]`. */
  readonly widths?: readonly number[];
  /** Residual blocks (two 3×3 convolutions each) per stage. Default 1. */
  readonly blocksPerStage?: number;
  /** Momentum of the batch-norm moving statistics. Default 0.9. */
  readonly momentum?: number;
  /** Seed of the initial weights. Default 1. */
  readonly seed?: number;
}

/** The backbone returned by {@link resnetBackbone}. */
export interface ResnetBackbone extends Backbone {
  /** Always `"resnet"`. */
  readonly name: 'resnet';
  /** The representation size (the last stage's width, after global average pooling). */
  readonly outputSize: number;
}

interface BatchNorm {
  readonly gamma: Variable;
  readonly beta: Variable;
  readonly mean: Variable;
  readonly variance: Variable;
}

const EPSILON = 1e-3;

/**
 * A small pre-activation-free ResNet (He et al. 2016) for images: 3×3 stem → stages of basic residual blocks
 * (conv-BN-relu-conv-BN + shortcut, 1×1 projection when the shape changes) → global average pooling. Batch norm
 * uses batch statistics while training and moving averages otherwise; the moving averages (its
 * `nonTrainableVariables`) update only when `context.updateStatistics` is true.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { resnetBackbone } from '@multitask/backbones';
 *
 * const backbone = resnetBackbone({ inputShape: [32, 32, 3], widths: [16, 32], blocksPerStage: 2 });
 * const images = tf.randomNormal([2, 32, 32, 3]);
 * const z = backbone.apply(images, { training: true, updateStatistics: true }) as tf.Tensor; // [2, 32]
 * console.log(z.shape);
 * tf.dispose([images, z]);
 * backbone.dispose();
 * ```
 */
export function resnetBackbone(options: ResnetBackboneOptions): ResnetBackbone {
  const part = 'resnet backbone';
  const inputShape = options.inputShape.map((v, i) =>
    checkPositiveInt('backbones', part, `inputShape[${i}]`, v),
  ) as [number, number, number];
  const widths = (options.widths ?? [16, 32, 64]).map((v, i) =>
    checkPositiveInt('backbones', part, `widths[${i}]`, v),
  );
  if (widths.length === 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/backbones] ${part}: option "widths" needs at least one stage.`,
      {
        details: { option: 'widths' },
      },
    );
  }
  const blocksPerStage = checkPositiveInt('backbones', part, 'blocksPerStage', options.blocksPerStage ?? 1);
  const momentum = options.momentum ?? 0.9;
  if (!(momentum >= 0 && momentum < 1)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/backbones] ${part}: option "momentum" must be in [0, 1), got ${momentum}.`,
      {
        details: { option: 'momentum' },
      },
    );
  }
  const seed = checkSeed('backbones', part, options.seed ?? 1);
  const rng = new Rng(seed);
  const [h, w, c] = inputShape;
  const trainable: Variable[] = [];
  const stats: Variable[] = [];
  const bn = (n: number): BatchNorm => {
    const b = {
      gamma: makeVariable(new Float32Array(n).fill(1), [n]),
      beta: makeVariable(new Float32Array(n), [n]),
      mean: makeVariable(new Float32Array(n), [n], false),
      variance: makeVariable(new Float32Array(n).fill(1), [n], false),
    };
    trainable.push(b.gamma, b.beta);
    stats.push(b.mean, b.variance);
    return b;
  };
  const conv = (k: number, cin: number, cout: number, stride: number): Conv => {
    const cv = makeConv(rng, k, cin, cout, stride, k === 1 ? 'valid' : 'same', false);
    trainable.push(cv.kernel);
    return cv;
  };
  const stem = { conv: conv(3, c, widths[0]!, 1), bn: bn(widths[0]!) };
  interface Block {
    c1: Conv;
    b1: BatchNorm;
    c2: Conv;
    b2: BatchNorm;
    proj?: { conv: Conv; bn: BatchNorm };
  }
  const blocks: Block[] = [];
  let cin = widths[0]!;
  widths.forEach((cout, s) => {
    for (let i = 0; i < blocksPerStage; i++) {
      const stride = s > 0 && i === 0 ? 2 : 1;
      const block: Block = {
        c1: conv(3, cin, cout, stride),
        b1: bn(cout),
        c2: conv(3, cout, cout, 1),
        b2: bn(cout),
      };
      if (stride !== 1 || cin !== cout) block.proj = { conv: conv(1, cin, cout, stride), bn: bn(cout) };
      blocks.push(block);
      cin = cout;
    }
  });
  const normalize = (x: Tensor4D, b: BatchNorm, context: ForwardContext): Tensor4D => {
    if (!context.training)
      return tf.batchNorm4d(
        x,
        b.mean as tf.Tensor1D,
        b.variance as tf.Tensor1D,
        b.beta as tf.Tensor1D,
        b.gamma as tf.Tensor1D,
        EPSILON,
      );
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    if (context.updateStatistics) {
      // Moving averages are state, not part of the gradient: computed from the values only.
      b.mean.assign(tf.tidy(() => tf.add(tf.mul(b.mean, momentum), tf.mul(mean, 1 - momentum))));
      b.variance.assign(tf.tidy(() => tf.add(tf.mul(b.variance, momentum), tf.mul(variance, 1 - momentum))));
    }
    return tf.batchNorm4d(
      x,
      mean as tf.Tensor1D,
      variance as tf.Tensor1D,
      b.beta as tf.Tensor1D,
      b.gamma as tf.Tensor1D,
      EPSILON,
    );
  };
  return {
    name: 'resnet',
    outputSize: widths.at(-1)!,
    trainableVariables: trainable,
    nonTrainableVariables: stats,
    apply(inputs, context): Tensor {
      const x0 = singleInput(part, inputs);
      if (x0.rank !== 4 || x0.shape[1] !== h || x0.shape[2] !== w || x0.shape[3] !== c) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/backbones] ${part} expects images of shape [batch, ${h}, ${w}, ${c}], got ${shapeString(x0.shape)}.`,
          { details: { actual: x0.shape } },
        );
      }
      return tf.tidy(() => {
        let y = tf.relu(normalize(applyConv(x0 as Tensor4D, stem.conv, false), stem.bn, context));
        for (const b of blocks) {
          const r = tf.relu(normalize(applyConv(y, b.c1), b.b1, context));
          const r2 = normalize(applyConv(r, b.c2), b.b2, context);
          const shortcut = b.proj ? normalize(applyConv(y, b.proj.conv), b.proj.bn, context) : y;
          y = tf.relu(tf.add(r2, shortcut));
        }
        return tf.mean(y, [1, 2]);
      });
    },
    getConfig(): PartConfig {
      return {
        type: 'resnet',
        options: { inputShape: [...inputShape], widths: [...widths], blocksPerStage, momentum, seed },
      };
    },
    dispose(): void {
      disposeVariables([...trainable, ...stats]);
    },
  };
}
