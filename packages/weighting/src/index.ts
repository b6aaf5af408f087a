/**
 * Multi-task weighting strategies: loss weighting, Gramian weighting and Jacobian aggregation.
 *
 * Guides: [Getting started](../../../docs/guides/getting-started.md) ·
 * [How the trainer computes a step](../../../docs/guides/training.md) ·
 * [Backbones, sharing schemes and heads](../../../docs/guides/backbones-and-heads.md).
 * @module @multitask/weighting
 * @packageDocumentation
 */

// --- loss weighting (owner: loss-weighting helper) ---
export { staticWeighting } from './static-weighting.ts';
export type { StaticWeightingOptions } from './static-weighting.ts';
export { uncertaintyWeighting } from './uncertainty-weighting.ts';
export type { UncertaintyWeighting, UncertaintyWeightingOptions } from './uncertainty-weighting.ts';
export { dynamicWeightAverage } from './dynamic-weight-average.ts';
export type { DynamicWeightAverageOptions } from './dynamic-weight-average.ts';
export { randomLossWeighting } from './random-loss-weighting.ts';
export { geometricLossWeighting } from './geometric-loss-weighting.ts';
export type { GeometricLossWeightingOptions } from './geometric-loss-weighting.ts';
export { famoWeighting } from './famo-weighting.ts';
export type { FamoWeighting, FamoWeightingOptions } from './famo-weighting.ts';
export { gradNormWeighting } from './grad-norm-weighting.ts';
export type { GradNormWeighting, GradNormWeightingOptions } from './grad-norm-weighting.ts';
// --- end loss weighting ---

// --- gramian / jacobian (owner: gramian helper) ---
export { mgdaWeighting, mgdaWeightsFromGramian } from './mgda-weighting.ts';
export type { MgdaNormalization, MgdaWeightingOptions } from './mgda-weighting.ts';
export { pcgradWeighting, pcgradWeightsFromGramian } from './pcgrad-weighting.ts';
export type { PcgradWeightingOptions } from './pcgrad-weighting.ts';
export { cagradWeighting, cagradWeightsFromGramian } from './cagrad-weighting.ts';
export type { CagradWeightingOptions } from './cagrad-weighting.ts';
export { imtlGWeighting, imtlGWeightsFromGramian } from './imtl-g-weighting.ts';
export { alignedMtlWeighting, alignedMtlWeightsFromGramian } from './aligned-mtl-weighting.ts';
export type { AlignedMtlWeightingOptions } from './aligned-mtl-weighting.ts';
export { upgradWeighting, upgradWeightsFromGramian } from './upgrad-weighting.ts';
export type { UpgradWeightingOptions } from './upgrad-weighting.ts';
export { dualprojWeighting, dualprojWeightsFromGramian } from './dualproj-weighting.ts';
export type { DualprojWeightingOptions } from './dualproj-weighting.ts';
export { nashMtlWeighting, nashMtlWeightsFromGramian } from './nash-mtl-weighting.ts';
export type { NashMtlWeightingOptions } from './nash-mtl-weighting.ts';
export { fairgradWeighting, fairgradWeightsFromGramian } from './fairgrad-weighting.ts';
export type { FairgradWeightingOptions } from './fairgrad-weighting.ts';
export { graddropAggregator } from './graddrop-aggregator.ts';
export type { GraddropAggregatorOptions } from './graddrop-aggregator.ts';
export { gradvacAggregator, gradvacWeightsFromGramian } from './gradvac-aggregator.ts';
export type { GradvacAggregatorOptions, GradvacTargets } from './gradvac-aggregator.ts';
export type {
  GramianContext,
  NonConvergencePolicy,
  SolverGramianWeighting,
  SolverOptions,
} from './gramian-math/gramian-strategy.ts';
export {
  combineGradients,
  gramianOf,
  jacobianOf,
  representationGradients,
  taskGradients,
  unflattenDirection,
} from './manual/gradients.ts';
export type { TaskGradients } from './manual/gradients.ts';
export { weightedStep } from './manual/weighted-step.ts';
export type { WeightedStepOptions, WeightedStepResult } from './manual/weighted-step.ts';
// --- end gramian / jacobian ---

export { builtinWeightings } from './builtins.ts';
export type { BuiltinWeightingFactory } from './builtins.ts';
