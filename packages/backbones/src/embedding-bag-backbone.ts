import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { type Backbone, MultitaskError, type PartConfig, Rng, shapeString } from '@multitask/core';
import {
  type Activation,
  checkCommonOptions,
  checkPositiveInt,
  checkWidths,
  disposeVariables,
  type Initializer,
} from '@multitask/core/parts';
import { embed, makeEmbeddingTable } from './internal/embedding.ts';
import { denseTail } from './internal/dense-tail.ts';
import { singleInput } from './internal/single-input.ts';

/** Options of {@link embeddingBagBackbone}. */
export interface EmbeddingBagBackboneOptions {
  /** Number of distinct token ids; ids are integers in `[0, vocabSize)`, and id 0 is padding (ignored). */
  readonly vocabSize: number;
  /** Size of each token embedding. */
  readonly embeddingDim: number;
  /** How the embeddings of a row's tokens are pooled. Default `'mean'` (over non-padding tokens). */
  readonly pooling?: 'mean' | 'sum' | 'max';
  /** Hidden widths of an MLP applied after pooling. Default `[]` (the pooled embedding is the representation). */
  readonly units?: readonly number[];
  /** Activation of the MLP layers. Default `'relu'`. */
  readonly activation?: Activation;
  /** Dropout rate after pooling and each MLP layer while training. Default 0. */
  readonly dropout?: number;
  /**
   * How the dense (MLP) weights start: `'glorot-uniform'` (default), `'he-uniform'`, `'lecun-uniform'` or
   * `'pytorch'`; see core's `Initializer`.
   */
  readonly initializer?: Initializer;
  /** Seed of the initial weights (and of dropout when the caller hands no seed stream). Default 1. */
  readonly seed?: number;
}

/** The backbone returned by {@link embeddingBagBackbone}. */
export interface EmbeddingBagBackbone extends Backbone {
  /** Always `"embedding-bag"`. */
  readonly name: 'embedding-bag';
  /** The representation size. */
  readonly outputSize: number;
}

/**
 * A bag-of-embeddings trunk for token sequences: int32 ids `[batch, length]` (0 = padding) → embeddings →
 * masked mean/sum/max over the sequence → optional MLP. The embedding gradient is a one-hot matmul, so it trains
 * on the wasm backend (which lacks the gather gradient); it allocates `batch·length × vocabSize` floats, so keep
 * vocabularies moderate (≲ 20 000) or batches small.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { embeddingBagBackbone } from '@multitask/backbones';
 *
 * const backbone = embeddingBagBackbone({ vocabSize: 5000, embeddingDim: 32, units: [32] });
 * const tokenIds = tf.tensor2d([[12, 7, 4999, 0], [3, 3, 1, 0]], [2, 4], 'int32'); // 0 = padding
 * const z = backbone.apply(tokenIds, { training: false }) as tf.Tensor; // [2, 32]
 * console.log(z.shape);
 * tf.dispose([tokenIds, z]);
 * backbone.dispose();
 * ```
 */
export function embeddingBagBackbone(options: EmbeddingBagBackboneOptions): EmbeddingBagBackbone {
  const part = 'embedding-bag backbone';
  const vocabSize = checkPositiveInt('backbones', part, 'vocabSize', options.vocabSize);
  const embeddingDim = checkPositiveInt('backbones', part, 'embeddingDim', options.embeddingDim);
  const pooling = options.pooling ?? 'mean';
  if (!['mean', 'sum', 'max'].includes(pooling)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/backbones] ${part}: option "pooling" must be mean, sum or max, got ${JSON.stringify(pooling)}.`,
      {
        details: { option: 'pooling' },
      },
    );
  }
  const units = checkWidths('backbones', part, 'units', options.units ?? []);
  const common = checkCommonOptions('backbones', part, options);
  const { activation, dropout, initializer, seed } = common;
  const rng = new Rng(seed);
  const table = makeEmbeddingTable(rng, vocabSize, embeddingDim);
  const tail = denseTail(rng, embeddingDim, units, common);
  const variables: Variable[] = [table, ...tail.variables];
  return {
    name: 'embedding-bag',
    outputSize: tail.outputSize,
    trainableVariables: variables,
    nonTrainableVariables: [],
    apply(inputs, context): Tensor {
      const ids = singleInput(part, inputs);
      if (ids.rank !== 2) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/backbones] ${part} expects token ids of shape [batch, length], got ${shapeString(ids.shape)}.`,
          { details: { actual: ids.shape } },
        );
      }
      return tf.tidy(() => {
        const e = embed(table as Tensor2D, ids); // [B, L, D]
        const mask = tf.expandDims(tf.cast(tf.greater(ids, 0), 'float32'), 2); // [B, L, 1]
        let pooled: Tensor;
        if (pooling === 'max') {
          pooled = tf.max(tf.add(tf.mul(e, mask), tf.mul(tf.sub(mask, 1), 1e9)), 1);
          pooled = tf.where(tf.greater(tf.sum(mask, 1), 0), pooled, tf.zerosLike(pooled));
        } else {
          pooled = tf.sum(tf.mul(e, mask), 1);
          if (pooling === 'mean') pooled = tf.div(pooled, tf.maximum(tf.sum(mask, 1), 1));
        }
        return tail.apply(pooled, context, true);
      });
    },
    getConfig(): PartConfig {
      return {
        type: 'embedding-bag',
        options: {
          vocabSize,
          embeddingDim,
          pooling,
          units: [...units],
          activation,
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
