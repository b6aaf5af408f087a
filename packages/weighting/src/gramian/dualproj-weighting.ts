import { projectOntoDualCone, ridge } from '../math/dual-cone.ts';
import {
  makeGramianStrategy,
  positiveOption,
  prepareGramian,
  type GramianContext,
  type SolverGramianWeighting,
  type SolverOptions,
} from './gramian-strategy.ts';

/** Options of {@link dualprojWeighting} and {@link dualprojWeightsFromGramian}. */
export interface DualprojWeightingOptions extends SolverOptions {
  /** Ridge ε added to the Gramian (normalised to mean diagonal 1). Default 1e-10. */
  readonly regularization?: number;
}

const NAME = 'dualproj';

/**
 * DualProj weights (TorchJD): the mean gradient `Jᵀ1/T` projected onto the dual cone `{x : Jx ≥ 0}`,
 * `w = argmin_{v ≥ 1/T} vᵀGv` (one QP). Pure function on plain numbers.
 *
 * @example
 * ```ts
 * dualprojWeightsFromGramian([[1, -0.5], [-0.5, 1]]); // [0.5, 0.5] already in the cone
 * ```
 */
export function dualprojWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: DualprojWeightingOptions = {},
): number[] {
  const maxIterations = positiveOption(NAME, 'maxIterations', options.maxIterations ?? 100, true);
  const tolerance = positiveOption(NAME, 'tolerance', options.tolerance ?? 1e-12);
  const eps = positiveOption(NAME, 'regularization', options.regularization ?? 1e-10);
  const { gramian: g } = prepareGramian(NAME, gramian, context.tasks?.length);
  const t = g.length;
  return projectOntoDualCone(ridge(g, eps), new Array<number>(t).fill(1 / t), NAME, maxIterations, tolerance);
}

/**
 * DualProj (TorchJD): projects the mean gradient onto the dual cone of the task gradients, the closest
 * non-conflicting direction to plain averaging. Family: Gramian; modes `representation` and `parameters`.
 *
 * @example
 * ```ts
 * const strategy = dualprojWeighting();
 * ```
 */
export function dualprojWeighting(options: DualprojWeightingOptions = {}): SolverGramianWeighting {
  dualprojWeightsFromGramian([[1]], {}, options);
  return makeGramianStrategy({
    name: NAME,
    config: {
      maxIterations: options.maxIterations ?? 100,
      tolerance: options.tolerance ?? 1e-12,
      regularization: options.regularization ?? 1e-10,
    },
    ...(options.onNonConvergence === undefined ? {} : { onNonConvergence: options.onNonConvergence }),
    compute: (g, ctx) => dualprojWeightsFromGramian(g, ctx, options),
  });
}
