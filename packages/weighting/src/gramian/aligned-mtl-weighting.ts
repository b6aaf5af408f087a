import { symmetricEigen } from '../math/linalg.ts';
import {
  checkChoiceOption,
  checkNumberOption,
  type NonConvergencePolicy,
  type ResolvedConfig,
  type SolverOptions,
} from '../options.ts';
import {
  makeGramianStrategy,
  prepareGramian,
  type GramianContext,
  type SolverGramianWeighting,
} from './gramian-strategy.ts';

/** Options of {@link alignedMtlWeighting} and {@link alignedMtlWeightsFromGramian}. */
export interface AlignedMtlWeightingOptions extends Omit<SolverOptions, 'tolerance'> {
  /** Which eigenvalue sets the scale of the aligned gradients: `'min'` (default, the paper), `'median'`, `'rmse'`. */
  readonly scaleMode?: 'min' | 'median' | 'rmse';
  /**
   * Eigenvalues of G below `rankTolerance · λ_max` are treated as 0 (rank deficiency). Default `T · 1.2e-7`
   * (float32 precision, as gradients come from float32 tensors).
   */
  readonly rankTolerance?: number;
}

const NAME = 'aligned-mtl';

/** The resolved options of Aligned-MTL: its `getConfig()` and the argument of its maths. */
interface AlignedMtlConfig extends ResolvedConfig {
  readonly scaleMode: 'min' | 'median' | 'rmse';
  readonly maxIterations: number;
  readonly onNonConvergence: NonConvergencePolicy;
  /** Absent: `T · 1.2e-7` for the step's T. */
  readonly rankTolerance?: number;
}

function resolveAlignedMtlOptions(options: AlignedMtlWeightingOptions): AlignedMtlConfig {
  return {
    scaleMode: checkChoiceOption(NAME, 'scaleMode', options.scaleMode ?? 'min', ['min', 'median', 'rmse']),
    maxIterations: checkNumberOption(NAME, 'maxIterations', options.maxIterations ?? 100, 'positive-integer'),
    onNonConvergence: checkChoiceOption(NAME, 'onNonConvergence', options.onNonConvergence ?? 'throw', [
      'throw',
      'skip-step',
    ]),
    ...(options.rankTolerance === undefined
      ? {}
      : { rankTolerance: checkNumberOption(NAME, 'rankTolerance', options.rankTolerance, 'positive') }),
  };
}

/**
 * Aligned-MTL weights (Senushkin et al. 2023, "Independent Component Alignment for Multi-Task Learning"):
 * the task gradients are replaced by the closest orthogonal system with equal norms (`√λ_min`), i.e.
 * `Ĵ = √λ_min · V Λ^{-1/2} Vᵀ J` on the non-zero eigenpairs `G = V Λ Vᵀ`, and summed: `w = √λ_min V Λ^{-1/2} Vᵀ 1`.
 * The eigen-decomposition runs Jacobi sweeps (`maxIterations` sweeps, default 100).
 *
 * @example
 * ```ts
 * import { alignedMtlWeightsFromGramian } from '@multitask/weighting';
 *
 * // both aligned gradients get norm 1:
 * console.log(alignedMtlWeightsFromGramian([[1, 0], [0, 4]])); // [1, 0.5]
 * ```
 */
export function alignedMtlWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: AlignedMtlWeightingOptions = {},
): number[] {
  return alignedMtlWeights(gramian, context, resolveAlignedMtlOptions(options));
}

function alignedMtlWeights(
  gramian: readonly (readonly number[])[],
  context: GramianContext,
  config: AlignedMtlConfig,
): number[] {
  const { scaleMode } = config;
  const { gramian: g } = prepareGramian(NAME, gramian, context.tasks?.length);
  const t = g.length;
  const rankTol = config.rankTolerance ?? t * 1.2e-7;
  const { values, vectors } = symmetricEigen(g, NAME, config.maxIterations);
  const lmax = values[t - 1] ?? 0;
  const keep = values.flatMap((v, k) => (lmax > 0 && v > rankTol * lmax ? [k] : []));
  const w = new Array<number>(t).fill(0);
  if (keep.length === 0) return w;
  const kept = keep.map((k) => values[k]!);
  const sorted = [...kept].sort((x, y) => x - y);
  const ref =
    scaleMode === 'min'
      ? sorted[0]!
      : scaleMode === 'median'
        ? sorted.length % 2 === 1
          ? sorted[(sorted.length - 1) / 2]!
          : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2
        : kept.reduce((a, b) => a + b, 0) / kept.length;
  for (const k of keep) {
    let proj = 0; // v_kᵀ 1
    for (let i = 0; i < t; i++) proj += vectors[i]![k]!;
    const f = (Math.sqrt(ref) / Math.sqrt(values[k]!)) * proj;
    for (let i = 0; i < t; i++) w[i]! += f * vectors[i]![k]!;
  }
  return w;
}

/**
 * Aligned-MTL (Senushkin et al. 2023): aligns the principal components of the task gradients so the update is
 * free of conflict and dominance (condition number 1). Family: Gramian; modes `representation` (the paper's
 * fast variant) and `parameters`.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { alignedMtlWeighting } from '@multitask/weighting';
 *
 * const strategy = alignedMtlWeighting({ scaleMode: 'min' });
 * const tasks = ['a', 'b'];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1), losses: [1, 1], mode: 'parameters' as const };
 * console.log(strategy.weights([[1, 0], [0, 4]], context)); // [1, 0.5]
 * strategy.dispose();
 * ```
 */
export function alignedMtlWeighting(options: AlignedMtlWeightingOptions = {}): SolverGramianWeighting {
  const config = resolveAlignedMtlOptions(options);
  return makeGramianStrategy({ name: NAME, config, compute: (g, ctx) => alignedMtlWeights(g, ctx, config) });
}
