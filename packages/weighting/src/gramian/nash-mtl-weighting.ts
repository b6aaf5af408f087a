import { alphaFairWeights } from '../math/alpha-fair.ts';
import { ridge } from '../math/dual-cone.ts';
import {
  makeGramianStrategy,
  positiveOption,
  prepareGramian,
  type GramianContext,
  type SolverGramianWeighting,
  type SolverOptions,
} from './gramian-strategy.ts';

/** Options of {@link nashMtlWeighting} and {@link nashMtlWeightsFromGramian}. */
export interface NashMtlWeightingOptions extends SolverOptions {
  /**
   * Ridge ε added to the Gramian (normalised to mean diagonal 1) so a solution exists when 0 is in the convex
   * cone of the gradients. Default 1e-10.
   */
  readonly regularization?: number;
}

const NAME = 'nash-mtl';

/**
 * Nash-MTL weights (Navon et al. 2022, "Multi-Task Learning as a Bargaining Game"): the Nash bargaining
 * solution `α > 0` with `(Gα)ᵢ = 1/αᵢ`, solved exactly by damped Newton on the convex
 * `½αᵀGα − Σ log αᵢ` (the paper approximates it by a sequence of convex problems). On the Gramian scaled by
 * s the weights scale by 1/√s, so the direction is invariant to a common gradient scale.
 *
 * @example
 * ```ts
 * nashMtlWeightsFromGramian([[1, 0], [0, 4]]); // [1, 0.5]: α₁² = 1, 4α₂² = 1
 * ```
 */
export function nashMtlWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: NashMtlWeightingOptions = {},
): number[] {
  return fairWeights(NAME, 1, gramian, context, options);
}

/** Shared by Nash-MTL and FairGrad. */
export function fairWeights(
  name: string,
  alpha: number,
  gramian: readonly (readonly number[])[],
  context: GramianContext,
  options: NashMtlWeightingOptions,
): number[] {
  const maxIterations = positiveOption(name, 'maxIterations', options.maxIterations ?? 100, true);
  const tolerance = positiveOption(name, 'tolerance', options.tolerance ?? 1e-10);
  const eps = positiveOption(name, 'regularization', options.regularization ?? 1e-10);
  const { gramian: g, scale } = prepareGramian(name, gramian, context.tasks?.length);
  const w = alphaFairWeights(ridge(g, eps), alpha, name, maxIterations, tolerance);
  // G = s·Ĝ: w = c·ŵ with s·c = c^{-1/α}, so c = s^{-α/(α+1)}
  const c = scale ** (-alpha / (alpha + 1));
  return w.map((x) => x * c);
}

/**
 * Nash-MTL (Navon et al. 2022): weights from the Nash bargaining solution between tasks; the update is
 * non-conflicting and does not change with a common gradient scale. Family: Gramian; modes `parameters` (the
 * paper's setting) and `representation`. Without the paper's `max_norm` clipping and every-k-steps update.
 *
 * @example
 * ```ts
 * const strategy = nashMtlWeighting();
 * ```
 */
export function nashMtlWeighting(options: NashMtlWeightingOptions = {}): SolverGramianWeighting {
  nashMtlWeightsFromGramian([[1]], {}, options);
  return makeGramianStrategy({
    name: NAME,
    modes: ['parameters', 'representation'],
    config: {
      maxIterations: options.maxIterations ?? 100,
      tolerance: options.tolerance ?? 1e-10,
      regularization: options.regularization ?? 1e-10,
    },
    ...(options.onNonConvergence === undefined ? {} : { onNonConvergence: options.onNonConvergence }),
    compute: (g, ctx) => nashMtlWeightsFromGramian(g, ctx, options),
  });
}
