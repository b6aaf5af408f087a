import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { type Backbone, type Inputs, type PartConfig, Rng } from '@multitask/core';
import {
  type Activation,
  checkCommonOptions,
  checkPositiveInt,
  checkWidths,
  disposeVariables,
  type Initializer,
  toRows,
} from '@multitask/core/parts';
import { denseTail } from './internal/dense-tail.ts';
import { singleInput } from './internal/single-input.ts';

/** Options of {@link mlpBackbone}. */
export interface MlpBackboneOptions {
  /** Number of input features per row (inputs of shape `[batch, inputSize]`, or any shape that flattens to it). */
  readonly inputSize: number;
  /** Width of each hidden layer, in order; the last one is the representation size. `[]` passes inputs through. */
  readonly units: readonly number[];
  /** Activation after every layer. Default `'relu'`. */
  readonly activation?: Activation;
  /** Dropout rate after every layer while training, in [0, 1). Default 0. */
  readonly dropout?: number;
  /**
   * How the dense weights start: `'glorot-uniform'` (default), `'he-uniform'`, `'lecun-uniform'` or `'pytorch'`
   * (PyTorch's `nn.Linear` default); see core's `Initializer`.
   */
  readonly initializer?: Initializer;
  /** Seed of the initial weights (and of dropout when the caller hands no seed stream). Default 1. */
  readonly seed?: number;
}

/** The backbone returned by {@link mlpBackbone}. */
export interface MlpBackbone extends Backbone {
  /** Always `"mlp"`. */
  readonly name: 'mlp';
  /** Size of the representation (the last of `units`, or `inputSize` when there are none). */
  readonly outputSize: number;
}

/**
 * A multi-layer perceptron trunk: `dense → activation → dropout` per entry of `units` (hard sharing).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { mlpBackbone } from '@multitask/backbones';
 *
 * const backbone = mlpBackbone({ inputSize: 784, units: [256, 128], dropout: 0.1, seed: 7 });
 * const x = tf.randomNormal([4, 784]);
 * const z = backbone.apply(x, { training: false }) as tf.Tensor; // [4, 128]
 * console.log(z.shape);
 * tf.dispose([x, z]);
 * backbone.dispose();
 * ```
 */
export function mlpBackbone(options: MlpBackboneOptions): MlpBackbone {
  const part = 'mlp backbone';
  const inputSize = checkPositiveInt('backbones', part, 'inputSize', options.inputSize);
  const units = checkWidths('backbones', part, 'units', options.units);
  const common = checkCommonOptions('backbones', part, options);
  const { activation, dropout, initializer, seed } = common;
  const tail = denseTail(new Rng(seed), inputSize, units, common);
  const variables: Variable[] = tail.variables;
  return {
    name: 'mlp',
    outputSize: tail.outputSize,
    trainableVariables: variables,
    nonTrainableVariables: [],
    apply(inputs: Inputs, context): Tensor {
      const x = singleInput(part, inputs);
      return tf.tidy(() => tail.apply(toRows('backbones', part, x, inputSize), context));
    },
    getConfig(): PartConfig {
      return {
        type: 'mlp',
        options: { inputSize, units: [...units], activation, dropout, initializer, seed },
      };
    },
    dispose(): void {
      disposeVariables(variables);
    },
  };
}
