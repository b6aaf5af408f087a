/**
 * `@multitask/core/parts`: helpers for authors of backbones and heads — dense layers and their initializers,
 * activations, seeded dropout, and the option checks every part runs on its factory's options (each names the
 * package, the part and the option in its `INVALID_OPTION` error). Training code does not need them.
 *
 * @example
 * ```ts
 * import { checkPositiveInt, makeDense, applyDense } from '@multitask/core/parts';
 * const units = checkPositiveInt('my-heads', 'linear head', 'units', options.units);
 * const dense = makeDense(new Rng(seed), inputSize, units);
 * ```
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
