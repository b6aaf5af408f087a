import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Variable } from '@tensorflow/tfjs-core';
import type { JsonValue, LossWeighting } from '@multitask/core';
import { MultitaskError } from '@multitask/core';
import { checkTaskCount, jsonObject, numberRecord } from '../math/loss-math.ts';
import { checkChoiceOption, checkNumberOption } from '../options.ts';

/** Options of {@link uncertaintyWeighting}. */
export interface UncertaintyWeightingOptions {
  /**
   * Names of the tasks. When given, the log-variance variables are created at once, so a training loop that
   * reads {@link UncertaintyWeighting.variables} before the first step optimises them from step 0. Otherwise
   * each task's variable is created at the first `combine` that sees the task.
   */
  readonly tasks?: readonly string[];
  /**
   * Initial log-variance `s = log σ²` of every task. Default `0` (σ = 1, weight 1: the plain sum at step 0), or
   * `−0.5` with `form: 'libmtl'` (LibMTL's initial value).
   */
  readonly initialLogVariance?: number;
  /**
   * The objective per task, one form for every task or a form per task name (tasks not listed: `'sum'`):
   * - `'sum'` (default): `e^{−s}L + s`, twice Kendall et al.'s Gaussian likelihood (see {@link uncertaintyWeighting});
   * - `'regression'`: `½e^{−s}L + ½s`, the paper's regression task (eq. 7, σ² = L at the optimum);
   * - `'classification'`: `e^{−s}L + ½s`, the paper's classification task (eq. 10, σ² = 2L at the optimum);
   * - `'libmtl'`: LibMTL's `UW`, `½e^{−s}L + ½s` for every task starting at `s = −0.5`.
   */
  readonly form?: UncertaintyForm | Readonly<Record<string, UncertaintyForm>>;
}

/** The per-task objective of {@link uncertaintyWeighting}: `a·e^{−s}L + b·s` (see the `form` option). */
export type UncertaintyForm = 'sum' | 'regression' | 'classification' | 'libmtl';

/** `[a, b]` of `a·e^{−s}L + b·s` per form. */
const FORM_COEFFICIENTS: Readonly<Record<UncertaintyForm, readonly [number, number]>> = {
  sum: [1, 1],
  regression: [0.5, 0.5],
  classification: [1, 0.5],
  libmtl: [0.5, 0.5],
};
const FORMS = Object.keys(FORM_COEFFICIENTS) as UncertaintyForm[];

/** The strategy returned by {@link uncertaintyWeighting}: a loss weighting with learned per-task σ. */
export interface UncertaintyWeighting extends LossWeighting {
  /** The trainable log-variances `sₜ = log σₜ²`, one scalar variable per task seen so far. */
  readonly variables: readonly Variable[];
  /**
   * The current weights `a·exp(−sₜ)` for `tasks` (`a` = 1 for the `'sum'` and `'classification'` forms, ½
   * otherwise; 1 for a task not seen yet, with the default init).
   */
  currentWeights(tasks: readonly string[]): readonly number[];
  /** The learned `σₜ = exp(sₜ / 2)` of every task seen so far, by task name. */
  sigmas(): Readonly<Record<string, number>>;
}

