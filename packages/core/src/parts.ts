/**
 * `@multitask/core/parts`: helpers for authors of backbones and heads — dense layers and their initializers,
 * activations, seeded dropout, and the option checks every part runs on its factory's options (each names the
 * package, the part and the option in its `INVALID_OPTION` error). Training code does not need them.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { Rng } from '@multitask/core';
 * import { applyDense, checkPositiveInt, disposeVariables, makeDense } from '@multitask/core/parts';
 *
 * const units = checkPositiveInt('my-heads', 'linear head', 'units', 3); // throws INVALID_OPTION naming "units"
 * const dense = makeDense(new Rng(1), 4, units);
 * const y = tf.tidy(() => applyDense(tf.ones([2, 4]), dense));
 * console.log(y.shape); // [2, 3]
 * y.dispose();
 * disposeVariables([dense.kernel, dense.bias]);
 * ```
 * @module @multitask/core/parts
 * @packageDocumentation
 */
export {
  ACTIVATIONS,
  INITIALIZERS,
  activate,
  makeVariable,
  glorotUniform,
  uniformValues,
  makeDense,
  makeDenseLayers,
  applyDense,
  applyDenseLayers,
  maybeDropout,
  checkPositiveInt,
  checkRate,
  checkActivation,
  checkInitializer,
  checkWidths,
  checkCommonOptions,
  checkSeed,
  disposeVariables,
  toRows,
} from './layers.ts';
export type {
  Activation,
  CommonPartOptions,
  Dense,
  Initializer,
  ResolvedCommonPartOptions,
} from './layers.ts';
