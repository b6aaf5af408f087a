/**
 * Multi-task weighting strategies: loss weighting, Gramian weighting and Jacobian aggregation.
 * @packageDocumentation
 */

// --- loss weighting (owner: loss-weighting helper) ---
export { staticWeighting } from './static-weighting.ts';
export type { StaticWeightingOptions } from './static-weighting.ts';
// --- end loss weighting ---

// --- gramian / jacobian (owner: gramian helper) ---
// --- end gramian / jacobian ---

export { builtinWeightings } from './builtins.ts';
export type { BuiltinWeightingFactory } from './builtins.ts';
