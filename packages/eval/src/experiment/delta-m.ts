import { MultitaskError } from '@multitask/core';
import { isHigherBetter, type MetricDirections, type TaskMetrics } from './metric-values.ts';

/** Options of {@link deltaM} and {@link flatDeltaM}. */
export interface DeltaMOptions {
  /** Direction of each metric; metric names of {@link builtinMetrics} need no entry. */
  readonly higherIsBetter?: MetricDirections;
  /** Tasks to include (default: every task of the multi-task result). */
  readonly tasks?: readonly string[];
  /**
   * Metric names left out (default `['loss']`: the trainer's evaluation reports a `loss` for every task, and
   * Δm compares task metrics, not losses). Pass `[]` to include everything.
   */
  readonly exclude?: readonly string[];
}

/** A Δm value with its parts. */
export interface DeltaMResult {
  /** The Δm value, in percent. */
  readonly value: number;
  /**
   * Per task (for {@link deltaM}): the mean signed relative change of its metrics, in percent, positive = better.
   * For {@link flatDeltaM}: the same quantity with the flat convention's sign (negative = better).
   */
  readonly perTask: Readonly<Record<string, number>>;
  /** Per task and metric: the signed relative change in percent, with the convention's sign. */
  readonly perMetric: TaskMetrics;
}

/** Signed relative changes `s·(M − B)/|B|` (s = +1 when higher is better, −1 otherwise), per task and metric. */
function relativeChanges(
  result: TaskMetrics,
  baseline: TaskMetrics,
  options: DeltaMOptions,
): Record<string, Record<string, number>> {
  const tasks = options.tasks ?? Object.keys(result);
  if (tasks.length === 0) {
    throw new MultitaskError(
      'NO_DATA',
      '[@multitask/eval] Δm needs at least one task — the multi-task result is empty.',
    );
  }
  const out: Record<string, Record<string, number>> = {};
  for (const task of tasks) {
    const metrics = result[task];
    const base = baseline[task];
    if (metrics === undefined || base === undefined) {
      throw new MultitaskError(
        'INVALID_DATA',
        `[@multitask/eval] Δm: task "${task}" is missing from the ${metrics === undefined ? 'multi-task result' : 'single-task baselines'} — compute a baseline for every task compared.`,
        { details: { task } },
      );
    }
    const exclude = options.exclude ?? ['loss'];
    const names = Object.keys(metrics).filter((name) => !exclude.includes(name));
    if (names.length === 0) {
      throw new MultitaskError(
        'NO_DATA',
        `[@multitask/eval] Δm: task "${task}" has no metrics besides the excluded ${JSON.stringify(exclude)} — configure metrics for it, or pass exclude: [] to compare its loss.`,
        { details: { task } },
      );
    }
    const row: Record<string, number> = {};
    for (const metric of names) {
      const m = metrics[metric]!;
      const b = base[metric];
      if (b === undefined || !Number.isFinite(b) || !Number.isFinite(m) || b === 0) {
        throw new MultitaskError(
          'INVALID_DATA',
          `[@multitask/eval] Δm: metric "${metric}" of task "${task}" needs a finite, non-zero baseline and a finite value, got value ${m} and baseline ${b ?? 'none'}.`,
          { details: { task, metric, value: m, baseline: b } },
        );
      }
      const sign = isHigherBetter(metric, task, options.higherIsBetter) ? 1 : -1;
      row[metric] = (sign * (m - b)) / Math.abs(b);
    }
    out[task] = row;
  }
  return out;
}

/**
 * **Δm%, the convention of this library**: the average relative improvement of the multi-task model over the
 * single-task baselines, averaged within each task first, then across tasks, in percent, **positive = better**
 * (as LibMTL, but always against the single-task baselines and ×100):
 *
 * ```
 * Δm = 100 · (1/T) · Σ_t (1/K_t) · Σ_k s_k · (M_{t,k} − B_{t,k}) / |B_{t,k}|
 * ```
 *
 * with `T` tasks, `K_t` metrics of task `t`, `M` the multi-task value, `B` the single-task baseline, and
 * `s_k = +1` when metric `k` is better when higher (accuracy), `−1` when lower (MSE). Dividing by `|B|` keeps
 * the sign meaningful for metrics that can be negative (R²); for positive baselines it is the usual `B`. Every
 * task weighs the same whatever its number of metrics. Metrics in `options.exclude` (default `loss`) are
 * skipped. Throws `INVALID_DATA` for a missing, zero or non-finite baseline.
 *
 * @param result - the multi-task model's metrics `{ task: { metric: value } }`
 * @param baseline - each task's single-task metrics (see {@link singleTaskBaselines})
 * @example
 * ```ts
 * import { deltaM } from '@multitask/eval';
 *
 * console.log(deltaM({ a: { accuracy: 0.9 }, b: { mse: 0.8 } }, { a: { accuracy: 0.8 }, b: { mse: 1 } }).value);
 * // a: +12.5 %, b: +20 % (the MSE fell) → 16.25
 * ```
 */
export function deltaM(
  result: TaskMetrics,
  baseline: TaskMetrics,
  options: DeltaMOptions = {},
): DeltaMResult {
  const changes = relativeChanges(result, baseline, options);
  const perTask: Record<string, number> = {};
  const perMetric: Record<string, Record<string, number>> = {};
  let total = 0;
  for (const [task, row] of Object.entries(changes)) {
    const values = Object.values(row);
    perTask[task] = (100 * values.reduce((s, x) => s + x, 0)) / values.length;
    perMetric[task] = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, 100 * v]));
    total += perTask[task];
  }
  return { value: total / Object.keys(changes).length, perTask, perMetric };
}

/**
 * **Flat Δm%, the Nash-MTL / FAMO convention**: the mean over *all* (task, metric) pairs of the relative
 * degradation, in percent, **negative = better**:
 *
 * ```
 * Δm_flat = 100 · (1/K) · Σ_{t,k} (−1)^{δ_k} · (M_{t,k} − B_{t,k}) / |B_{t,k}|
 * ```
 *
 * with `K = Σ_t K_t` and `δ_k = 1` when metric `k` is better when higher. Tasks with more metrics weigh more
 * (e.g. NYUv2's surface normals, with 5 of its 9 metrics). It equals `−deltaM` only when every task has the same
 * number of metrics. Use it to compare with numbers published under that convention; report {@link deltaM}
 * otherwise.
 *
 * @example
 * ```ts
 * import { flatDeltaM } from '@multitask/eval';
 *
 * console.log(flatDeltaM({ a: { accuracy: 0.9 }, b: { mse: 0.8 } }, { a: { accuracy: 0.8 }, b: { mse: 1 } }).value); // −16.25
 * ```
 */
export function flatDeltaM(
  result: TaskMetrics,
  baseline: TaskMetrics,
  options: DeltaMOptions = {},
): DeltaMResult {
  const changes = relativeChanges(result, baseline, options);
  const perTask: Record<string, number> = {};
  const perMetric: Record<string, Record<string, number>> = {};
  let total = 0;
  let count = 0;
  for (const [task, row] of Object.entries(changes)) {
    const values = Object.values(row);
    perTask[task] = (-100 * values.reduce((s, x) => s + x, 0)) / values.length;
    perMetric[task] = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, -100 * v]));
    for (const v of values) total -= v;
    count += values.length;
  }
  return { value: (100 * total) / count, perTask, perMetric };
}
