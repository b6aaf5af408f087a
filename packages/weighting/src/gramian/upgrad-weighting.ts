import { diagonalScaling } from '../math/diagonal.ts';
import { projectOntoDualCone } from '../math/dual-cone.ts';
import type { SolverOptions } from '../options.ts';
import {
  makeGramianStrategy,
  prepareGramian,
  resolveRidgeSolverOptions,
  type GramianContext,
  type RidgeSolverConfig,
  type SolverGramianWeighting,
} from './gramian-strategy.ts';

/** Options of {@link upgradWeighting} and {@link upgradWeightsFromGramian}. */
export interface UpgradWeightingOptions extends SolverOptions {
  /**
   * Ridge ε added to the unit-diagonal Gramian `D^{-1/2}GD^{-1/2}` (so relative to each task's own gradient norm),
   * only when a QP is singular there (duplicate or linearly dependent gradients). Default 1e-10.
   */
  readonly regularization?: number;
}

/** The resolved options of UPGrad and DualProj: their `getConfig()` and the argument of their maths. */
export type DualConeConfig = RidgeSolverConfig;

/** Checks the options of UPGrad or DualProj and fills in their defaults. */
export function resolveDualConeOptions(name: string, options: UpgradWeightingOptions): DualConeConfig {
  return resolveRidgeSolverOptions(name, options, { maxIterations: 100, tolerance: 1e-12 });
}

const NAME = 'upgrad';

function upgradWeights(
  gramian: readonly (readonly number[])[],
  context: GramianContext,
  config: DualConeConfig,
): number[] {
  const { gramian: g } = prepareGramian(NAME, gramian, context.tasks?.length);
  const t = g.length;
  const scaling = diagonalScaling(g);
  const w = new Array<number>(t).fill(0);
  for (let i = 0; i < t; i++) {
    const u = Array.from({ length: t }, (_, k) => (k === i ? 1 / t : 0));
    projectOntoDualCone(
      scaling,
      u,
      NAME,
      config.maxIterations,
      config.tolerance,
      config.regularization,
    ).forEach((v, k) => (w[k]! += v));
  }
  return w;
}

/**
 * UPGrad weights (TorchJD; Quinton & Rey 2024, "Jacobian Descent for Multi-Objective Optimization"): each
 * task gradient gᵢ/T is projected onto the dual cone `{x : Jx ≥ 0}` (one QP per task,
 * `vᵢ = argmin_{v ≥ eᵢ/T} vᵀGv`), and the projections are summed: `w = Σᵢ vᵢ`. The QPs are solved on the
 * unit-diagonal Gramian, so the result does not depend on the gradients' scales. Pure function on plain numbers.
 *
 * @example
 * ```ts
 * import { upgradWeightsFromGramian } from '@multitask/weighting';
 *
 * console.log(upgradWeightsFromGramian([[1, -0.5], [-0.5, 1]])); // [0.75, 0.75] (a conflicting pair)
 * ```
 */
export function upgradWeightsFromGramian(
  gramian: readonly (readonly number[])[],
  context: GramianContext = {},
  options: UpgradWeightingOptions = {},
): number[] {
  return upgradWeights(gramian, context, resolveDualConeOptions(NAME, options));
}

/**
 * UPGrad (TorchJD): averages the projections of every task gradient onto the dual cone of the task gradients,
 * so the update never conflicts with any task and is linear under scaling. Family: Gramian; modes
 * `representation` and `parameters`.
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { upgradWeighting } from '@multitask/weighting';
 *
 * const strategy = upgradWeighting();
 * const tasks = ['a', 'b'];
 * const context = { step: 0, epoch: 0, tasks, rng: new Rng(1), losses: [1, 1], mode: 'parameters' as const };
 * console.log(strategy.weights([[1, -0.5], [-0.5, 1]], context)); // [0.75, 0.75]
 * strategy.dispose();
 * ```
 */
export function upgradWeighting(options: UpgradWeightingOptions = {}): SolverGramianWeighting {
  const config = resolveDualConeOptions(NAME, options);
  return makeGramianStrategy({ name: NAME, config, compute: (g, ctx) => upgradWeights(g, ctx, config) });
}
