/**
 * The body every head shares: an optional hidden stack (dense → activation → dropout) and an output dense
 * layer, built immediately when the input size is known and on the first call otherwise. Internal.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import {
  MultitaskError,
  Rng,
  type ForwardContext,
  type Head,
  type JsonValue,
  type PartConfig,
} from '@multitask/core';
import {
  applyDense,
  applyDenseLayers,
  checkCommonOptions,
  checkPositiveInt,
  checkWidths,
  disposeVariables,
  makeDenseLayers,
  maybeDropout,
  type Activation,
  type Dense,
  type Initializer,
} from '@multitask/core/parts';

/** Options every head accepts. */
export interface StackOptions {
  /** Size of the representation (last axis). Default: taken from the first representation the head sees. */
  readonly inputSize?: number;
  /** Widths of hidden layers between the representation and the output layer. Default `[]`. */
  readonly hidden?: readonly number[];
  /** Activation of the hidden layers. Default `'relu'`. */
  readonly activation?: Activation;
  /** Dropout rate applied to the head's input and after each hidden layer while training, in [0, 1). Default 0. */
  readonly dropout?: number;
  /**
   * How the dense weights start: `'glorot-uniform'` (default), `'he-uniform'`, `'lecun-uniform'` or `'pytorch'`
   * (PyTorch's `nn.Linear` default); see core's `Initializer`.
   */
  readonly initializer?: Initializer;
  /** Seed of the initial weights (and of dropout when the caller hands no seed stream). Default 1. */
  readonly seed?: number;
}

/** The resolved common options, as they go into a config. */
export interface ResolvedStack {
  readonly hidden: number[];
  readonly activation: Activation;
  readonly dropout: number;
  readonly initializer: Initializer;
  readonly seed: number;
}

/** A lazily built dense stack. */
export interface DenseStack {
  readonly options: ResolvedStack;
  readonly inputSize: number | undefined;
  readonly variables: readonly Variable[];
  apply(x: Tensor, context: ForwardContext): Tensor;
  /** Creates the variables for representations of `size` features, if not created yet. */
  build(size: number): void;
  dispose(): void;
}

/** Validates the common options. */
export function resolveStack(
  part: string,
  options: StackOptions,
): ResolvedStack & { inputSize: number | undefined } {
  const inputSize =
    options.inputSize === undefined
      ? undefined
      : checkPositiveInt('heads', part, 'inputSize', options.inputSize);
  const hidden = checkWidths('heads', part, 'hidden', options.hidden ?? []);
  return { inputSize, hidden, ...checkCommonOptions('heads', part, options) };
}

/** Creates the stack; `describe()` names the head in error messages. */
export function denseStack(
  part: string,
  resolved: ResolvedStack & { inputSize: number | undefined },
  outputSize: number,
): DenseStack {
  const { hidden, activation, dropout, initializer, seed } = resolved;
  let inputSize = resolved.inputSize;
  let layers: Dense[] | undefined;
  let variables: Variable[] = [];
  let dropoutRng: Rng | undefined;
  let disposed = false;
  const build = (size: number): void => {
    const rng = new Rng(seed);
    const built = makeDenseLayers(rng, size, [...hidden, outputSize], initializer);
    dropoutRng = rng.fork();
    layers = built;
    inputSize = size;
    variables = built.flatMap((l) => [l.kernel, l.bias]);
  };
  if (inputSize !== undefined) build(inputSize);
  return {
    options: { hidden, activation, dropout, initializer, seed },
    get inputSize() {
      return inputSize;
    },
    get variables() {
      return variables;
    },
    build(size) {
      if (layers === undefined) build(size);
    },
    apply(x, context) {
      if (disposed) {
        throw new MultitaskError(
          'INVALID_CONFIG',
          `[@multitask/heads] ${part} was disposed — build a new head.`,
        );
      }
      const size = x.shape[x.rank - 1];
      if (x.rank < 2 || size === undefined || (inputSize !== undefined && size !== inputSize)) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/heads] ${part} expects a representation of shape [batch, ${inputSize ?? 'n'}], got ` +
            `[${x.shape.join(', ')}] — set the head's inputSize to the backbone's outputSize (or leave it unset).`,
          { details: { expected: inputSize, actual: x.shape } },
        );
      }
      if (layers === undefined) build(size);
      const built = layers!;
      return tf.tidy(() => {
        const h = maybeDropout(x, dropout, context, dropoutRng!);
        const hiddenOut = applyDenseLayers(h, built.slice(0, -1), activation, dropout, context, dropoutRng!);
        return applyDense(hiddenOut, built[built.length - 1]!);
      });
    },
    dispose() {
      disposed = true;
      disposeVariables(variables);
    },
  };
}

/**
 * The head object every factory returns around a stack: `name`, `outputSize`, the lazily known `inputSize`,
 * variables, `apply`, `build`, `getConfig` (type `name`, the head's own `configOptions` plus the stack's options)
 * and `dispose`, with the head's own read-only `fields` added.
 */
export function stackHead<N extends string, F extends object>(
  stack: DenseStack,
  name: N,
  outputSize: number,
  fields: F,
  configOptions: { readonly [key: string]: JsonValue },
): Head & { readonly name: N; readonly outputSize: number } & F {
  const head = {
    name,
    outputSize,
    // Undefined until the first representation is seen when the option was left unset (same as absent).
    get inputSize(): number {
      return stack.inputSize!;
    },
    get trainableVariables(): readonly Variable[] {
      return stack.variables;
    },
    apply: (representation: Tensor, context: ForwardContext) => stack.apply(representation, context),
    build: (inputSize: number) => {
      stack.build(inputSize);
    },
    getConfig(): PartConfig {
      const { hidden, activation, dropout, initializer, seed } = stack.options;
      return {
        type: name,
        options: {
          ...(stack.inputSize === undefined ? {} : { inputSize: stack.inputSize }),
          ...configOptions,
          hidden,
          activation,
          dropout,
          initializer,
          seed,
        },
      };
    },
    dispose: () => {
      stack.dispose();
    },
  };
  return Object.assign(head, fields);
}
