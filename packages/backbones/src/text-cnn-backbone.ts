import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { type Backbone, MultitaskError, type PartConfig, Rng, shapeString } from '@multitask/core';
import {
  activate,
  type Activation,
  checkCommonOptions,
  checkPositiveInt,
  checkWidths,
  disposeVariables,
  glorotUniform,
  type Initializer,
  makeVariable,
} from '@multitask/core/parts';
import { denseTail } from './internal/dense-tail.ts';
import { singleInput } from './internal/single-input.ts';
import { embed, makeEmbeddingTable } from './internal/embedding.ts';

/** Options of {@link textCnnBackbone}. */
export interface TextCnnBackboneOptions {
  /** Number of distinct token ids; ids are integers in `[0, vocabSize)`, and id 0 is padding. */
  readonly vocabSize: number;
  /** Size of each token embedding. */
  readonly embeddingDim: number;
  /** Widths (in tokens) of the convolution windows, one filter bank per entry. Default `[3, 4, 5]`. */
  readonly kernelSizes?: readonly number[];
  /** Number of filters per kernel size. Default 32. */
  readonly filters?: number;
  /** Activation after each convolution and each MLP layer. Default `'relu'`. */
  readonly activation?: Activation;
  /** Hidden widths of an MLP applied after pooling. Default `[]` (the pooled features are the representation). */
  readonly units?: readonly number[];
  /** Dropout rate after pooling and after each MLP layer while training, in [0, 1). Default 0. */
  readonly dropout?: number;
  /**
   * How the dense (MLP) weights start: `'glorot-uniform'` (default), `'he-uniform'`, `'lecun-uniform'` or
   * `'pytorch'`; see core's `Initializer`.
   */
  readonly initializer?: Initializer;
  /** Seed of the initial weights (and of dropout when the caller hands no seed stream). Default 1. */
  readonly seed?: number;
}

/** The backbone returned by {@link textCnnBackbone}. */
export interface TextCnnBackbone extends Backbone {
  /** Always `"text-cnn"`. */
  readonly name: 'text-cnn';
  /** The representation size: `filters · kernelSizes.length`, or the last of `units`. */
  readonly outputSize: number;
}

/** One filter bank: a `[k, embeddingDim, filters]` kernel (tf.conv1d layout) and a `[filters]` bias. */
interface ConvBank {
  readonly k: number;
  readonly kernel: Variable;
  readonly bias: Variable;
}

/**
 * A 1-D 'valid' convolution over time of time-major rows `x` `[L·B, E]` (row `t·B + b`) with kernel `w`
 * `[k·E, F]` and bias `[F]`, returning `[(L−k+1)·B, F]`: an unfold (k contiguous row slices concatenated
 * along the features) and one matmul. Its gradient is written out with contiguous row slices, row concatenations
 * with zeros and matmuls, which the cpu backend runs fast (its stock Slice/Pad/SplitV gradients of a strided
 * unfold loop per element) and the wasm backend has.
 */
function convTimeMajor(x: Tensor2D, w: Tensor2D, bias: Tensor, k: number, batch: number): Tensor2D {
  const rows = x.shape[0];
  const e = x.shape[1];
  const n = rows - (k - 1) * batch; // (L − k + 1)·B
  const unfold = (xx: Tensor2D): Tensor2D => {
    const slices = Array.from({ length: k }, (_, j) => tf.slice(xx, [j * batch, 0], [n, e]));
    return k === 1 ? slices[0]! : tf.concat(slices, 1);
  };
  const f = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ww, bb] = args as [Tensor2D, Tensor2D, Tensor];
    (args[3] as tf.GradSaveFunc)([xx, ww]);
    return {
      value: tf.add(tf.matMul(unfold(xx), ww), bb),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sw] = saved as [Tensor2D, Tensor2D];
        const d = dy as Tensor2D;
        const dw = tf.matMul(unfold(sx), d, true, false);
        const db = tf.reshape(tf.matMul(tf.ones([1, n]), d), [d.shape[1]]);
        const parts = Array.from({ length: k }, (_, j) => {
          const dxj = tf.matMul(d, tf.slice(sw, [j * e, 0], [e, sw.shape[1]]), false, true); // [n, E]
          const pieces: Tensor[] = [];
          if (j > 0) pieces.push(tf.zeros([j * batch, e]));
          pieces.push(dxj);
          if (j < k - 1) pieces.push(tf.zeros([(k - 1 - j) * batch, e]));
          return pieces.length === 1 ? dxj : tf.concat(pieces, 0);
        });
        return [parts.length === 1 ? parts[0]! : tf.addN(parts), dw, db];
      },
    };
  });
  return f(x, w, bias) as Tensor2D;
}

