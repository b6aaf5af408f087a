import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Variable } from '@tensorflow/tfjs-core';
import type { JsonValue, LossWeighting } from '@multitask/core';
import { MultitaskError } from '@multitask/core';
import {
  checkNumberOption,
  checkTaskCount,
  jsonObject,
  numberRecord,
} from '../math/loss-math.ts';

/** Options of {@link uncertaintyWeighting}. */
export interface UncertaintyWeightingOptions {
  /**
   * Names of the tasks. When given, the log-variance variables are created at once, so a training loop that
   * reads {@link UncertaintyWeighting.variables} before the first step optimises them from step 0. Otherwise
   * each task's variable is created at the first `combine` that sees the task.
   */
  readonly tasks?: readonly string[];
  /** Initial log-variance `s = log σ²` of every task. Default `0` (σ = 1, weight 1: the plain sum at step 0). */
  readonly initialLogVariance?: number;
}

/** The strategy returned by {@link uncertaintyWeighting}: a loss weighting with learned per-task σ. */
export interface UncertaintyWeighting extends LossWeighting {
  /** The trainable log-variances `sₜ = log σₜ²`, one scalar variable per task seen so far. */
  readonly variables: readonly Variable[];
  /** The current weights `exp(−sₜ) = 1/σₜ²` for `tasks` (1 for a task not seen yet, with the default init). */
  currentWeights(tasks: readonly string[]): readonly number[];
  /** The learned `σₜ = exp(sₜ / 2)` of every task seen so far, by task name. */
  sigmas(): Readonly<Record<string, number>>;
}

/**
 * Homoscedastic-uncertainty weighting (Kendall, Gal & Cipolla, CVPR 2018): each task has a learned
 * log-variance `sₜ = log σₜ²` and the minimised total is
 *
 * `Σₜ exp(−sₜ)·Lₜ + sₜ`
 *
 * This is twice the paper's Gaussian negative log-likelihood `Σₜ Lₜ/(2σₜ²) + log σₜ` (its eq. 7, with `sₜ` in
 * place of `log σₜ²` for numerical stability, as the paper recommends). Both forms have the same minimiser in `s`,
 * `σₜ² = Lₜ` (for a mean-squared-error loss the learned σ is the residual standard deviation), and give the network
 * the same direction; this form was chosen because at the default `s = 0` every weight is 1, so the strategy
 * starts exactly as the plain sum (static equal weighting) with the same effective learning rate, where the
 * ½-form would halve it. Weights `exp(−sₜ) = 1/σₜ²` are reported by `currentWeights`; `sigmas()` gives σ.
 *
 * Family: loss weighting. The strategy owns one trainable scalar per task ({@link UncertaintyWeighting.variables}),
 * which the trainer adds to the optimizer's variables.
 *
 * @example
 * ```ts
 * const strategy = uncertaintyWeighting({ tasks: ['depth', 'segmentation'] });
 * // after training:
 * strategy.sigmas(); // { depth: 0.8, segmentation: 2.1 }
 * ```
 */
export function uncertaintyWeighting(options: UncertaintyWeightingOptions = {}): UncertaintyWeighting {
  const initial = checkNumberOption(
    'uncertainty',
    'initialLogVariance',
    options.initialLogVariance ?? 0,
    'finite',
    '{ initialLogVariance: 0 }',
  );
  const tasks = options.tasks === undefined ? undefined : [...options.tasks];
  if (tasks !== undefined && new Set(tasks).size !== tasks.length) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/weighting] uncertainty: option "tasks" must list distinct task names, got [${tasks.join(', ')}].`,
      { details: { option: 'tasks' } },
    );
  }
  const logVariances = new Map<string, Variable>();

  const create = (task: string, value: number): Variable => {
    const init = tf.scalar(value);
    const v = tf.variable(init, true);
    init.dispose();
    logVariances.set(task, v);
    return v;
  };
  const variableOf = (task: string): Variable => logVariances.get(task) ?? create(task, initial);
  const valueOf = (task: string): number => {
    const v = logVariances.get(task);
    return v === undefined ? initial : v.dataSync()[0]!;
  };

  if (tasks !== undefined) for (const t of tasks) variableOf(t);

  return {
    name: 'uncertainty',
    family: 'loss',
    get variables(): readonly Variable[] {
      return [...logVariances.values()];
    },
    init(names: readonly string[]): void {
      for (const t of names) variableOf(t);
    },
    combine(losses, context): Scalar {
      checkTaskCount('uncertainty', 'losses', losses.length, context.tasks);
      const vars = context.tasks.map(variableOf);
      return tf.tidy(() => {
        if (losses.length === 0) return tf.scalar(0);
        const s = tf.stack(vars);
        return tf.sum(tf.add(tf.mul(tf.exp(tf.neg(s)), tf.stack([...losses])), s));
      });
    },
    currentWeights: (names) => names.map((t) => Math.exp(-valueOf(t))),
    sigmas() {
      const out: Record<string, number> = {};
      for (const t of logVariances.keys()) out[t] = Math.exp(valueOf(t) / 2);
      return out;
    },
    getConfig() {
      const config: Record<string, JsonValue> = { initialLogVariance: initial };
      if (tasks !== undefined) config.tasks = tasks;
      return config;
    },
    state(): JsonValue {
      const logVar: Record<string, number> = {};
      for (const t of logVariances.keys()) logVar[t] = valueOf(t);
      return { logVariances: logVar };
    },
    load(state) {
      const what = 'an object { logVariances: { [task]: number } }';
      const values = numberRecord('uncertainty', jsonObject('uncertainty', state, what).logVariances, what);
      for (const [t, s] of Object.entries(values)) {
        const v = logVariances.get(t);
        if (v === undefined) create(t, s);
        else {
          tf.tidy(() => {
            v.assign(tf.scalar(s));
          });
        }
      }
    },
    dispose() {
      for (const v of logVariances.values()) v.dispose();
      logVariances.clear();
    },
  };
}
