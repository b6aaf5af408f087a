import { isMultitaskError } from '@multitask/core';
import { alphaFairWeights } from '../math/alpha-fair.ts';
import { diagonalScaling } from '../math/diagonal.ts';
import { quadForm } from '../math/linalg.ts';
import { checkNumberOption, type SolverOptions } from '../options.ts';
import {
  fromUnitDiagonal,
  makeGramianStrategy,
  prepareGramian,
  resolveRidgeSolverOptions,
  type GramianContext,
  type RidgeSolverConfig,
  type SolverGramianWeighting,
} from './gramian-strategy.ts';

/** Options of {@link nashMtlWeighting} and {@link nashMtlWeightsFromGramian}. */
export interface NashMtlWeightingOptions extends SolverOptions {
  /**
   * Ridge ε added to the unit-diagonal Gramian (relative to each task's own gradient norm) only when the
   * bargaining problem has no solution without it (0 in the convex cone of the gradients). Default 1e-10.
   */
  readonly regularization?: number;
  /**
   * Largest norm of the update `‖Σ αᵢgᵢ‖`: a longer update is scaled down to this norm, like the
   * `clip_grad_norm_(shared_parameters, max_norm)` of the reference implementation (whose default is 1.0). In
   * `representation` mode the norm is that of the representation gradient. Default 0: no clipping.
   */
  readonly maxNorm?: number;
}

/** The resolved options of Nash-MTL and FairGrad: their `getConfig()` and the argument of their maths. */
export type FairConfig = RidgeSolverConfig;

/** Checks the options shared by Nash-MTL and FairGrad and fills in their defaults. */
export function resolveFairOptions(name: string, options: NashMtlWeightingOptions): FairConfig {
  return resolveRidgeSolverOptions(name, options, { maxIterations: 100, tolerance: 1e-10 });
}

type NashMtlConfig = FairConfig & { readonly maxNorm: number };

const NAME = 'nash-mtl';

function resolveNashMtlOptions(options: NashMtlWeightingOptions): NashMtlConfig {
  return {
    ...resolveFairOptions(NAME, options),
    maxNorm: checkNumberOption(NAME, 'maxNorm', options.maxNorm ?? 0, 'non-negative'),
  };
}

function nashMtlWeights(
  gramian: readonly (readonly number[])[],
  context: GramianContext,
  config: NashMtlConfig,
): number[] {
  const w = fairWeights(NAME, 1, gramian, context, config);
  if (config.maxNorm > 0) {
    const norm = Math.sqrt(Math.max(0, quadForm(gramian, w)));
    if (norm > config.maxNorm) return w.map((x) => (x * config.maxNorm) / norm);
  }
  return w;
}

/**
 * Nash-MTL weights (Navon et al. 2022, "Multi-Task Learning as a Bargaining Game"): the Nash bargaining
 * solution `α > 0` with `(Gα)ᵢ = 1/αᵢ`, solved exactly by damped Newton on the convex
 * `½αᵀGα − Σ log αᵢ` (the paper approximates it by a sequence of convex problems), on the unit-diagonal
 * Gramian. On the Gramian scaled by s the weights scale by 1/√s, so the direction is invariant to a common
 * gradient scale. A task with a zero gradient gets weight 0. Pure function on plain numbers.
 *
 * @example
 * ```ts
 * import { nashMtlWeightsFromGramian } from '@multitask/weighting';
 *
 * console.log(nashMtlWeightsFromGramian([[1, 0], [0, 4]])); // [1, 0.5]: α₁² = 1, 4α₂² = 1
 * ```
 */
export function nashMtlWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: NashMtlWeightingOptions = {},
): number[] {
  return nashMtlWeights(gramian, context, resolveNashMtlOptions(options));
}

/**
 * The α-fair weights shared by Nash-MTL (α = 1) and FairGrad: `(Gw)ᵢ = wᵢ^{-1/α}` on the tasks with a gradient,
 * solved on the unit-diagonal Gramian (`z = D^{1/2}w`: `(Ĝz)ᵢ = dᵢ^{(1/α−1)/2} zᵢ^{-1/α}`), so the result does
 * not depend on the gradients' scales; the ridge only when there is no solution without it.
 */
export function fairWeights(
  name: string,
  alpha: number,
  gramian: readonly (readonly number[])[],
  context: GramianContext,
  config: FairConfig,
): number[] {
  const { gramian: g, scale } = prepareGramian(name, gramian, context.tasks?.length);
  const scaling = diagonalScaling(g);
  const { active, roots, normalized } = scaling;
  const p = 1 / alpha;
  const coefficients = active.map((i) => roots[i]! ** (p - 1));
  const solve = (q: readonly (readonly number[])[]): number[] =>
    alphaFairWeights(q, coefficients, alpha, name, config.maxIterations, config.tolerance);
  let z: number[];
  try {
    z = solve(normalized);
  } catch (e) {
    if (!(isMultitaskError(e) && e.code === 'SOLVER_NOT_CONVERGED')) throw e;
    // no solution without a ridge (0 in the convex cone of the gradients), or the iteration limit is too low
    z = solve(normalized.map((row, i) => row.map((v, j) => (i === j ? v + config.regularization : v))));
  }
  // G = s·Ĝ: w = c·ŵ with s·c = c^{-1/α}, so c = s^{-α/(α+1)}
  const c = scale ** (-alpha / (alpha + 1));
  return fromUnitDiagonal(scaling, z, g.length, c);
}

/**
 * Nash-MTL (Navon et al. 2022): weights from the Nash bargaining solution between tasks; the update is
 * non-conflicting and does not change with a common gradient scale. Family: Gramian; modes `parameters` (the
 * paper's setting) and `representation`. The reference's `max_norm` clipping is the `maxNorm` option (off by
 * default); its every-k-steps update is not implemented.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { nashMtlWeighting } from '@multitask/weighting';
 *
 * const strategy = nashMtlWeighting({ maxNorm: 1 });
 * const tasks = ['a', 'b'];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1), losses: [1, 1], mode: 'parameters' as const };
 * console.log(strategy.weights([[1, 0], [0, 4]], context)); // ≈ [0.707, 0.354]
 * strategy.dispose();
 * ```
 */
export function nashMtlWeighting(options: NashMtlWeightingOptions = {}): SolverGramianWeighting {
  const config = resolveNashMtlOptions(options);
  return makeGramianStrategy({
    name: NAME,
    modes: ['parameters', 'representation'],
    config,
    compute: (g, ctx) => nashMtlWeights(g, ctx, config),
  });
}