/**
 * Column-wise maximum of `x` `[T, N]` as `[1, N]`; the gradient goes to every maximal entry (as tfjs's Max),
 * computed without broadcasting (which the cpu backend runs per element with index arithmetic).
 */
function maxOverRows(x: Tensor2D): Tensor2D {
  const f = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const xx = args[0] as Tensor2D;
    const y = tf.reshape<tf.Rank.R2>(tf.max(xx, 0), [1, xx.shape[1]]);
    (args[1] as tf.GradSaveFunc)([xx, y]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sy] = saved as [Tensor2D, Tensor2D];
        const ones = tf.ones([sx.shape[0], 1]);
        return tf.mul(tf.matMul(ones, dy as Tensor2D), tf.cast(tf.equal(sx, tf.matMul(ones, sy)), 'float32'));
      },
    };
  });
  return f(x);
}

/**
 * `tf.concat(parts, 1)` of `[B, F]` blocks whose gradient is one matmul per block with a constant 0/1 selector
 * instead of SplitV (a per-element strided slice on the cpu backend).
 */
function concatColumns(parts: Tensor[]): Tensor2D {
  const widths = parts.map((p) => p.shape[1]!);
  const total = widths.reduce((a, b) => a + b, 0);
  const f = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const xs = args.slice(0, parts.length) as Tensor2D[];
    return {
      value: tf.concat(xs, 1),
      gradFunc: (dy: Tensor) => {
        let offset = 0;
        return widths.map((w) => {
          const sel = new Float32Array(total * w);
          for (let i = 0; i < w; i++) sel[(offset + i) * w + i] = 1;
          offset += w;
          return tf.matMul(dy, tf.tensor2d(sel, [total, w]));
        });
      },
    };
  });
  return f(...parts) as Tensor2D;
}

/**
 * A convolutional text encoder in the style of Kim (2014): int32 token ids `[batch, length]` (0 = padding) →
 * embeddings (padding rows zeroed) → for each kernel size k a 1-D convolution over time with `filters` outputs +
 * bias + activation → max over time → concatenation → dropout → optional MLP.
 *
 * Max pooling runs over the window positions that contain at least one non-padding token; padding tokens count as
 * zero vectors inside such windows (as zero padding in Kim 2014). A row without any token (all padding) pools to
 * zeros. Sequences shorter than the largest kernel size are padded on the right with id 0 up to it, so a row
 * shorter than k still has windows. The convolution is an unfold (k shifted slices concatenated) plus one matmul,
 * and the embedding gradient is a one-hot matmul, so it trains on the cpu and the wasm backends; memory per
 * forward pass is about `batch·length·(vocabSize + k·embeddingDim)` floats for the largest k.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { textCnnBackbone } from '@multitask/backbones';
 *
 * const backbone = textCnnBackbone({ vocabSize: 5000, embeddingDim: 32, kernelSizes: [3, 4, 5], filters: 16 });
 * const tokenIds = tf.tensor2d([[5, 17, 4000, 2, 9, 0], [8, 8, 1, 0, 0, 0]], [2, 6], 'int32');
 * const z = backbone.apply(tokenIds, { training: false }) as tf.Tensor; // [2, 48]
 * console.log(z.shape);
 * tf.dispose([tokenIds, z]);
 * backbone.dispose();
 * ```
 */
