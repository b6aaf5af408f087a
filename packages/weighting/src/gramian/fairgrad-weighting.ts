import { checkNumberOption, type SolverOptions } from '../options.ts';
import { makeGramianStrategy, type GramianContext, type SolverGramianWeighting } from './gramian-strategy.ts';
import { fairWeights, resolveFairOptions, type FairConfig } from './nash-mtl-weighting.ts';

/** Options of {@link fairgradWeighting} and {@link fairgradWeightsFromGramian}. */
export interface FairgradWeightingOptions extends SolverOptions {
  /** The α of α-fairness (> 0): 1 is proportional fairness (Nash-MTL's condition), → ∞ max-min. Default 1. */
  readonly alpha?: number;
  /**
   * Ridge ε added to the unit-diagonal Gramian (relative to each task's own gradient norm) only when the
   * problem has no solution without it. Default 1e-10.
   */
  readonly regularization?: number;
}

type FairgradConfig = FairConfig & { readonly alpha: number };

const NAME = 'fairgrad';

function resolveFairgradOptions(options: FairgradWeightingOptions): FairgradConfig {
  return {
    alpha: checkNumberOption(NAME, 'alpha', options.alpha ?? 1, 'positive'),
    ...resolveFairOptions(NAME, options),
  };
}

/**
 * FairGrad weights (Ban & Ji 2024, "Fair Resource Allocation in Multi-Task Learning"): the weights `w > 0` with
 * `(Gw)ᵢ = wᵢ^{-1/α}`, i.e. the update maximises the α-fair utility `Σ (gᵢ·d)^{1−α}/(1−α)` of the per-task
 * decreases. Solved exactly by damped Newton on a strictly convex function, on the unit-diagonal Gramian. Under a
 * common gradient scale s the direction scales by `s^{(1−α)/(1+α)}`. A task with a zero gradient gets weight 0.
 *
 * @example
 * ```ts
 * import { fairgradWeightsFromGramian } from '@multitask/weighting';
 *
 * console.log(fairgradWeightsFromGramian([[1, 0], [0, 1]], {}, { alpha: 2 })); // [1, 1]
 * ```
 */
export function fairgradWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: FairgradWeightingOptions = {},
): number[] {
  const config = resolveFairgradOptions(options);
  return fairWeights(NAME, config.alpha, gramian, context, config);
}

/**
 * FairGrad (Ban & Ji 2024): α-fair allocation of the update between tasks (α = 1: proportional fairness).
 * Family: Gramian; modes `parameters` (the paper's setting) and `representation`.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { fairgradWeighting } from '@multitask/weighting';
 *
 * const strategy = fairgradWeighting({ alpha: 2 });
 * const tasks = ['a', 'b'];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1), losses: [1, 1], mode: 'parameters' as const };
 * console.log(strategy.weights([[1, 0], [0, 4]], context)); // ≈ [1, 0.397]
 * strategy.dispose();
 * ```
 */
export function fairgradWeighting(options: FairgradWeightingOptions = {}): SolverGramianWeighting {
  const config = resolveFairgradOptions(options);
  return makeGramianStrategy({
    name: NAME,
    modes: ['parameters', 'representation'],
    config,
    compute: (g, ctx) => fairWeights(NAME, config.alpha, g, ctx, config),
  });
}
