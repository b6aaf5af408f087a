import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import {
  type Backbone,
  isTensorLike,
  MultitaskError,
  type PartConfig,
  Rng,
  shapeString,
} from '@multitask/core';
import {
  type Activation,
  checkCommonOptions,
  checkPositiveInt,
  checkWidths,
  disposeVariables,
  type Initializer,
} from '@multitask/core/parts';
import { denseTail } from './internal/dense-tail.ts';
import { embed, makeEmbeddingTable } from './internal/embedding.ts';

/** One categorical column of {@link tabularBackbone}. */
export interface CategoricalColumn {
  /** Number of categories; values are integers in `[0, cardinality)`. */
  readonly cardinality: number;
  /** Embedding size. Default `min(16, ⌈cardinality/2⌉ + 1)`. */
  readonly dim?: number;
}

/** Options of {@link tabularBackbone}. */
export interface TabularBackboneOptions {
  /** Number of numeric features (input `numeric`, float32 `[batch, numericSize]`); 0 for none. */
  readonly numericSize: number;
  /** The categorical columns (input `categorical`, int32 `[batch, columns]`), in column order. */
  readonly categorical?: readonly CategoricalColumn[];
  /** Hidden widths of the MLP on `[numeric, embeddings…]`; the last is the representation size. */
  readonly units: readonly number[];
  /** Activation of the MLP layers. Default `'relu'`. */
  readonly activation?: Activation;
  /** Dropout rate after each MLP layer while training. Default 0. */
  readonly dropout?: number;
  /**
   * How the dense (MLP) weights start: `'glorot-uniform'` (default), `'he-uniform'`, `'lecun-uniform'` or
   * `'pytorch'`; see core's `Initializer`.
   */
  readonly initializer?: Initializer;
  /** Seed of the initial weights (and of dropout when the caller hands no seed stream). Default 1. */
  readonly seed?: number;
}

/** The backbone returned by {@link tabularBackbone}. */
export interface TabularBackbone extends Backbone {
  /** Always `"tabular"`. */
  readonly name: 'tabular';
  /** The representation size. */
  readonly outputSize: number;
  /** `['numeric', 'categorical']` (or the one that is used). */
  readonly inputNames: readonly string[];
}

/**
 * A trunk for tables: an embedding per categorical column, concatenated with the numeric features, then an MLP.
 * Named inputs `numeric` (float32 `[batch, numericSize]`) and `categorical` (int32 `[batch, columns]`).
 * Embedding gradients are one-hot matmuls, so it trains on the wasm backend.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { tabularBackbone } from '@multitask/backbones';
 *
 * const backbone = tabularBackbone({ numericSize: 6, categorical: [{ cardinality: 9 }, { cardinality: 16, dim: 4 }], units: [32] });
 * const numeric = tf.randomNormal([2, 6]);
 * const categorical = tf.tensor2d([[3, 15], [0, 2]], [2, 2], 'int32'); // one column per categorical feature
 * const z = backbone.apply({ numeric, categorical }, { training: false }) as tf.Tensor; // [2, 32]
 * console.log(z.shape);
 * tf.dispose([numeric, categorical, z]);
 * backbone.dispose();
 * ```
 */
export function tabularBackbone(options: TabularBackboneOptions): TabularBackbone {
  const part = 'tabular backbone';
  const numericSize = options.numericSize;
  if (!Number.isInteger(numericSize) || numericSize < 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/backbones] ${part}: option "numericSize" must be an integer ≥ 0, got ${numericSize}.`,
      {
        details: { option: 'numericSize' },
      },
    );
  }
  const columns = (options.categorical ?? []).map((c, i) => {
    const cardinality = checkPositiveInt('backbones', part, `categorical[${i}].cardinality`, c.cardinality);
    const dim = checkPositiveInt(
      'backbones',
      part,
      `categorical[${i}].dim`,
      c.dim ?? Math.min(16, Math.ceil(cardinality / 2) + 1),
    );
    return { cardinality, dim };
  });
  if (numericSize === 0 && columns.length === 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/backbones] ${part}: give numeric features, categorical columns, or both.`,
      {
        details: { option: 'numericSize' },
      },
    );
  }
  const units = checkWidths('backbones', part, 'units', options.units);
  const common = checkCommonOptions('backbones', part, options);
  const { activation, dropout, initializer, seed } = common;
  const rng = new Rng(seed);
  const tables = columns.map((c) => makeEmbeddingTable(rng, c.cardinality, c.dim));
  const features = numericSize + columns.reduce((s, c) => s + c.dim, 0);
  const tail = denseTail(rng, features, units, common);
  const inputNames = [
    ...(numericSize > 0 ? ['numeric'] : []),
    ...(columns.length > 0 ? ['categorical'] : []),
  ];
  const variables: Variable[] = [...tables, ...tail.variables];
  const check = (name: string, t: Tensor | undefined, width: number): Tensor => {
    if (t?.rank !== 2 || t.shape[1] !== width) {
      throw new MultitaskError(
        'SHAPE_MISMATCH',
        `[@multitask/backbones] ${part}: input "${name}" must have shape [batch, ${width}], got ` +
          `${t === undefined ? 'nothing' : shapeString(t.shape)}.`,
        { details: { input: name } },
      );
    }
    return t;
  };
  return {
    name: 'tabular',
    outputSize: tail.outputSize,
    inputNames,
    trainableVariables: variables,
    nonTrainableVariables: [],
    apply(inputs, context): Tensor {
      if (isTensorLike(inputs)) {
        throw new MultitaskError(
          'INVALID_DATA',
          `[@multitask/backbones] ${part} takes named inputs (${inputNames.join(', ')}), got one tensor.`,
        );
      }
      const unknown = Object.keys(inputs).filter((k) => !inputNames.includes(k));
      if (unknown.length > 0) {
        throw new MultitaskError(
          'INVALID_DATA',
          `[@multitask/backbones] ${part}: unknown inputs ${unknown.join(', ')} (expects ${inputNames.join(', ')}).`,
          {
            details: { unknown: unknown.join(',') },
          },
        );
      }
      const numeric = numericSize > 0 ? check('numeric', inputs.numeric, numericSize) : undefined;
      const categorical =
        columns.length > 0 ? check('categorical', inputs.categorical, columns.length) : undefined;
      return tf.tidy(() => {
        const parts: Tensor[] = [];
        if (numeric) parts.push(tf.cast(numeric, 'float32'));
        if (categorical) {
          const cols = tf.split(tf.cast(categorical, 'int32'), columns.length, 1);
          cols.forEach((c, i) =>
            parts.push(tf.reshape(embed(tables[i] as Tensor2D, c), [-1, columns[i]!.dim])),
          );
        }
        const h = parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
        return tail.apply(h, context);
      });
    },
    getConfig(): PartConfig {
      return {
        type: 'tabular',
        options: {
          numericSize,
          categorical: columns.map((c) => ({ ...c })),
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