export function textCnnBackbone(options: TextCnnBackboneOptions): TextCnnBackbone {
  const part = 'text-cnn backbone';
  const vocabSize = checkPositiveInt('backbones', part, 'vocabSize', options.vocabSize);
  const embeddingDim = checkPositiveInt('backbones', part, 'embeddingDim', options.embeddingDim);
  const rawKernelSizes = options.kernelSizes ?? [3, 4, 5];
  if (!Array.isArray(rawKernelSizes) || rawKernelSizes.length === 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/backbones] ${part}: option "kernelSizes" must be a non-empty array of positive integers, got ` +
        `${JSON.stringify(rawKernelSizes)}.`,
      { details: { option: 'kernelSizes' } },
    );
  }
  const kernelSizes = rawKernelSizes.map((k, i) =>
    checkPositiveInt('backbones', part, `kernelSizes[${i}]`, k),
  );
  const filters = checkPositiveInt('backbones', part, 'filters', options.filters ?? 32);
  const units = checkWidths('backbones', part, 'units', options.units ?? []);
  const common = checkCommonOptions('backbones', part, options);
  const { activation, dropout, initializer, seed } = common;

  const rng = new Rng(seed);
  const table = makeEmbeddingTable(rng, vocabSize, embeddingDim);
  const banks: ConvBank[] = kernelSizes.map((k) => ({
    k,
    kernel: makeVariable(glorotUniform(rng, k * embeddingDim * filters, k * embeddingDim, k * filters), [
      k,
      embeddingDim,
      filters,
    ]),
    bias: makeVariable(new Float32Array(filters), [filters]),
  }));
  const tail = denseTail(rng, filters * kernelSizes.length, units, common);
  const maxK = Math.max(...kernelSizes);
  const variables: Variable[] = [table, ...banks.flatMap((b) => [b.kernel, b.bias]), ...tail.variables];

  return {
    name: 'text-cnn',
    outputSize: tail.outputSize,
    trainableVariables: variables,
    nonTrainableVariables: [],
    apply(inputs, context): Tensor {
      const ids = singleInput(part, inputs);
      if (ids.rank !== 2 || ids.shape[1] === 0) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/backbones] ${part} expects token ids of shape [batch, length] with length ≥ 1, got ` +
            `${shapeString(ids.shape)}.`,
          { details: { actual: ids.shape } },
        );
      }
      return tf.tidy(() => {
        const batch = ids.shape[0];
        // Time-major layout [L, B, …]: a window's rows are contiguous, so the slices below are cheap copies.
        let idsT = tf.transpose<Tensor2D>(tf.cast(ids, 'int32') as Tensor2D); // [L, B]
        if (idsT.shape[0] < maxK)
          idsT = tf.concat([idsT, tf.zeros([maxK - idsT.shape[0], batch], 'int32')], 0);
        const length = idsT.shape[0];
        const mask = tf.reshape<tf.Rank.R2>(tf.cast(tf.greater(idsT, 0), 'float32'), [length * batch, 1]);
        // Padding rows zeroed (mask spread to [L·B, E] by a matmul so the product needs no broadcasting).
        const x = tf.mul<Tensor2D>(
          embed(table as Tensor2D, tf.reshape<tf.Rank.R1>(idsT, [length * batch])),
          tf.matMul(mask, tf.ones([1, embeddingDim])),
        );
        const pooled = banks.map(({ k, kernel, bias }) => {
          const windows = length - k + 1;
          const w = tf.reshape<tf.Rank.R2>(kernel, [k * embeddingDim, filters]);
          const h = activate(convTimeMajor(x, w, bias, k, batch), activation); // [T·B, F]
          // A window is valid when it holds at least one token; invalid windows get −1e9 before the max.
          let valid = tf.slice(mask, [0, 0], [windows * batch, 1]);
          for (let j = 1; j < k; j++)
            valid = tf.maximum(valid, tf.slice(mask, [j * batch, 0], [windows * batch, 1]));
          const penalty = tf.matMul(tf.mul(tf.sub(valid, 1), 1e9), tf.ones([1, filters]));
          const max = maxOverRows(tf.reshape(tf.add(h, penalty), [windows, batch * filters])); // [1, B·F]
          const anyValid = tf.greater(
            tf.reshape(tf.max(tf.reshape(valid, [windows, batch]), 0), [batch, 1]),
            0,
          );
          const m = tf.reshape(max, [batch, filters]);
          return tf.where(anyValid, m, tf.zerosLike(m)); // rows without tokens: 0, not −1e9
        });
        const z = pooled.length === 1 ? pooled[0]! : concatColumns(pooled);
        return tail.apply(z, context, true);
      });
    },
    getConfig(): PartConfig {
      return {
        type: 'text-cnn',
        options: {
          vocabSize,
          embeddingDim,
          kernelSizes: [...kernelSizes],
          filters,
          activation,
          units: [...units],
          dropout,
          initializer,
          seed,
        },
      };
    },
    dispose(): void {
      disposeVariables(variables);
    },
  };
}
