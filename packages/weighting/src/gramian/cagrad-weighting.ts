import { dot, matVec, notConverged } from '../math/linalg.ts';
import { nonnegativeQp } from '../math/bound-qp.ts';
import { diagonalScaling, withRidgeFallback } from '../math/diagonal.ts';
import { checkChoiceOption, checkNumberOption, type SolverOptions } from '../options.ts';
import {
  fromUnitDiagonal,
  makeGramianStrategy,
  prepareGramian,
  resolveRidgeSolverOptions,
  type GramianContext,
  type RidgeSolverConfig,
  type SolverGramianWeighting,
} from './gramian-strategy.ts';

/** Options of {@link cagradWeighting} and {@link cagradWeightsFromGramian}. */
export interface CagradWeightingOptions extends SolverOptions {
  /** Radius c ∈ [0, 1) of the ball around the mean gradient, relative to its norm. Default 0.4. */
  readonly c?: number;
  /**
   * Rescaling of the result, as in the authors' code: 0 none, 1 divide by `1 + c²` (default), 2 divide by `1 + c`.
   */
  readonly rescale?: 0 | 1 | 2;
  /**
   * Ridge ε added to the unit-diagonal Gramian (relative to each task's own gradient norm), only when a QP is
   * singular there. Default 1e-10.
   */
  readonly regularization?: number;
}

/** The resolved options of CAGrad: its `getConfig()` and the argument of its maths. */
type CagradConfig = RidgeSolverConfig & { readonly c: number; readonly rescale: 0 | 1 | 2 };

const NAME = 'cagrad';

function resolveCagradOptions(options: CagradWeightingOptions): CagradConfig {
  return {
    c: checkNumberOption(NAME, 'c', options.c ?? 0.4, { min: 0, max: 1, maxOpen: true }),
    rescale: checkChoiceOption<0 | 1 | 2>(NAME, 'rescale', options.rescale ?? 1, [0, 1, 2]),
    ...resolveRidgeSolverOptions(NAME, options, { maxIterations: 200, tolerance: 1e-10 }),
  };
}

function cagradWeights(
  gramian: readonly (readonly number[])[],
  context: GramianContext,
  config: CagradConfig,
): number[] {
  const { c, rescale, maxIterations, tolerance } = config;
  const { gramian: g } = prepareGramian(NAME, gramian, context.tasks?.length);
  const t = g.length;
  const b = new Array<number>(t).fill(1 / t);
  const gb = matVec(g, b);
  const r2 = c * c * Math.max(0, dot(b, gb)); // r² = c²‖g₀‖²
  const div = rescale === 1 ? 1 + c * c : rescale === 2 ? 1 + c : 1;
  if (!(r2 > 0)) return b.map((x) => x / div);
  if (t === 1) return [(1 + c) / div]; // d = g + c‖g‖·g/‖g‖
  // in unit-norm coordinates z = D^{1/2}v over the tasks with a gradient (a zero gradient adds nothing to g_w):
  // min_{z ≥ 0} ½zᵀĜz + (D^{-1/2}(Gb − λ1))ᵀz, with h(λ) = zᵀĜz = vᵀGv
  const scaling = diagonalScaling(g);
  const { active, roots, normalized } = scaling;
  const search = (q: readonly (readonly number[])[]): number[] => {
    const zOf = (lambda: number): number[] =>
      nonnegativeQp(
        q,
        active.map((i) => (gb[i]! - lambda) / roots[i]!),
        NAME,
        100,
        1e-13,
      );
    const h = (z: readonly number[]): number => dot(z, matVec(q, z));
    const lo0 = Math.min(...active.map((i) => gb[i]!));
    let lo = lo0;
    let width = Math.sqrt(r2) + 1;
    let hi = lo + width;
    for (let k = 0; h(zOf(hi)) < r2; k++) {
      if (k >= 200) throw notConverged(NAME, 'bracketing of the KKT multiplier', Infinity, 200);
      width *= 2;
      hi = lo + width;
    }
    // safeguarded Newton on h(λ) = vᵀGv − r²: on a fixed active set v is linear in λ and h'(λ) = 2·Σv, so
    // Newton converges in a few steps; a step leaving [lo, hi] is replaced by bisection
    let lambda = (lo + hi) / 2;
    for (let it = 0; ; it++) {
      const z = zOf(lambda);
      const hv = h(z);
      const v = fromUnitDiagonal(scaling, z, t);
      const residual = Math.abs(hv - r2) / r2;
      if (residual <= tolerance || hi - lo <= 1e-15 * Math.abs(lambda)) return v;
      if (it >= maxIterations)
        throw notConverged(NAME, 'Newton–bisection on the KKT multiplier', residual, maxIterations);
      if (hv < r2) lo = lambda;
      else hi = lambda;
      const slope = 2 * v.reduce((a, x) => a + x, 0);
      const newton = slope > 0 ? lambda - (hv - r2) / slope : NaN;
      lambda = newton > lo && newton < hi ? newton : (lo + hi) / 2;
    }
  };
  const v = withRidgeFallback(normalized, config.regularization, search, NAME);
  return b.map((x, i) => (x + v[i]!) / div);
}

/**
 * CAGrad weights (Liu et al. 2021, "Conflict-Averse Gradient Descent for Multi-task Learning"). With the mean
 * gradient g₀ = Jᵀ1/T and radius `r = c‖g₀‖`, the update is `d = g₀ + r·g_w/‖g_w‖` where w minimises
 * `g_wᵀg₀ + r‖g_w‖` over the simplex (g_w = Jᵀw). Solved exactly through its KKT conditions: with
 * `v = r·w/‖g_w‖`, v solves the nonnegative QP `min_{v ≥ 0} ½vᵀGv + (Gb − λ1)ᵀv` (b = 1/T) for the λ at which
 * `vᵀGv = r²` (found by safeguarded Newton–bisection, `maxIterations` steps; the QP by an exact active-set
 * method on the unit-diagonal Gramian, so the result does not depend on the gradients' scales). Tasks with a
 * zero gradient are left out of g_w. The weights are `(b + v)` divided according to `rescale`.
 *
 * @example
 * ```ts
 * import { cagradWeightsFromGramian } from '@multitask/weighting';
 *
 * console.log(cagradWeightsFromGramian([[1, 0], [0, 1]], {}, { c: 0.4, rescale: 0 })); // [0.7, 0.7] (0.5 + 0.2 each)
 * ```
 */
export function cagradWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: CagradWeightingOptions = {},
): number[] {
  return cagradWeights(gramian, context, resolveCagradOptions(options));
}

/**
 * CAGrad (Liu et al. 2021): the update maximises the worst per-task decrease within a ball of radius c‖g₀‖
 * around the mean gradient g₀. Family: Gramian; modes `parameters` (the paper's setting) and `representation`.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { cagradWeighting } from '@multitask/weighting';
 *
 * const strategy = cagradWeighting({ c: 0.4 });
 * const tasks = ['a', 'b'];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1), losses: [1, 1], mode: 'parameters' as const };
 * console.log(strategy.weights([[1, 0], [0, 1]], context)); // ≈ [0.603, 0.603]
 * strategy.dispose();
 * ```
 */
export function cagradWeighting(options: CagradWeightingOptions = {}): SolverGramianWeighting {
  const config = resolveCagradOptions(options);
  return makeGramianStrategy({
    name: NAME,
    modes: ['parameters', 'representation'],
    config,
    compute: (g, ctx) => cagradWeights(g, ctx, config),
  });
}
