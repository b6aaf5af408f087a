/**
 * Task schedules: which task's batch a step of a per-task loader takes.
 */
import { MultitaskError, type Rng } from '@multitask/core';

/**
 * How a per-task loader picks tasks:
 * - `'all'`: every step holds one batch of every task (an array of per-task batches);
 * - `'round-robin'`: task 0, 1, …, K−1, 0, 1, … (one task per step);
 * - `'proportional'`: a random task with probability ∝ its size;
 * - `{ type: 'temperature', temperature: T }`: probability ∝ size^(1/T) (T = 1 is proportional, T → ∞ uniform);
 * - `'sequential'`: all of task 0's batches, then all of task 1's, … (no interleaving).
 */
export type TaskScheduleSpec = 'all' | 'round-robin' | 'proportional' | 'sequential' | TemperatureSchedule;

/** Temperature-scaled sampling: task i is drawn with probability ∝ size_i^(1/T). */
export interface TemperatureSchedule {
  /** Always `'temperature'`. */
  readonly type: 'temperature';
  /** T > 0: 1 = proportional to size, large = uniform over tasks. */
  readonly temperature: number;
}

/** A schedule bound to task sizes: picks the task of each step. */
export interface TaskSchedule {
  /** The schedule's name (`'temperature(T=2)'` etc.). */
  readonly name: string;
  /** Sampling probabilities per task (random schedules), or the long-run share of steps (deterministic ones). */
  readonly probabilities: readonly number[];
  /**
   * The task index of step `step` (0-based) of an epoch. Random schedules draw from `rng`; deterministic ones
   * ignore it.
   */
  readonly pick: (step: number, rng: Rng) => number;
}

function option(message: string): MultitaskError {
  return new MultitaskError('INVALID_OPTION', `[@multitask/data] ${message}`, {
    details: { option: 'schedule' },
  });
}

function sampler(name: string, weights: readonly number[]): TaskSchedule {
  const total = weights.reduce((a, b) => a + b, 0);
  const probabilities = weights.map((w) => w / total);
  const cumulative: number[] = [];
  let acc = 0;
  for (const p of probabilities) cumulative.push((acc += p));
  return {
    name,
    probabilities,
    pick: (_step: number, rng: Rng): number => {
      const u = rng.next();
      for (let i = 0; i < cumulative.length - 1; i++) if (u < cumulative[i]!) return i;
      return cumulative.length - 1;
    },
  };
}

/**
 * Binds a schedule to the sizes of the tasks (`sizes[i]` rows, or batches, of task i) for a sampling
 * schedule. `'all'` has no per-step pick and is rejected here (a per-task source handles it directly);
 * `'sequential'` needs the number of batches per task (`sizes` are then batch counts).
 *
 * @example
 * ```ts
 * import { Rng } from '@multitask/core';
 * import { taskSchedule } from '@multitask/data';
 *
 * const s = taskSchedule({ type: 'temperature', temperature: 2 }, [60000, 600]);
 * const rng = new Rng(1);
 * const step = 0;
 * const task = s.pick(step, rng); // 0 with probability √60000 / (√60000 + √600) ≈ 0.909
 * console.log(task);
 * ```
 */
export function taskSchedule(spec: Exclude<TaskScheduleSpec, 'all'>, sizes: readonly number[]): TaskSchedule {
  if (sizes.length === 0) throw option('a schedule needs at least one task.');
  if (!sizes.every((n) => Number.isFinite(n) && n > 0)) {
    throw option(`task sizes must be positive numbers, got [${sizes.join(', ')}] — every task needs rows.`);
  }
  if (spec === 'round-robin') {
    return {
      name: spec,
      probabilities: sizes.map(() => 1 / sizes.length),
      pick: (step) => step % sizes.length,
    };
  }
  if (spec === 'proportional') return sampler(spec, sizes);
  if (spec === 'sequential') {
    const total = sizes.reduce((a, b) => a + b, 0);
    const ends: number[] = [];
    let acc = 0;
    for (const n of sizes) ends.push((acc += n));
    return {
      name: spec,
      probabilities: sizes.map((n) => n / total),
      pick: (step: number): number => {
        const s = step % total;
        return ends.findIndex((end) => s < end);
      },
    };
  }
  const t = spec.temperature;
  if (!(t > 0) || !Number.isFinite(t))
    throw option(`temperature must be a positive finite number, got ${t}.`);
  // Normalise by the largest size first so that n^(1/T) cannot overflow for large n and small T.
  const max = Math.max(...sizes);
  return sampler(
    `temperature(T=${t})`,
    sizes.map((n) => (n / max) ** (1 / t)),
  );
}
