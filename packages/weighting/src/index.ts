/**
 * Multi-task weighting strategies: loss weighting, Gramian weighting and Jacobian aggregation.
 *
 * Guides: [Getting started](../../../docs/guides/getting-started.md) ·
 * [How the trainer computes a step](../../../docs/guides/training.md) ·
 * [Backbones, sharing schemes and heads](../../../docs/guides/backbones-and-heads.md).
 * @module @multitask/weighting
 * @packageDocumentation
 */

// --- loss family: combine(losses) ---
export { staticWeighting } from './loss/static-weighting.ts';
export type { StaticWeightingOptions } from './loss/static-weighting.ts';
export { uncertaintyWeighting } from './loss/uncertainty-weighting.ts';
export type {
  UncertaintyForm,
  UncertaintyWeighting,
  UncertaintyWeightingOptions,
} from './loss/uncertainty-weighting.ts';
export { dynamicWeightAverage } from './loss/dynamic-weight-average.ts';
export type { DynamicWeightAverageOptions } from './loss/dynamic-weight-average.ts';
export { randomLossWeighting } from './loss/random-loss-weighting.ts';
export { geometricLossWeighting } from './loss/geometric-loss-weighting.ts';
export type { GeometricLossWeightingOptions } from './loss/geometric-loss-weighting.ts';
export { famoWeighting } from './loss/famo-weighting.ts';
export type { FamoWeighting, FamoWeightingOptions } from './loss/famo-weighting.ts';

// --- Gramian family: weights(G = J·Jᵀ) ---
export { mgdaWeighting, mgdaWeightsFromGramian } from './gramian/mgda-weighting.ts';
export type { MgdaNormalization, MgdaWeightingOptions } from './gramian/mgda-weighting.ts';
export { pcgradWeighting, pcgradWeightsFromGramian } from './gramian/pcgrad-weighting.ts';
export type { PcgradWeightingOptions } from './gramian/pcgrad-weighting.ts';
export { cagradWeighting, cagradWeightsFromGramian } from './gramian/cagrad-weighting.ts';
export type { CagradWeightingOptions } from './gramian/cagrad-weighting.ts';
export { imtlGWeighting, imtlGWeightsFromGramian } from './gramian/imtl-g-weighting.ts';
export { alignedMtlWeighting, alignedMtlWeightsFromGramian } from './gramian/aligned-mtl-weighting.ts';
export type { AlignedMtlWeightingOptions } from './gramian/aligned-mtl-weighting.ts';
export { upgradWeighting, upgradWeightsFromGramian } from './gramian/upgrad-weighting.ts';
export type { UpgradWeightingOptions } from './gramian/upgrad-weighting.ts';
export { dualprojWeighting, dualprojWeightsFromGramian } from './gramian/dualproj-weighting.ts';
export type { DualprojWeightingOptions } from './gramian/dualproj-weighting.ts';
export { nashMtlWeighting, nashMtlWeightsFromGramian } from './gramian/nash-mtl-weighting.ts';
export type { NashMtlWeightingOptions } from './gramian/nash-mtl-weighting.ts';
export { fairgradWeighting, fairgradWeightsFromGramian } from './gramian/fairgrad-weighting.ts';
export type { FairgradWeightingOptions } from './gramian/fairgrad-weighting.ts';
export { gradvacAggregator, gradvacWeightsFromGramian } from './gramian/gradvac-aggregator.ts';
export type {
  GradvacAggregatorOptions,
  GradvacContext,
  GradvacTargets,
} from './gramian/gradvac-aggregator.ts';
export { gradNormWeighting } from './gramian/grad-norm-weighting.ts';
export type { GradNormWeighting, GradNormWeightingOptions } from './gramian/grad-norm-weighting.ts';
export type { GramianContext, SolverGramianWeighting } from './gramian/gramian-strategy.ts';
export type { NonConvergencePolicy, SolverOptions } from './options.ts';

// --- Jacobian family: aggregate(J) ---
export { graddropAggregator } from './jacobian/graddrop-aggregator.ts';
export type { GraddropAggregatorOptions } from './jacobian/graddrop-aggregator.ts';

// --- own training loops: per-task gradients, Gramian, combination ---
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

// --- every built-in by name ---
export { builtinWeightings } from './builtins.ts';
export type { BuiltinWeightingFactory } from './builtins.ts';
