import { dot, matVec, notConverged } from '../math/linalg.ts';
import { nonnegativeQp } from '../math/bound-qp.ts';
import { ridge } from '../math/dual-cone.ts';
import {
  makeGramianStrategy,
  oneOfOption,
  positiveOption,
  prepareGramian,
  type GramianContext,
  type SolverGramianWeighting,
  type SolverOptions,
} from './gramian-strategy.ts';
import { MultitaskError } from '@multitask/core';

/** Options of {@link cagradWeighting} and {@link cagradWeightsFromGramian}. */
export interface CagradWeightingOptions extends SolverOptions {
  /** Radius c ∈ [0, 1) of the ball around the mean gradient, relative to its norm. Default 0.4. */
  readonly c?: number;
  /**
   * Rescaling of the result, as in the authors' code: 0 none, 1 divide by `1 + c²` (default), 2 divide by `1 + c`.
   */
  readonly rescale?: 0 | 1 | 2;
  /** Ridge ε added to the Gramian (normalised to mean diagonal 1). Default 1e-10. */
  readonly regularization?: number;
}

const NAME = 'cagrad';

/**
 * CAGrad weights (Liu et al. 2021, "Conflict-Averse Gradient Descent for Multi-task Learning"). With the mean
 * gradient g₀ = Jᵀ1/T and radius `r = c‖g₀‖`, the update is `d = g₀ + r·g_w/‖g_w‖` where w minimises
 * `g_wᵀg₀ + r‖g_w‖` over the simplex (g_w = Jᵀw). Solved exactly through its KKT conditions: with
 * `v = r·w/‖g_w‖`, v solves the nonnegative QP `min_{v ≥ 0} ½vᵀGv + (Gb − λ1)ᵀv` (b = 1/T) for the λ at which
 * `vᵀGv = r²` (found by safeguarded Newton–bisection, `maxIterations` steps; the QP by an exact active-set method). The weights are
 * `(b + v)` divided according to `rescale`.
 *
 * @example
 * ```ts
 * cagradWeightsFromGramian([[1, 0], [0, 1]], {}, { c: 0.4, rescale: 0 }); // [0.5 + 0.2, 0.5 + 0.2]
 * ```
 */
export function cagradWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: CagradWeightingOptions = {},
): number[] {
  const c = options.c ?? 0.4;
  if (!(c >= 0 && c < 1)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/weighting] cagrad: option \`c\` must be in [0, 1), got ${c}.`,
      {
        details: { option: 'c' },
      },
    );
  }
  const rescale = oneOfOption(NAME, 'rescale', String(options.rescale ?? 1), ['0', '1', '2']);
  const maxIterations = positiveOption(NAME, 'maxIterations', options.maxIterations ?? 200, true);
  const tolerance = positiveOption(NAME, 'tolerance', options.tolerance ?? 1e-10);
  const eps = positiveOption(NAME, 'regularization', options.regularization ?? 1e-10);
  const { gramian: g } = prepareGramian(NAME, gramian, context.tasks?.length);
  const t = g.length;
  const b = new Array<number>(t).fill(1 / t);
  const q = ridge(g, eps);
  const gb = matVec(q, b);
  const r2 = c * c * Math.max(0, dot(b, gb)); // r² = c²‖g₀‖²
  const div = rescale === '1' ? 1 + c * c : rescale === '2' ? 1 + c : 1;
  if (!(r2 > 0)) return b.map((x) => x / div);
  if (t === 1) return [(1 + c) / div]; // d = g + c‖g‖·g/‖g‖
  const vOf = (lambda: number): number[] =>
    nonnegativeQp(
      q,
      gb.map((x) => x - lambda),
      NAME,
      100,
      1e-13,
    );
  const h = (v: readonly number[]): number => dot(v, matVec(q, v));
  let lo = Math.min(...gb);
  let width = Math.sqrt(r2) + 1;
  let hi = lo + width;
  for (let k = 0; h(vOf(hi)) < r2; k++) {
    if (k >= 200) throw notConverged(NAME, 'bracketing of the KKT multiplier', Infinity, 200);
    width *= 2;
    hi = lo + width;
  }
  // safeguarded Newton on h(λ) = v(λ)ᵀGv(λ) − r²: on a fixed active set v is linear in λ and
  // h'(λ) = 2·Σv, so Newton converges in a few steps; a step leaving [lo, hi] is replaced by bisection
  let lambda = (lo + hi) / 2;
  for (let it = 0; ; it++) {
    const v = vOf(lambda);
    const hv = h(v);
    const residual = Math.abs(hv - r2) / r2;
    if (residual <= tolerance || hi - lo <= 1e-15 * Math.abs(lambda))
      return b.map((x, i) => (x + v[i]!) / div);
    if (it >= maxIterations)
      throw notConverged(NAME, 'Newton–bisection on the KKT multiplier', residual, maxIterations);
    if (hv < r2) lo = lambda;
    else hi = lambda;
    const slope = 2 * v.reduce((a, x) => a + x, 0);
    const newton = slope > 0 ? lambda - (hv - r2) / slope : NaN;
    lambda = newton > lo && newton < hi ? newton : (lo + hi) / 2;
  }
}

/**
 * CAGrad (Liu et al. 2021): the update maximises the worst per-task decrease within a ball of radius c‖g₀‖
 * around the mean gradient g₀. Family: Gramian; modes `parameters` (the paper's setting) and `representation`.
 *
 * @example
 * ```ts
 * const strategy = cagradWeighting({ c: 0.4 });
 * ```
 */
export function cagradWeighting(options: CagradWeightingOptions = {}): SolverGramianWeighting {
  cagradWeightsFromGramian([[1]], {}, options);
  return makeGramianStrategy({
    name: NAME,
    modes: ['parameters', 'representation'],
    config: {
      c: options.c ?? 0.4,
      rescale: options.rescale ?? 1,
      maxIterations: options.maxIterations ?? 200,
      tolerance: options.tolerance ?? 1e-10,
      regularization: options.regularization ?? 1e-10,
    },
    ...(options.onNonConvergence === undefined ? {} : { onNonConvergence: options.onNonConvergence }),
    compute: (g, ctx) => cagradWeightsFromGramian(g, ctx, options),
  });
}
