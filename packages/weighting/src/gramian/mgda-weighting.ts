import type { GradientContext } from '@multitask/core';
import { MultitaskError } from '@multitask/core';
import { minNormOnSimplex } from '../math/min-norm.ts';
import {
  checkChoiceOption,
  resolveSolverOptions,
  type ResolvedSolverOptions,
  type SolverOptions,
} from '../options.ts';
import {
  makeGramianStrategy,
  prepareGramian,
  type GramianContext,
  type SolverGramianWeighting,
} from './gramian-strategy.ts';

/** Gradient normalisation before the min-norm solve, as in Sener & Koltun's code. */
export type MgdaNormalization = 'none' | 'l2' | 'loss' | 'loss+';

/** Options of {@link mgdaWeighting} and {@link mgdaWeightsFromGramian}. */
export interface MgdaWeightingOptions extends SolverOptions {
  /**
   * Divide each gradient gᵢ by nᵢ before finding the min-norm point: `'none'` (nᵢ = 1, the paper's algorithm;
   * default), `'l2'` (‖gᵢ‖), `'loss'` (Lᵢ), `'loss+'` (Lᵢ‖gᵢ‖). As in the authors' code, the weights found on the
   * normalised gradients are applied to the original ones. Only `'none'` keeps the non-conflicting guarantee.
   */
  readonly normalization?: MgdaNormalization;
}

/** The resolved options of MGDA: its `getConfig()` and the argument of its maths. */
type MgdaConfig = ResolvedSolverOptions & { readonly normalization: MgdaNormalization };

const NAME = 'mgda';

function resolveMgdaOptions(options: MgdaWeightingOptions): MgdaConfig {
  return {
    normalization: checkChoiceOption(NAME, 'normalization', options.normalization ?? 'none', [
      'none',
      'l2',
      'loss',
      'loss+',
    ]),
    ...resolveSolverOptions(NAME, options, { maxIterations: 10_000, tolerance: 1e-12 }),
  };
}

function mgdaWeights(
  gramian: readonly (readonly number[])[],
  context: GramianContext,
  config: MgdaConfig,
): number[] {
  const { normalization } = config;
  const t = gramian.length;
  let g = gramian;
  if (normalization !== 'none') {
    const losses = context.losses;
    if (normalization !== 'l2' && losses?.length !== t) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/weighting] mgda: normalization '${normalization}' needs the ${t} task losses in the context.`,
        { details: { option: 'normalization' } },
      );
    }
    const n = Array.from({ length: t }, (_, i) => {
      const norm = Math.sqrt(Math.max(0, gramian[i]![i]!));
      const loss = losses?.[i] ?? 1;
      const v = normalization === 'l2' ? norm : normalization === 'loss' ? loss : loss * norm;
      return v > 0 && Number.isFinite(v) ? v : 1;
    });
    g = gramian.map((row, i) => row.map((x, j) => x / (n[i]! * n[j]!)));
  }
  const prepared = prepareGramian(NAME, g, context.tasks?.length);
  return minNormOnSimplex(prepared.gramian, NAME, config.maxIterations, config.tolerance);
}

/**
 * MGDA weights (Sener & Koltun 2018, "Multi-Task Learning as Multi-Objective Optimization"): the min-norm
 * point `w = argmin_{w ≥ 0, Σw = 1} wᵀGw` of the convex hull of the task gradients, exact on every PSD Gramian
 * (Wolfe's active-set method; the optimality test is a cosine per task, so a task with a tiny gradient is not
 * ignored). Pure function on plain numbers.
 *
 * @example
 * ```ts
 * import { mgdaWeightsFromGramian } from '@multitask/weighting';
 *
 * console.log(mgdaWeightsFromGramian([[1, 0], [0, 4]])); // ≈ [0.8, 0.2]
 * ```
 */
export function mgdaWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: MgdaWeightingOptions = {},
): number[] {
  return mgdaWeights(gramian, context, resolveMgdaOptions(options));
}

/**
 * MGDA (Sener & Koltun 2018): weights of the min-norm point of the convex hull of the task gradients, so the
 * direction decreases every task (Pareto stationarity when it is 0). Family: Gramian; modes `representation`
 * (the paper's MGDA-UB) and `parameters`.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { mgdaWeighting } from '@multitask/weighting';
 *
 * const strategy = mgdaWeighting({ normalization: 'none' });
 * const tasks = ['a', 'b'];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1), losses: [1, 1], mode: 'parameters' as const };
 * console.log(strategy.weights([[1, 0], [0, 4]], context)); // ≈ [0.8, 0.2]
 * strategy.dispose();
 * ```
 */
export function mgdaWeighting(options: MgdaWeightingOptions = {}): SolverGramianWeighting {
  const config = resolveMgdaOptions(options);
  return makeGramianStrategy({
    name: NAME,
    config,
    compute: (g, ctx: GradientContext) => mgdaWeights(g, ctx, config),
  });
}
