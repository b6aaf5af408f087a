import { MultitaskError } from '@multitask/core';
import { builtinMetrics, type BuiltinMetricName } from '../metrics/builtins.ts';

/** Final metric values of a run: `{ task: { metric: value } }`. */
export type TaskMetrics = Readonly<Record<string, Readonly<Record<string, number>>>>;

/**
 * Which metrics are better when larger, by metric name (e.g. `{ accuracy: true, mse: false }`), or a function
 * of metric and task. Names not given fall back to {@link builtinMetrics}.
 */
export type MetricDirections =
  Readonly<Record<string, boolean>> | ((metric: string, task: string) => boolean | undefined);

/**
 * Resolves whether `metric` (of `task`) is better when larger: from `directions` first, then from the
 * built-in metric of that name (`loss`, which the trainer reports for every task, is lower-is-better). Throws
 * `UNKNOWN_NAME` when none knows it.
 *
 * @example
 * ```ts
 * import { isHigherBetter } from '@multitask/eval';
 *
 * console.log(isHigherBetter('mse', 'depth')); // false
 * console.log(isHigherBetter('miou', 'seg', { miou: true })); // true
 * ```
 */
export function isHigherBetter(metric: string, task: string, directions?: MetricDirections): boolean {
  const given = typeof directions === 'function' ? directions(metric, task) : directions?.[metric];
  if (given !== undefined) return given;
  if (metric === 'loss') return false;
  if (Object.hasOwn(builtinMetrics, metric))
    return builtinMetrics[metric as BuiltinMetricName]().higherIsBetter;
  throw new MultitaskError(
    'UNKNOWN_NAME',
    `[@multitask/eval] Unknown direction of metric "${metric}" (task "${task}") — pass higherIsBetter: { '${metric}': true | false }.`,
    { details: { metric, task } },
  );
}
