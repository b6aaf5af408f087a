import { diagonalScaling } from '../math/diagonal.ts';
import { projectOntoDualCone } from '../math/dual-cone.ts';
import type { SolverOptions } from '../options.ts';
import {
  makeGramianStrategy,
  prepareGramian,
  type GramianContext,
  type SolverGramianWeighting,
} from './gramian-strategy.ts';
import { resolveDualConeOptions, type DualConeConfig } from './upgrad-weighting.ts';

/** Options of {@link dualprojWeighting} and {@link dualprojWeightsFromGramian}. */
export interface DualprojWeightingOptions extends SolverOptions {
  /**
   * Ridge ε added to the unit-diagonal Gramian (relative to each task's own gradient norm), only when the QP is
   * singular there. Default 1e-10.
   */
  readonly regularization?: number;
}

const NAME = 'dualproj';

function dualprojWeights(
  gramian: readonly (readonly number[])[],
  context: GramianContext,
  config: DualConeConfig,
): number[] {
  const { gramian: g } = prepareGramian(NAME, gramian, context.tasks?.length);
  const t = g.length;
  const u = new Array<number>(t).fill(1 / t);
  return projectOntoDualCone(
    diagonalScaling(g),
    u,
    NAME,
    config.maxIterations,
    config.tolerance,
    config.regularization,
  );
}

/**
 * DualProj weights (TorchJD): the mean gradient `Jᵀ1/T` projected onto the dual cone `{x : Jx ≥ 0}`,
 * `w = argmin_{v ≥ 1/T} vᵀGv` (one QP, solved on the unit-diagonal Gramian). Pure function on plain numbers.
 *
 * @example
 * ```ts
 * import { dualprojWeightsFromGramian } from '@multitask/weighting';
 *
 * console.log(dualprojWeightsFromGramian([[1, -0.5], [-0.5, 1]])); // [0.5, 0.5] already in the cone
 * ```
 */
export function dualprojWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: DualprojWeightingOptions = {},
): number[] {
  return dualprojWeights(gramian, context, resolveDualConeOptions(NAME, options));
}

/**
 * DualProj (TorchJD): projects the mean gradient onto the dual cone of the task gradients, the closest
 * non-conflicting direction to plain averaging. Family: Gramian; modes `representation` and `parameters`.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { dualprojWeighting } from '@multitask/weighting';
 *
 * const strategy = dualprojWeighting();
 * const tasks = ['a', 'b'];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1), losses: [1, 1], mode: 'parameters' as const };
 * console.log(strategy.weights([[1, -0.5], [-0.5, 1]], context)); // [0.5, 0.5]
 * strategy.dispose();
 * ```
 */
export function dualprojWeighting(options: DualprojWeightingOptions = {}): SolverGramianWeighting {
  const config = resolveDualConeOptions(NAME, options);
  return makeGramianStrategy({ name: NAME, config, compute: (g, ctx) => dualprojWeights(g, ctx, config) });
}
