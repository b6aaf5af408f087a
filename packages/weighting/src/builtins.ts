import type { WeightingStrategy } from '@multitask/core';
import { staticWeighting } from './static-weighting.ts';

/** A factory of a built-in strategy, taking its options object (all options optional). */
export type BuiltinWeightingFactory = (options?: never) => WeightingStrategy;

/**
 * Every built-in strategy factory keyed by its kebab-case name. Importing factories by name tree-shakes better;
 * this map is for configs that name strategies as strings.
 */
export const builtinWeightings = {
  // --- loss weighting ---
  static: staticWeighting,
  // --- gramian / jacobian ---
} as const satisfies Record<string, BuiltinWeightingFactory>;
