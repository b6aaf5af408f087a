/** Shared plumbing of the Gramian strategies (internal). */
import {
  MultitaskError,
  isMultitaskError,
  type GradientContext,
  type GradientMode,
  type GramianWeighting,
  type HeadGradients,
  type JsonValue,
} from '@multitask/core';
import type { DiagonalScaling } from '../math/diagonal.ts';
import type { Matrix } from '../math/linalg.ts';
import {
  checkNumberOption,
  resolveSolverOptions,
  type NonConvergencePolicy,
  type ResolvedSolverOptions,
  type SolverOptions,
} from '../options.ts';

export type { NonConvergencePolicy, SolverOptions } from '../options.ts';

/** The facts a pure `…WeightsFromGramian` function may use; every field is optional. */
export interface GramianContext {
  /** Per-task loss values (needed by loss-based normalisations). */
  readonly losses?: readonly number[];
  /** Seeded generator (needed by randomized methods). */
  readonly rng?: GradientContext['rng'];
  /** Task names (for error messages and name-keyed state). */
  readonly tasks?: readonly string[];
}

/** A Gramian strategy with an iterative solver: reports how many steps it skipped. */
export interface SolverGramianWeighting extends GramianWeighting {
  /** Steps whose solver did not converge and were skipped (`onNonConvergence: 'skip-step'`); 0 otherwise. */
  readonly skippedSteps: number;
}

/** Mean diagonal of G, or 1 when it is 0 or not finite (the all-zero Gramian stays zero). */
export function traceScale(g: readonly (readonly number[])[]): number {
  let tr = 0;
  for (let i = 0; i < g.length; i++) tr += g[i]![i]!;
  const s = tr / Math.max(1, g.length);
  return s > 0 && Number.isFinite(s) ? s : 1;
}

/**
 * Checks a Gramian (square, finite, matching the task count) and returns it symmetrised and divided by its
 * trace scale (mean diagonal 1), with that scale.
 */
export function prepareGramian(
  strategy: string,
  g: readonly (readonly number[])[],
  tasks?: number,
): { readonly gramian: Matrix; readonly scale: number } {
  const t = g.length;
  if (tasks !== undefined && t !== tasks) {
    throw new MultitaskError(
      'SHAPE_MISMATCH',
      `[@multitask/weighting] ${strategy}: the Gramian has ${t} rows but the step has ${tasks} tasks — pass the T×T Gramian of the step's tasks.`,
      { details: { strategy, rows: t, tasks } },
    );
  }
  for (let i = 0; i < t; i++) {
    const row = g[i]!;
    if (row.length !== t) {
      throw new MultitaskError(
        'SHAPE_MISMATCH',
        `[@multitask/weighting] ${strategy}: Gramian row ${i} has ${row.length} entries, expected ${t} — the Gramian must be square.`,
        { details: { strategy, row: i } },
      );
    }
    for (const v of row) {
      if (!Number.isFinite(v)) {
        throw new MultitaskError(
          'INVALID_DATA',
          `[@multitask/weighting] ${strategy}: the Gramian has a non-finite entry (${v}) in row ${i} — a task gradient overflowed or is NaN; check the losses.`,
          { details: { strategy, row: i } },
        );
      }
    }
  }
  const scale = traceScale(g);
  const gramian = Array.from({ length: t }, (_, i) =>
    Array.from({ length: t }, (_, j) => (g[i]![j]! / scale + g[j]![i]! / scale) / 2),
  );
  return { gramian, scale };
}

/** The resolved options of a strategy whose solver falls back on a ridge: the solver's and `regularization`. */
export type RidgeSolverConfig = ResolvedSolverOptions & { readonly regularization: number };

/**
 * Checks the solver options (with the strategy's own defaults) and the ridge `regularization` (> 0, default
 * 1e-10), and fills in their defaults, in that key order.
 */
export function resolveRidgeSolverOptions(
  strategy: string,
  options: SolverOptions & { readonly regularization?: number },
  defaults: { readonly maxIterations: number; readonly tolerance: number },
): RidgeSolverConfig {
  return {
    ...resolveSolverOptions(strategy, options, defaults),
    regularization: checkNumberOption(
      strategy,
      'regularization',
      options.regularization ?? 1e-10,
      'positive',
    ),
  };
}

/**
 * Maps a solution `z` over the active tasks of a {@link DiagonalScaling} (unit-norm coordinates) back to the
 * weights of all `tasks` tasks: `wᵢ = (z_a / √Gᵢᵢ)·factor` for the a-th active task i, 0 for a zero gradient.
 */
export function fromUnitDiagonal(
  scaling: DiagonalScaling,
  z: readonly number[],
  tasks: number,
  factor = 1,
): number[] {
  const w = new Array<number>(tasks).fill(0);
  scaling.active.forEach((i, a) => (w[i] = (z[a]! / scaling.roots[i]!) * factor));
  return w;
}

/** Spec of {@link makeGramianStrategy}. */
export interface GramianStrategySpec {
  readonly name: string;
  readonly modes?: readonly GradientMode[];
  readonly headGradients?: HeadGradients;
  /** The resolved options: returned as they are by `getConfig()` (`onNonConvergence` sets the policy). */
  readonly config: { readonly [key: string]: JsonValue; readonly onNonConvergence?: NonConvergencePolicy };
  readonly compute: (gramian: readonly (readonly number[])[], context: GradientContext) => number[];
}

/**
 * Builds the strategy object around a pure weights function: skip-step policy, `skippedSteps`, state. The
 * config was resolved once by the factory; it is the argument of `compute` and the value of `getConfig()`.
 */
export function makeGramianStrategy(spec: GramianStrategySpec): SolverGramianWeighting {
  const policy = spec.config.onNonConvergence ?? 'throw';
  let skipped = 0;
  return {
    name: spec.name,
    family: 'gramian',
    modes: spec.modes ?? ['representation', 'parameters'],
    ...(spec.headGradients === undefined ? {} : { headGradients: spec.headGradients }),
    get skippedSteps(): number {
      return skipped;
    },
    weights(gramian, context): number[] {
      try {
        return spec.compute(gramian, context);
      } catch (e) {
        if (policy === 'skip-step' && isMultitaskError(e) && e.code === 'SOLVER_NOT_CONVERGED') {
          skipped++;
          return new Array<number>(gramian.length).fill(0);
        }
        throw e;
      }
    },
    getConfig: () => ({ ...spec.config }),
    state: () => ({ skippedSteps: skipped }),
    load(state): void {
      const s = state as { skippedSteps?: unknown } | null;
      skipped = typeof s?.skippedSteps === 'number' ? s.skippedSteps : 0;
    },
    dispose: () => undefined,
  };
}
