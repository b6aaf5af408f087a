/**
 * Small building blocks for parts (backbones and heads): seeded initializers, dense layers, activations, dropout
 * that draws its seed from the forward context, and option checks with errors naming the part and option.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ForwardContext } from './backbone.ts';
import { MultitaskError } from './errors.ts';
import type { Rng } from './random.ts';

/** Activation functions every factory accepts. */
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'leaky-relu' | 'linear';

/** Every supported activation name. */
export const ACTIVATIONS: readonly Activation[] = [
  'relu',
  'tanh',
  'sigmoid',
  'elu',
  'selu',
  'leaky-relu',
  'linear',
];

/** Applies an activation. */
export function activate(x: Tensor, activation: Activation): Tensor {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
    case 'selu':
      return tf.selu(x);
    case 'leaky-relu':
      return tf.leakyRelu(x, 0.2);
    case 'linear':
      return x;
  }
}

/** A new variable holding `values` (the temporary tensor is freed). */
export function makeVariable(values: Float32Array, shape: number[], trainable = true): Variable {
  const t = tf.tensor(values, shape, 'float32');
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

/** `size` values from U(−limit, limit), drawn in order from `rng`. */
export function uniformValues(rng: Rng, size: number, limit: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rng.next() * 2 - 1) * limit;
  return out;
}

/** Glorot (Xavier) uniform values: U(−l, l), l = √(6 / (fanIn + fanOut)), drawn from `rng`. */
export function glorotUniform(rng: Rng, size: number, fanIn: number, fanOut: number): Float32Array {
  return uniformValues(rng, size, Math.sqrt(6 / (fanIn + fanOut)));
}

/**
 * How a dense layer's weights start (`fanIn` = input size, `fanOut` = units):
 * - `'glorot-uniform'` (the default, as in Keras): kernel U(−l, l), l = √(6 / (fanIn + fanOut)); zero bias.
 * - `'he-uniform'`: kernel U(−l, l), l = √(6 / fanIn); zero bias.
 * - `'lecun-uniform'`: kernel U(−l, l), l = √(3 / fanIn); zero bias.
 * - `'pytorch'`: PyTorch's `nn.Linear` default — kernel and bias U(−l, l), l = 1 / √fanIn.
 */
export type Initializer = 'glorot-uniform' | 'he-uniform' | 'lecun-uniform' | 'pytorch';

/** Every supported initializer name. */
export const INITIALIZERS: readonly Initializer[] = [
  'glorot-uniform',
  'he-uniform',
  'lecun-uniform',
  'pytorch',
];

/** A dense layer's variables. */
export interface Dense {
  /** `[inputSize, units]` */
  readonly kernel: Variable;
  /** `[units]` */
  readonly bias: Variable;
}

/**
 * Creates a dense layer, its weights drawn from `rng` by `initializer` (default Glorot-uniform kernel, zero
 * bias; see {@link Initializer}).
 */
export function makeDense(
  rng: Rng,
  inputSize: number,
  units: number,
  initializer: Initializer = 'glorot-uniform',
): Dense {
  const size = inputSize * units;
  let kernel: Float32Array;
  let bias: Float32Array = new Float32Array(units);
  switch (initializer) {
    case 'glorot-uniform':
      kernel = glorotUniform(rng, size, inputSize, units);
      break;
    case 'he-uniform':
      kernel = uniformValues(rng, size, Math.sqrt(6 / inputSize));
      break;
    case 'lecun-uniform':
      kernel = uniformValues(rng, size, Math.sqrt(3 / inputSize));
      break;
    case 'pytorch':
      kernel = uniformValues(rng, size, 1 / Math.sqrt(inputSize));
      bias = uniformValues(rng, units, 1 / Math.sqrt(inputSize));
      break;
  }
  return { kernel: makeVariable(kernel, [inputSize, units]), bias: makeVariable(bias, [units]) };
}

/** Dense layers `inputSize → units[0] → units[1] → …` (none for empty `units`), drawn in order from `rng`. */
export function makeDenseLayers(
  rng: Rng,
  inputSize: number,
  units: readonly number[],
  initializer: Initializer = 'glorot-uniform',
): Dense[] {
  const layers: Dense[] = [];
  let n = inputSize;
  for (const u of units) {
    layers.push(makeDense(rng, n, u, initializer));
    n = u;
  }
  return layers;
}

/** Runs `dense → activation → dropout` for each layer (dropout as in {@link maybeDropout}). */
export function applyDenseLayers(
  x: Tensor,
  layers: readonly Dense[],
  activation: Activation,
  dropout: number,
  context: ForwardContext,
  fallback: Rng,
): Tensor {
  let h = x;
  for (const l of layers)
    h = maybeDropout(activate(applyDense(h, l), activation), dropout, context, fallback);
  return h;
}

/** `x·W + b` for `x` of shape `[…, inputSize]`. */
export function applyDense(x: Tensor, dense: Dense): Tensor {
  if (x.rank === 2) return tf.add(tf.matMul(x as tf.Tensor2D, dense.kernel as tf.Tensor2D), dense.bias);
  const lead = x.shape.slice(0, -1);
  const flat = tf.reshape<tf.Rank.R2>(x, [-1, x.shape[x.rank - 1]!]);
  const y = tf.add(tf.matMul(flat, dense.kernel as tf.Tensor2D), dense.bias);
  return tf.reshape(y, [...lead, dense.kernel.shape[1]!]);
}

