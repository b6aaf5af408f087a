import { MultitaskError } from '@multitask/core';
import type { TaskMetrics } from './metric-values.ts';

/** Options of {@link singleTaskBaselines}. */
export interface SingleTaskBaselinesOptions {
  /** The tasks to train alone, one run each, in this order. */
  readonly tasks: readonly string[];
  /**
   * Trains a model on exactly the given tasks — the same backbone, budget (epochs, steps, data) and seed as the
   * multi-task run — and resolves to its final metrics `{ task: { metric: value } }`. The application wires
   * this to the trainer; eval calls it with one task at a time.
   */
  readonly train: (taskNames: string[]) => Promise<TaskMetrics>;
  /** Called after each task's run with its metrics (for progress output). */
  readonly onTaskDone?: (task: string, metrics: Readonly<Record<string, number>>) => void;
}

/**
 * Single-task baselines for {@link deltaM}: trains each task alone through the injected `train` function,
 * one after another (runs are not parallel: they would compete for the same backend), and collects each
 * task's metrics from its own run. Throws `INVALID_DATA` when a run does not report its task.
 *
 * @example
 * ```ts
 * import { deltaM, singleTaskBaselines } from '@multitask/eval';
 *
 * // train(names) trains a model on those tasks only and returns its validation metrics (a stand-in here)
 * const trainOn = async (names: string[]) => Object.fromEntries(names.map((t) => [t, { accuracy: t === 'digit' ? 0.97 : 0.9 }]));
 * const baselines = await singleTaskBaselines({ tasks: ['digit', 'parity'], train: trainOn });
 * const multiTaskMetrics = { digit: { accuracy: 0.975 }, parity: { accuracy: 0.93 } };
 * const dm = deltaM(multiTaskMetrics, baselines);
 * console.log(dm.value); // > 0: the multi-task model beats training each task alone
 * ```
 */
export async function singleTaskBaselines(
  options: SingleTaskBaselinesOptions,
): Promise<Record<string, Record<string, number>>> {
  const { tasks, train } = options;
  if (tasks.length === 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      '[@multitask/eval] singleTaskBaselines: option "tasks" is empty — list the tasks to train alone.',
      {
        details: { option: 'tasks' },
      },
    );
  }
  const out: Record<string, Record<string, number>> = {};
  for (const task of tasks) {
    const result = await train([task]);
    const metrics = result[task];
    if (metrics === undefined) {
      throw new MultitaskError(
        'INVALID_DATA',
        `[@multitask/eval] singleTaskBaselines: the run of task "${task}" returned metrics for ${JSON.stringify(Object.keys(result))}, not for "${task}" — train() must resolve to { "${task}": { metric: value } }.`,
        { details: { task } },
      );
    }
    out[task] = { ...metrics };
    options.onTaskDone?.(task, metrics);
  }
  return out;
}
