import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import { MultitaskError, Rng, shapeString, type Backbone, type PartConfig } from '@multitask/core';
import { applyConv, makeConv } from './internal/conv.ts';
import {
  activate,
  applyDense,
  checkPositiveInt,
  checkRate,
  checkSeed,
  disposeVariables,
  makeDense,
} from '@multitask/core/parts';
import { singleInput } from './internal/single-input.ts';

/** Options of {@link multiLeNetBackbone}. */
export interface MultiLeNetBackboneOptions {
  /** Input image shape `[height, width, channels]`. Default `[36, 36, 1]` (MultiMNIST); `[28, 28, 1]` also works. */
  readonly inputShape?: readonly [number, number, number];
  /** Filters of the two convolutions. Default `[10, 20]`. */
  readonly filters?: readonly [number, number];
  /** Square kernel size of both convolutions. Default 5. */
  readonly kernelSize?: number;
  /** Size of the final dense layer (the representation). Default 50. */
  readonly units?: number;
  /** Channel dropout rate after the second convolution while training (PyTorch's Dropout2d). Default 0.5. */
  readonly dropout?: number;
  /** Seed of the initial weights (and of dropout when the caller hands no seed stream). Default 1. */
  readonly seed?: number;
}

/** The backbone returned by {@link multiLeNetBackbone}. */
export interface MultiLeNetBackbone extends Backbone {
  /** Always `"multi-lenet"`. */
  readonly name: 'multi-lenet';
  /** The representation size (`units`). */
  readonly outputSize: number;
  /** Feature count after the second pooling (the dense layer's fan-in). */
  readonly flatSize: number;
}

/**
 * The shared trunk of Sener & Koltun's MGDA paper for MultiMNIST: conv k×k(10) → max-pool 2 → relu →
 * conv k×k(20) → channel dropout → max-pool 2 → relu → dense(50) → relu. Inputs `[batch, h, w, c]` (or
 * `[batch, h·w·c]`, reshaped). The convolutions compute their filter gradient with a forward convolution, so
 * training runs on stock cpu and wasm backends.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { multiLeNetBackbone } from '@multitask/backbones';
 *
 * const backbone = multiLeNetBackbone({ inputShape: [36, 36, 1] });
 * const images = tf.randomNormal([2, 36, 36, 1]);
 * const z = backbone.apply(images, { training: false }) as tf.Tensor; // [2, 50]
 * console.log(z.shape);
 * tf.dispose([images, z]);
 * backbone.dispose();
 * ```
 */
export function multiLeNetBackbone(options: MultiLeNetBackboneOptions = {}): MultiLeNetBackbone {
  const part = 'multi-lenet backbone';
  const inputShape = (options.inputShape ?? [36, 36, 1]).map((v, i) =>
    checkPositiveInt('backbones', part, `inputShape[${i}]`, v),
  ) as [number, number, number];
  const filters = (options.filters ?? [10, 20]).map((v, i) =>
    checkPositiveInt('backbones', part, `filters[${i}]`, v),
  ) as [number, number];
  const kernelSize = checkPositiveInt('backbones', part, 'kernelSize', options.kernelSize ?? 5);
  const units = checkPositiveInt('backbones', part, 'units', options.units ?? 50);
  const dropout = checkRate('backbones', part, 'dropout', options.dropout ?? 0.5);
  const seed = checkSeed('backbones', part, options.seed ?? 1);
  const [h, w, c] = inputShape;
  const after = (n: number): number =>
    Math.floor((Math.floor((n - kernelSize + 1) / 2) - kernelSize + 1) / 2);
  const oh = after(h);
  const ow = after(w);
  if (oh < 1 || ow < 1) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/backbones] ${part}: input ${h}×${w} is too small for two ${kernelSize}×${kernelSize} ` +
        `convolutions with 2×2 pooling — use a larger inputShape or a smaller kernelSize.`,
      { details: { option: 'inputShape' } },
    );
  }
  const flatSize = oh * ow * filters[1];
  const rng = new Rng(seed);
  const conv1 = makeConv(rng, kernelSize, c, filters[0]);
  const conv2 = makeConv(rng, kernelSize, filters[0], filters[1]);
  const fc = makeDense(rng, flatSize, units);
  const dropoutRng = rng.fork();
  const variables: Variable[] = [conv1.kernel, conv1.bias!, conv2.kernel, conv2.bias!, fc.kernel, fc.bias];
  const pixels = h * w * c;
  return {
    name: 'multi-lenet',
    outputSize: units,
    flatSize,
    trainableVariables: variables,
    nonTrainableVariables: [],
    apply(inputs, context): Tensor {
      const x0 = singleInput(part, inputs);
      const ok =
        (x0.rank === 4 && x0.shape[1] === h && x0.shape[2] === w && x0.shape[3] === c) ||
        (x0.rank === 3 && c === 1 && x0.shape[1] === h && x0.shape[2] === w) ||
        (x0.rank === 2 && x0.shape[1] === pixels);
      if (!ok) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/backbones] ${part} expects images of shape [batch, ${h}, ${w}, ${c}], got ` +
            `${shapeString(x0.shape)} — set inputShape to the images' [height, width, channels].`,
          { details: { actual: x0.shape } },
        );
      }
      return tf.tidy(() => {
        const x = tf.reshape<tf.Rank.R4>(x0, [-1, h, w, c]);
        // The images need no gradient: the first layer skips that transposed convolution.
        let y = tf.relu(tf.maxPool(applyConv(x, conv1, false), 2, 2, 'valid'));
        y = applyConv(y, conv2);
        if (context.training && dropout > 0) {
          const s = context.seeds ? context.seeds.next() : dropoutRng.opSeed();
          y = tf.dropout(y, dropout, [y.shape[0], 1, 1, y.shape[3]], s) as Tensor4D;
        }
        y = tf.relu(tf.maxPool(y, 2, 2, 'valid'));
        return activate(applyDense(tf.reshape(y, [-1, flatSize]), fc), 'relu');
      });
    },
    getConfig(): PartConfig {
      return {
        type: 'multi-lenet',
        options: { inputShape: [...inputShape], filters: [...filters], kernelSize, units, dropout, seed },
      };
    },
    dispose(): void {
      disposeVariables(variables);
    },
  };
}
