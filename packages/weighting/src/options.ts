/**
 * Option validation for every strategy of the package (internal, not exported by the package): each factory
 * resolves its options once, through these checks, into the plain object that is both its `getConfig()` and the
 * argument of its maths.
 */
import { MultitaskError, type JsonValue } from '@multitask/core';

/** A resolved options object: plain JSON, returned as it is by `getConfig()`. */
export interface ResolvedConfig {
  readonly [key: string]: JsonValue;
}

/** A numeric bound: a named one, or an interval (`open` ends excluded). */
export type NumberBound =
  | 'positive'
  | 'positive-integer'
  | 'non-negative'
  | 'finite'
  | { readonly min: number; readonly max: number; readonly minOpen?: boolean; readonly maxOpen?: boolean };

function describeBound(bound: NumberBound): string {
  if (bound === 'positive') return 'a finite number > 0';
  if (bound === 'positive-integer') return 'a positive integer';
  if (bound === 'non-negative') return 'a finite number ≥ 0';
  if (bound === 'finite') return 'a finite number';
  return `in ${bound.minOpen === true ? '(' : '['}${bound.min}, ${bound.max}${bound.maxOpen === true ? ')' : ']'}`;
}

function withinBound(value: number, bound: NumberBound): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (bound === 'positive') return value > 0;
  if (bound === 'positive-integer') return value > 0 && Number.isInteger(value);
  if (bound === 'non-negative') return value >= 0;
  if (bound === 'finite') return true;
  const aboveMin = bound.minOpen === true ? value > bound.min : value >= bound.min;
  const belowMax = bound.maxOpen === true ? value < bound.max : value <= bound.max;
  return aboveMin && belowMax;
}

/** The `INVALID_OPTION` error every check throws, naming the strategy, the option and what it must be. */
export function invalidOption(
  strategy: string,
  option: string,
  requirement: string,
  got: unknown,
  example?: string,
): MultitaskError {
  return new MultitaskError(
    'INVALID_OPTION',
    `[@multitask/weighting] ${strategy}: option \`${option}\` must be ${requirement}, got ${String(got)}` +
      (example === undefined ? '.' : ` — pass e.g. ${example}.`),
    { details: { option, strategy } },
  );
}

/** Returns `value` when it satisfies `bound`, else throws `INVALID_OPTION`. */
export function checkNumberOption(
  strategy: string,
  option: string,
  value: number,
  bound: NumberBound,
  example?: string,
): number {
  if (!withinBound(value, bound)) throw invalidOption(strategy, option, describeBound(bound), value, example);
  return value;
}

/** Returns `value` when it is one of `allowed` (listed in the message in the given order), else throws. */
export function checkChoiceOption<T extends string | number>(
  strategy: string,
  option: string,
  value: T,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value)) {
    const list = allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ');
    throw invalidOption(strategy, option, `one of ${list}`, typeof value === 'string' ? `'${value}'` : value);
  }
  return value;
}

/** What to do when an iterative solver does not converge within its iteration limit. */
export type NonConvergencePolicy = 'throw' | 'skip-step';

/** Options shared by the strategies that run an iterative solver. */
export interface SolverOptions {
  /** Iteration limit of the solver. */
  readonly maxIterations?: number;
  /** Residual below which the solver stops (on the Gramian normalised to mean diagonal 1). */
  readonly tolerance?: number;
  /**
   * `'throw'` (default): a `MultitaskError` with code `SOLVER_NOT_CONVERGED`, naming the strategy and the
   * residual. `'skip-step'`: return all-zero weights for that step (no update from the shared part) and count it
   * in `skippedSteps`.
   */
  readonly onNonConvergence?: NonConvergencePolicy;
}

/** {@link SolverOptions} with every default filled in. */
export interface ResolvedSolverOptions extends ResolvedConfig {
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly onNonConvergence: NonConvergencePolicy;
}

/** Checks the solver options of `strategy` and fills in its defaults. */
export function resolveSolverOptions(
  strategy: string,
  options: SolverOptions,
  defaults: { readonly maxIterations: number; readonly tolerance: number },
): ResolvedSolverOptions {
  return {
    maxIterations: checkNumberOption(
      strategy,
      'maxIterations',
      options.maxIterations ?? defaults.maxIterations,
      'positive-integer',
    ),
    tolerance: checkNumberOption(strategy, 'tolerance', options.tolerance ?? defaults.tolerance, 'positive'),
    onNonConvergence: checkChoiceOption(strategy, 'onNonConvergence', options.onNonConvergence ?? 'throw', [
      'throw',
      'skip-step',
    ]),
  };
}
