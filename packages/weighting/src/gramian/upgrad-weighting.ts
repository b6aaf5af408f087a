import { projectOntoDualCone, ridge } from '../math/dual-cone.ts';
import {
  makeGramianStrategy,
  positiveOption,
  prepareGramian,
  type GramianContext,
  type SolverGramianWeighting,
  type SolverOptions,
} from './gramian-strategy.ts';

/** Options of {@link upgradWeighting} and {@link upgradWeightsFromGramian}. */
export interface UpgradWeightingOptions extends SolverOptions {
  /**
   * Ridge ε added to the Gramian (normalised to mean diagonal 1) so every QP is strictly convex on
   * rank-deficient inputs. Default 1e-10.
   */
  readonly regularization?: number;
}

const NAME = 'upgrad';

/**
 * UPGrad weights (TorchJD; Quinton & Rey 2024, "Jacobian Descent for Multi-Objective Optimization"): each
 * task gradient gᵢ/T is projected onto the dual cone `{x : Jx ≥ 0}` (one QP per task,
 * `vᵢ = argmin_{v ≥ eᵢ/T} vᵀGv`), and the projections are summed: `w = Σᵢ vᵢ`. Pure function on plain numbers.
 *
 * @example
 * ```ts
 * upgradWeightsFromGramian([[1, -0.5], [-0.5, 1]]); // conflicting pair → [0.75, 0.75]
 * ```
 */
export function upgradWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: UpgradWeightingOptions = {},
): number[] {
  const maxIterations = positiveOption(NAME, 'maxIterations', options.maxIterations ?? 100, true);
  const tolerance = positiveOption(NAME, 'tolerance', options.tolerance ?? 1e-12);
  const eps = positiveOption(NAME, 'regularization', options.regularization ?? 1e-10);
  const { gramian: g } = prepareGramian(NAME, gramian, context.tasks?.length);
  const t = g.length;
  const q = ridge(g, eps);
  const w = new Array<number>(t).fill(0);
  for (let i = 0; i < t; i++) {
    const u = Array.from({ length: t }, (_, k) => (k === i ? 1 / t : 0));
    projectOntoDualCone(q, u, NAME, maxIterations, tolerance).forEach((v, k) => (w[k]! += v));
  }
  return w;
}

/**
 * UPGrad (TorchJD): averages the projections of every task gradient onto the dual cone of the task gradients,
 * so the update never conflicts with any task and is linear under scaling. Family: Gramian; modes
 * `representation` and `parameters`.
 *
 * @example
 * ```ts
 * const strategy = upgradWeighting();
 * ```
 */
export function upgradWeighting(options: UpgradWeightingOptions = {}): SolverGramianWeighting {
  upgradWeightsFromGramian([[1]], {}, options);
  return makeGramianStrategy({
    name: NAME,
    config: {
      maxIterations: options.maxIterations ?? 100,
      tolerance: options.tolerance ?? 1e-12,
      regularization: options.regularization ?? 1e-10,
    },
    ...(options.onNonConvergence === undefined ? {} : { onNonConvergence: options.onNonConvergence }),
    compute: (g, ctx) => upgradWeightsFromGramian(g, ctx, options),
  });
}
