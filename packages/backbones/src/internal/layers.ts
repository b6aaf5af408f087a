/** The part-building blocks now live in @multitask/core (shared with the other part packages). */
export {
  ACTIVATIONS,
  activate,
  makeVariable,
  glorotUniform,
  makeDense,
  applyDense,
  maybeDropout,
  checkPositiveInt,
  checkRate,
  checkActivation,
  checkSeed,
  disposeVariables,
  toRows,
} from '@multitask/core';
export type { Activation, Dense } from '@multitask/core';