/**
 * Homoscedastic-uncertainty weighting (Kendall, Gal & Cipolla, CVPR 2018): each task has a learned
 * log-variance `sₜ = log σₜ²` and the minimised total is
 *
 * `Σₜ exp(−sₜ)·Lₜ + sₜ` (the default `form: 'sum'`)
 *
 * This is twice the paper's Gaussian negative log-likelihood `Σₜ Lₜ/(2σₜ²) + log σₜ` (its eq. 7, with `sₜ` in
 * place of `log σₜ²` for numerical stability, as the paper recommends). Both forms have the same minimiser in `s`,
 * `σₜ² = Lₜ` (for a mean-squared-error loss the learned σ is the residual standard deviation), and give the network
 * the same direction; this form was chosen because at the default `s = 0` every weight is 1, so the strategy
 * starts exactly as the plain sum (static equal weighting) with the same effective learning rate, where the
 * ½-form would halve it. Weights `exp(−sₜ) = 1/σₜ²` are reported by `currentWeights`; `sigmas()` gives σ. The
 * `form` option gives the paper's per-task forms (regression `½e^{−s}L + ½s`, classification `e^{−s}L + ½s`) and
 * LibMTL's (`½e^{−s}L + ½s` for every task from `s = −0.5`), to reproduce either exactly.
 *
 * Family: loss weighting. The strategy owns one trainable scalar per task ({@link UncertaintyWeighting.variables}),
 * which the trainer adds to the optimizer's variables.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { Rng, registerGradients } from '@multitask/core';
 * import { uncertaintyWeighting } from '@multitask/weighting';
 *
 * registerGradients();
 * const strategy = uncertaintyWeighting({ tasks: ['depth', 'segmentation'] });
 * const context = { step: 0, epoch: 0, tasks: ['depth', 'segmentation'], rng: new Rng(1) };
 * const losses = [tf.scalar(4), tf.scalar(0.25)]; // held fixed: the learned σ² tends to each loss
 * const optimizer = tf.train.sgd(0.1);
 * for (let i = 0; i < 200; i++) {
 *   optimizer.minimize(() => strategy.combine(losses, context), false, [...strategy.variables]);
 * }
 * console.log(strategy.sigmas()); // ≈ { depth: 2, segmentation: 0.5 }
 * tf.dispose(losses);
 * optimizer.dispose();
 * strategy.dispose();
 * ```
 */
export function uncertaintyWeighting(options: UncertaintyWeightingOptions = {}): UncertaintyWeighting {
  const form = options.form ?? 'sum';
  const forms: Record<string, UncertaintyForm> = {};
  if (typeof form === 'string') checkChoiceOption('uncertainty', 'form', form, FORMS);
  else {
    for (const [task, f] of Object.entries(form))
      forms[task] = checkChoiceOption('uncertainty', `form.${task}`, f, FORMS);
  }
  const formOf = (task: string): UncertaintyForm =>
    typeof form === 'string' ? form : (forms[task] ?? 'sum');
  const initial = checkNumberOption(
    'uncertainty',
    'initialLogVariance',
    options.initialLogVariance ?? (form === 'libmtl' ? -0.5 : 0),
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
        const coefficients = context.tasks.map((t) => FORM_COEFFICIENTS[formOf(t)]);
        if (coefficients.every(([a, b]) => a === 1 && b === 1)) {
          return tf.sum(tf.add(tf.mul(tf.exp(tf.neg(s)), tf.stack([...losses])), s));
        }
        const a = tf.tensor1d(coefficients.map((c) => c[0]));
        const b = tf.tensor1d(coefficients.map((c) => c[1]));
        return tf.sum(tf.add(tf.mul(tf.mul(a, tf.exp(tf.neg(s))), tf.stack([...losses])), tf.mul(b, s)));
      });
    },
    currentWeights: (names) => names.map((t) => FORM_COEFFICIENTS[formOf(t)][0] * Math.exp(-valueOf(t))),
    // The same weights on the device: the trainer reads them with the step's losses (no read per task).
    currentWeightsTensor: (names) =>
      tf.tidy(() =>
        tf.mul(
          tf.tensor1d(names.map((t) => FORM_COEFFICIENTS[formOf(t)][0])),
          tf.exp(tf.neg(tf.stack(names.map((t) => logVariances.get(t) ?? tf.scalar(initial))))),
        ),
      ),
    sigmas() {
      const out: Record<string, number> = {};
      for (const t of logVariances.keys()) out[t] = Math.exp(valueOf(t) / 2);
      return out;
    },
    getConfig() {
      const config: Record<string, JsonValue> = { initialLogVariance: initial };
      if (form !== 'sum') config.form = typeof form === 'string' ? form : { ...forms };
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
