import { fairWeights } from './nash-mtl-weighting.ts';
import {
  makeGramianStrategy,
  positiveOption,
  type GramianContext,
  type SolverGramianWeighting,
  type SolverOptions,
} from './gramian-strategy.ts';

/** Options of {@link fairgradWeighting} and {@link fairgradWeightsFromGramian}. */
export interface FairgradWeightingOptions extends SolverOptions {
  /** The α of α-fairness (> 0): 1 is proportional fairness (Nash-MTL's condition), → ∞ max-min. Default 1. */
  readonly alpha?: number;
  /** Ridge ε added to the Gramian (normalised to mean diagonal 1). Default 1e-10. */
  readonly regularization?: number;
}

const NAME = 'fairgrad';

/**
 * FairGrad weights (Ban & Ji 2024, "Fair Resource Allocation in Multi-Task Learning"): the weights `w > 0` with
 * `(Gw)ᵢ = wᵢ^{-1/α}`, i.e. the update maximises the α-fair utility `Σ (gᵢ·d)^{1−α}/(1−α)` of the per-task
 * decreases. Solved exactly by damped Newton on a strictly convex function. Under a common gradient scale s the
 * direction scales by `s^{(1−α)/(1+α)}`.
 *
 * @example
 * ```ts
 * fairgradWeightsFromGramian([[1, 0], [0, 1]], {}, { alpha: 2 }); // [1, 1]
 * ```
 */
export function fairgradWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: FairgradWeightingOptions = {},
): number[] {
  const alpha = positiveOption(NAME, 'alpha', options.alpha ?? 1);
  return fairWeights(NAME, alpha, gramian, context, options);
}

/**
 * FairGrad (Ban & Ji 2024): α-fair allocation of the update between tasks (α = 1: proportional fairness).
 * Family: Gramian; modes `parameters` (the paper's setting) and `representation`.
 *
 * @example
 * ```ts
 * const strategy = fairgradWeighting({ alpha: 2 });
 * ```
 */
export function fairgradWeighting(options: FairgradWeightingOptions = {}): SolverGramianWeighting {
  fairgradWeightsFromGramian([[1]], {}, options);
  return makeGramianStrategy({
    name: NAME,
    modes: ['parameters', 'representation'],
    config: {
      alpha: options.alpha ?? 1,
      maxIterations: options.maxIterations ?? 100,
      tolerance: options.tolerance ?? 1e-10,
      regularization: options.regularization ?? 1e-10,
    },
    ...(options.onNonConvergence === undefined ? {} : { onNonConvergence: options.onNonConvergence }),
    compute: (g, ctx) => fairgradWeightsFromGramian(g, ctx, options),
  });
}