/**
 * Dropout with a seed drawn from the pass's seed stream (or from the part's own generator when the caller
 * gave none), active only while training.
 */
export function maybeDropout(x: Tensor, rate: number, context: ForwardContext, fallback: Rng): Tensor {
  if (!context.training || rate <= 0) return x;
  const seed = context.seeds ? context.seeds.next() : fallback.opSeed();
  return tf.dropout(x, rate, undefined, seed);
}

/** Throws `INVALID_OPTION` unless `value` is a positive integer. */
export function checkPositiveInt(pkg: string, part: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/${pkg}] ${part}: option "${option}" must be a positive integer, got ${JSON.stringify(value)}.`,
      { details: { option } },
    );
  }
  return value;
}

/** Throws `INVALID_OPTION` unless `value` is in [0, 1). */
export function checkRate(pkg: string, part: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/${pkg}] ${part}: option "${option}" must be a number in [0, 1), got ${JSON.stringify(value)}.`,
      { details: { option } },
    );
  }
  return value;
}

/** Throws `INVALID_OPTION` unless `value` is a known activation. */
export function checkActivation(pkg: string, part: string, option: string, value: unknown): Activation {
  if (!ACTIVATIONS.includes(value as Activation)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/${pkg}] ${part}: option "${option}" must be one of ${ACTIVATIONS.join(', ')}, got ` +
        `${JSON.stringify(value)}.`,
      { details: { option } },
    );
  }
  return value as Activation;
}

/** Throws `INVALID_OPTION` unless `value` is a known initializer. */
export function checkInitializer(pkg: string, part: string, option: string, value: unknown): Initializer {
  if (!INITIALIZERS.includes(value as Initializer)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/${pkg}] ${part}: option "${option}" must be one of ${INITIALIZERS.join(', ')}, got ` +
        `${JSON.stringify(value)}.`,
      { details: { option } },
    );
  }
  return value as Initializer;
}

/** Throws `INVALID_OPTION` unless `value` is a finite number (the seed). */
export function checkSeed(pkg: string, part: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/${pkg}] ${part}: option "seed" must be a finite number, got ${JSON.stringify(value)}.`,
      { details: { option: 'seed' } },
    );
  }
  return value;
}

/**
 * Throws `INVALID_OPTION` unless `value` is an array of positive integers (layer widths) with at least `minLength`
 * entries; each bad entry is named (`units[1]`). Pass `options.units ?? []` for an optional list.
 */
export function checkWidths(
  pkg: string,
  part: string,
  option: string,
  value: unknown,
  minLength = 0,
): number[] {
  if (!Array.isArray(value) || value.length < minLength) {
    const what =
      minLength > 0
        ? `list at least ${minLength} positive integer${minLength > 1 ? 's' : ''}`
        : 'be an array of positive integers';
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/${pkg}] ${part}: option "${option}" must ${what} (layer widths), got ${JSON.stringify(value)}.`,
      {
        details: { option },
      },
    );
  }
  return value.map((u, i) => checkPositiveInt(pkg, part, `${option}[${i}]`, u));
}

/** The options every part with dense layers takes, as given. */
export interface CommonPartOptions {
  /** Activation of the dense layers. Default `'relu'`. */
  readonly activation?: Activation;
  /** Dropout rate while training, in [0, 1). Default 0. */
  readonly dropout?: number;
  /** How the dense weights start. Default `'glorot-uniform'`. */
  readonly initializer?: Initializer;
  /** Seed of the initial weights (and of dropout when the caller hands no seed stream). Default 1. */
  readonly seed?: number;
}

/** {@link CommonPartOptions} checked and with their defaults. */
export interface ResolvedCommonPartOptions {
  /** The activation. */
  readonly activation: Activation;
  /** The dropout rate. */
  readonly dropout: number;
  /** The initializer. */
  readonly initializer: Initializer;
  /** The seed. */
  readonly seed: number;
}

/** Checks `activation`, `dropout`, `initializer` and `seed`, with errors naming the part and the option. */
export function checkCommonOptions(
  pkg: string,
  part: string,
  options: CommonPartOptions,
): ResolvedCommonPartOptions {
  return {
    activation: checkActivation(pkg, part, 'activation', options.activation ?? 'relu'),
    dropout: checkRate(pkg, part, 'dropout', options.dropout ?? 0),
    initializer: checkInitializer(pkg, part, 'initializer', options.initializer ?? 'glorot-uniform'),
    seed: checkSeed(pkg, part, options.seed ?? 1),
  };
}

/** Disposes variables (each once). */
export function disposeVariables(vars: readonly Variable[]): void {
  for (const v of new Set(vars)) if (!v.isDisposed) v.dispose();
}

/**
 * Reshapes `x` to `[batch, features]` and checks the feature count, throwing `SHAPE_MISMATCH` that names the
 * part otherwise.
 */
export function toRows(pkg: string, part: string, x: Tensor, expected: number): tf.Tensor2D {
  const features = x.rank === 0 ? 0 : x.shape.slice(1).reduce((a, b) => a * b, 1);
  if (x.rank < 2 || features !== expected) {
    throw new MultitaskError(
      'SHAPE_MISMATCH',
      `[@multitask/${pkg}] ${part} expects inputs of shape [batch, ${expected}], got [${x.shape.join(', ')}] — ` +
        `set its inputSize to the number of features per row.`,
      { details: { expected, actual: x.shape } },
    );
  }
  return (x.rank === 2 ? x : tf.reshape(x, [x.shape[0], expected])) as tf.Tensor2D;
}
