import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Optimizer, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { Batch, StepBatch } from './batch.ts';
import { batchSize as rowsOf, disposeBatch, isTensorLike } from './batch.ts';
import type { EpochEvent, StepEvent, TrainerCallback, TrainingControl } from './callbacks.ts';
import type { DataSource } from './data-source.ts';
import { isMultitaskError, MultitaskError } from './errors.ts';
import { gradientsRegistered } from './gradients.ts';
import {
  forwardLosses,
  lossWeightingStep,
  parametersStep,
  representationStep,
  type ActiveTask,
  type StepGradients,
} from './gradient-step.ts';
import type { Metric, MetricFactory } from './metric.ts';
import type { MultitaskModel } from './model.ts';
import { Rng, type RngState } from './random.ts';
import { shapeString } from './tensor-utils.ts';
import type { GradientMode, HeadGradients, StepContext, WeightingStrategy } from './weighting.ts';

/** Options of {@link Trainer}. */
export interface TrainerOptions {
  /** The model to train. */
  readonly model: MultitaskModel;
  /** How task losses or gradients are combined. */
  readonly strategy: WeightingStrategy;
  /** Any tfjs optimizer (e.g. `tf.train.adam(1e-3)`). The trainer does not dispose it. */
  readonly optimizer: Optimizer;
  /** The one seed everything random flows from (shuffling, dropout, random strategies). */
  readonly seed: number;
  /**
   * Where Gramian and Jacobian strategies take per-task gradients. `auto` (default) uses the strategy's
   * preferred mode when the step allows it (one joint batch and a shared representation), else `parameters`.
   */
  readonly gradientMode?: 'auto' | GradientMode;
  /**
   * Head gradients under Gramian/Jacobian strategies: `unweighted` (∂Lₜ/∂θₜ, as LibMTL) or `weighted`
   * (∂(wₜLₜ)/∂θₜ). Default: the strategy's `headGradients`, else `unweighted`.
   */
  readonly headGradients?: HeadGradients;
  /** Training hooks. */
  readonly callbacks?: readonly TrainerCallback[];
  /** Metrics per task for evaluation (`{ task: [accuracy] }`). Tasks without an entry report the loss only. */
  readonly metrics?: Readonly<Record<string, readonly MetricFactory[]>>;
  /**
   * Record per-task gradient statistics (Gramian) every N steps for `onGradientStats` callbacks; 0 = off
   * (default). Free for Gramian strategies; for loss weighting a recorded step adds taps on the representation.
   */
  readonly diagnosticsEvery?: number;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Number of passes over the training data. */
  readonly epochs: number;
  /** Rows per batch. */
  readonly batchSize: number;
  /** Evaluated at the end of every epoch. */
  readonly validation?: DataSource;
  /** Shuffle the training rows every epoch (default true). */
  readonly shuffle?: boolean;
  /**
   * Check every training batch before the first step (targets valid for their task, every task has labelled
   * rows, inputs accepted by the model): `full` (default) reads the whole training set once, `first-batch`
   * only the first batch, `none` skips the check.
   */
  readonly validateData?: 'full' | 'first-batch' | 'none';
  /** Callbacks for this call only, after the trainer's own (e.g. a checkpoint writer). */
  readonly callbacks?: readonly TrainerCallback[];
}

/** Per-task metrics: `{ task: { metric: value } }`; every task also has `loss`. */
export type TaskMetrics = Record<string, Record<string, number>>;

/** What {@link Trainer.fit} returns. */
export interface TrainResult {
  /** Epochs completed. */
  readonly epochs: number;
  /** Optimizer steps run. */
  readonly steps: number;
  /** One event per epoch. */
  readonly history: readonly EpochEvent[];
  /** Why training stopped before the last epoch, if it did. */
  readonly stoppedEarly?: string;
  /** The gradient mode used by Gramian/Jacobian strategies (`undefined` for loss weighting). */
  readonly gradientMode?: GradientMode;
}

/**
 * The multi-task training loop. tfjs's `model.fit` can only sum losses; this loop computes exactly what the
 * strategy needs: one backward pass for loss weighting; per-task gradients w.r.t. the shared representation
 * (one backbone forward and backward) or w.r.t. the shared parameters (one backbone backward per task) for
 * Gramian and Jacobian strategies.
 *
 * - Masked losses: a row whose mask is 0 does not count; a task with no labelled row in a batch is left out of
 *   that step (weight 0, out of the Gramian), never a NaN.
 * - A non-finite loss stops training with a `NON_FINITE_LOSS` error naming the task and the step, before the
 *   parameters are touched.
 * - Everything random (shuffling, dropout, random strategies) flows from `seed`: the same seed on the same
 *   backend gives the same numbers.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel, Trainer, registerGradients } from '@multitask/core';
 * import { mlpBackbone } from '@multitask/backbones';
 * import { loadPenguins } from '@multitask/data';
 * import { classificationTask, regressionTask } from '@multitask/heads';
 * import { staticWeighting } from '@multitask/weighting';
 *
 * registerGradients();
 * const { train, test } = loadPenguins({ seed: 1, test: 0.2 });
 * const model = new MultitaskModel({
 *   backbone: mlpBackbone({ inputSize: 6, units: [32] }),
 *   tasks: [
 *     classificationTask('species', { inputSize: 32, numClasses: 3 }),
 *     classificationTask('sex', { inputSize: 32, numClasses: 2 }),
 *     regressionTask('body_mass', { inputSize: 32 }),
 *   ],
 * });
 * const trainer = new Trainer({ model, strategy: staticWeighting(), optimizer: tf.train.adam(1e-2), seed: 1 });
 * const result = await trainer.fit(train, { epochs: 10, batchSize: 32, validation: test });
 * console.log(result.steps, result.history.at(-1)?.validation);
 * ```
 */
export class Trainer {
  /** The model being trained. */
  readonly model: MultitaskModel;
  /** The weighting strategy. */
  readonly strategy: WeightingStrategy;
  /** The optimizer. */
  readonly optimizer: Optimizer;
  readonly #options: TrainerOptions;
  #rng: Rng;
  #strategyRng: Rng;
  #step = 0;
  #epoch = 0;
  #stopReason: string | undefined;
  #modeUsed: GradientMode | undefined;

  /** Creates a trainer; throws `INVALID_OPTION` for an unsupported gradient mode or a bad seed. */
  constructor(options: TrainerOptions) {
    if (!gradientsRegistered()) {
      throw new MultitaskError(
        'MISSING_GRADIENT',
        "[@multitask/core] tfjs's gradient functions are not registered, so nothing can be trained — call " +
          '`registerGradients()` from @multitask/core once before creating the Trainer (tfjs-core ships them but registers none).',
      );
    }
    options.strategy.init?.(options.model.taskNames);
    this.model = options.model;
    this.strategy = options.strategy;
    this.optimizer = options.optimizer;
    this.#options = options;
    this.#rng = new Rng(options.seed);
    this.#strategyRng = this.#rng.fork();
    const mode = options.gradientMode ?? 'auto';
    const s = options.strategy;
    if (mode !== 'auto' && s.family !== 'loss' && !s.modes.includes(mode)) {
      throw new MultitaskError(
        'UNSUPPORTED_GRADIENT_MODE',
        `[@multitask/core] Strategy "${s.name}" does not support gradientMode "${mode}" ` +
          `(it supports: ${s.modes.join(', ')}).`,
        { details: { strategy: s.name, option: 'gradientMode' } },
      );
    }
    const every = options.diagnosticsEvery ?? 0;
    if (!Number.isInteger(every) || every < 0) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/core] diagnosticsEvery must be an integer ≥ 0, got ${every}.`,
        {
          details: { option: 'diagnosticsEvery' },
        },
      );
    }
  }

  /** Steps run so far. */
  get step(): number {
    return this.#step;
  }

  /** Epochs completed so far. */
  get epoch(): number {
    return this.#epoch;
  }

  /** State of the trainer's random generators, step and epoch (for checkpoints). */
  state(): {
    readonly step: number;
    readonly epoch: number;
    readonly rng: RngState;
    readonly strategyRng: RngState;
  } {
    return {
      step: this.#step,
      epoch: this.#epoch,
      rng: this.#rng.state(),
      strategyRng: this.#strategyRng.state(),
    };
  }

  /** Restores {@link Trainer.state}. */
  loadState(state: {
    readonly step: number;
    readonly epoch: number;
    readonly rng: RngState;
    readonly strategyRng: RngState;
  }): void {
    this.#step = state.step;
    this.#epoch = state.epoch;
    this.#rng = Rng.fromState(state.rng);
    this.#strategyRng = Rng.fromState(state.strategyRng);
  }

  /**
   * Runs one optimizer step on one step batch (a joint batch, or one batch per task). The batch's tensors are
   * not disposed. Returns the step's event (also sent to `onStepEnd` callbacks by {@link Trainer.fit}).
   */
  trainStep(stepBatch: StepBatch): StepEvent {
    const batches: readonly Batch[] = Array.isArray(stepBatch) ? stepBatch : [stepBatch as Batch];
    const tasks = this.#activeTasks(batches);
    const step = this.#step;
    const stepSeed = this.#rng.opSeed();
    const names = tasks.map((t) => t.name);
    const rows = batches.reduce((s, b) => s + rowsOf(b), 0);
    if (tasks.length === 0) {
      this.#step++;
      return { step, epoch: this.#epoch, losses: {}, totalLoss: 0, rows };
    }
    const context: StepContext = { step, epoch: this.#epoch, tasks: names, rng: this.#strategyRng };
    const every = this.#options.diagnosticsEvery ?? 0;
    const record = every > 0 && step % every === 0;
    const s = this.strategy;
    let result: StepGradients;
    if (s.family === 'loss') {
      result = lossWeightingStep({ model: this.model, tasks, stepSeed }, s, context, record);
    } else {
      const mode = this.#resolveMode(tasks);
      this.#modeUsed = mode;
      const headGradients = this.#options.headGradients ?? s.headGradients ?? 'unweighted';
      const opts = { model: this.model, tasks, stepSeed, strategy: s, mode, headGradients, context };
      result = mode === 'representation' ? representationStep(opts) : parametersStep(opts);
    }
    const bad = result.losses.findIndex((l) => !Number.isFinite(l));
    if (bad >= 0 || !Number.isFinite(result.total)) {
      tf.dispose(result.grads);
      const task = bad >= 0 ? names[bad]! : '(total)';
      throw new MultitaskError(
        'NON_FINITE_LOSS',
        `[@multitask/core] The loss of task "${task}" is ${bad >= 0 ? result.losses[bad] : result.total} at step ` +
          `${step} (epoch ${this.#epoch}); training stopped before the update. Lower the learning rate, check the ` +
          `task's targets for NaN/Inf, or normalise them.`,
        { details: { task, step, epoch: this.#epoch } },
      );
    }
    this.#applyGradients(result.grads);
    tf.dispose(result.grads);
    const losses = Object.fromEntries(names.map((n, i) => [n, result.losses[i]!]));
    if (s.afterStep) {
      const lossesAfter = s.needsLossesAfterStep ? this.#lossesAfter(tasks, stepSeed) : undefined;
      s.afterStep({ ...context, losses: result.losses, ...(lossesAfter ? { lossesAfter } : {}) });
    }
    this.#step++;
    const event: StepEvent = {
      step,
      epoch: this.#epoch,
      losses,
      totalLoss: result.total,
      rows,
      ...(result.weights
        ? { weights: Object.fromEntries(names.map((n, i) => [n, result.weights![i]!])) }
        : {}),
    };
    if (record && result.gramian) {
      this.#pendingStats = {
        step,
        epoch: this.#epoch,
        tasks: names,
        gramian: result.gramian,
        mode: this.#modeUsed ?? 'representation',
      };
    }
    return event;
  }

  /**
   * tfjs optimizers keep their slots (Adam's moments…) by position in the gradient list, not by variable name.
   * Passing a fixed-order list of every variable, with `null` for those without a gradient this step (a task left
   * out, a frozen part), keeps each variable's slots its own and skips its update, as PyTorch does for `None`.
   */
  #applyGradients(grads: NamedTensorMap): void {
    const list = this.#variableOrder().map((v) => ({ name: v.name, tensor: grads[v.name] ?? null }));
    this.optimizer.applyGradients(list as unknown as Parameters<Optimizer['applyGradients']>[0]);
  }

  #variableOrder(): Variable[] {
    const s = this.strategy;
    return [
      ...this.model.backbone.trainableVariables,
      ...this.model.tasks.flatMap((t) => t.head.trainableVariables),
      ...(s.family === 'loss' ? (s.variables ?? []) : []),
    ];
  }

  #stopRequested(): string | undefined {
    return this.#stopReason;
  }

  #pendingStats: Parameters<NonNullable<TrainerCallback['onGradientStats']>>[0] | undefined;

  /** The step's losses recomputed after the update, same batch and dropout seeds, statistics untouched (FAMO). */
  #lossesAfter(tasks: readonly ActiveTask[], stepSeed: number): number[] {
    const t = tf.tidy(() =>
      tf.stack(forwardLosses({ model: this.model, tasks, stepSeed }, undefined, false)),
    );
    const v = Array.from(t.dataSync());
    t.dispose();
    return v;
  }

  #resolveMode(tasks: readonly ActiveTask[]): GradientMode {
    const s = this.strategy;
    if (s.family === 'loss') return 'parameters';
    const requested = this.#options.gradientMode ?? 'auto';
    const single = tasks.every((t) => t.batch === tasks[0]!.batch);
    const repPossible = (): boolean => single && this.#hasSharedTensor(tasks[0]!.batch);
    if (requested === 'representation') {
      if (!single) {
        throw new MultitaskError(
          'UNSUPPORTED_GRADIENT_MODE',
          `[@multitask/core] gradientMode "representation" needs one joint batch per step, but this step has one ` +
            `batch per task (per-task loaders give each task its own representation) — use "parameters".`,
          { details: { option: 'gradientMode', strategy: s.name } },
        );
      }
      return 'representation';
    }
    if (requested === 'parameters') return 'parameters';
    const preferred = s.modes[0] ?? 'parameters';
    if (preferred === 'representation' && repPossible()) return 'representation';
    if (s.modes.includes('parameters')) return 'parameters';
    if (repPossible()) return 'representation';
    throw new MultitaskError(
      'UNSUPPORTED_GRADIENT_MODE',
      `[@multitask/core] Strategy "${s.name}" supports only ${s.modes.join(', ')} mode, which this step cannot use ` +
        '(per-task batches or per-task representations without a shared tensor).',
      { details: { strategy: s.name, option: 'gradientMode' } },
    );
  }

  #sharedTensor: boolean | undefined;

  /** Whether per-task gradients can be taken at one shared tensor (cached after one inference pass). */
  #hasSharedTensor(batch: Batch): boolean {
    if (this.model.backbone.applyShared) return true;
    if (this.#sharedTensor === undefined) {
      let shared = false;
      tf.tidy(() => {
        shared = isTensorLike(this.model.backbone.apply(batch.inputs, { training: false }));
      });
      this.#sharedTensor = shared;
    }
    return this.#sharedTensor;
  }

  #activeTasks(batches: readonly Batch[]): ActiveTask[] {
    const found = new Map<string, Batch>();
    for (const batch of batches) {
      for (const name of tasksOf(batch)) {
        this.model.task(name);
        if (!(name in batch.targets)) {
          throw new MultitaskError(
            'INVALID_DATA',
            `[@multitask/core] A batch tagged with task "${name}" has no targets for it.`,
            { details: { task: name } },
          );
        }
        if (found.has(name)) {
          throw new MultitaskError(
            'INVALID_DATA',
            `[@multitask/core] Task "${name}" appears in two batches of one step — a step takes at most one batch per task.`,
            { details: { task: name } },
          );
        }
        found.set(name, batch);
      }
    }
    // Tasks whose mask has no labelled row are left out of the step: one small read for all masks.
    const masked = [...found].filter(([name, b]) => b.masks?.[name] !== undefined);
    let empty = new Set<string>();
    if (masked.length > 0) {
      const sums = tf.tidy(() =>
        tf.stack(masked.map(([name, b]) => tf.sum(tf.cast(tf.greater(b.masks![name]!, 0), 'float32')))),
      );
      const values = sums.dataSync();
      sums.dispose();
      empty = new Set(masked.filter((_, i) => values[i] === 0).map(([name]) => name));
    }
    return this.model.taskNames
      .filter((n) => found.has(n) && !empty.has(n))
      .map((name) => ({ name, batch: found.get(name)! }));
  }

  /**
   * Trains for `options.epochs` epochs over `train`, evaluating `options.validation` after each epoch.
   * Batches are disposed after their step.
   */
  async fit(train: DataSource, options: FitOptions): Promise<TrainResult> {
    const callbacks = [...(this.#options.callbacks ?? []), ...(options.callbacks ?? [])];
    if (!(Number.isInteger(options.epochs) && options.epochs >= 1)) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/core] epochs must be an integer ≥ 1, got ${options.epochs}.`,
        {
          details: { option: 'epochs' },
        },
      );
    }
    if (!(Number.isInteger(options.batchSize) && options.batchSize >= 1)) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/core] batchSize must be an integer ≥ 1, got ${options.batchSize}.`,
        {
          details: { option: 'batchSize' },
        },
      );
    }
    await this.validateData(train, options.batchSize, options.validateData ?? 'full');
    this.#stopReason = undefined;
    const control: TrainingControl = { stop: (reason) => (this.#stopReason = reason) };
    for (const cb of callbacks)
      await cb.onTrainBegin?.({ epochs: options.epochs, tasks: this.model.taskNames });
    const history: EpochEvent[] = [];
    const startEpoch = this.#epoch;
    for (let e = startEpoch; e < startEpoch + options.epochs && this.#stopRequested() === undefined; e++) {
      const started = Date.now();
      const sums = new Map<string, { sum: number; n: number }>();
      const seed = this.#rng.opSeed();
      for await (const stepBatch of train.batches({
        batchSize: options.batchSize,
        shuffle: options.shuffle ?? true,
        seed,
      })) {
        let event: StepEvent;
        try {
          event = this.trainStep(stepBatch);
        } finally {
          for (const b of Array.isArray(stepBatch) ? (stepBatch as readonly Batch[]) : [stepBatch as Batch])
            disposeBatch(b);
        }
        for (const [task, l] of Object.entries(event.losses)) {
          const acc = sums.get(task) ?? { sum: 0, n: 0 };
          acc.sum += l;
          acc.n += 1;
          sums.set(task, acc);
        }
        for (const cb of callbacks) await cb.onStepEnd?.(event, control);
        const stats = this.#pendingStats;
        this.#pendingStats = undefined;
        if (stats) for (const cb of callbacks) await cb.onGradientStats?.(stats);
        if (this.#stopRequested() !== undefined) break;
      }
      const trainLosses = Object.fromEntries([...sums].map(([t, a]) => [t, a.sum / a.n]));
      this.strategy.afterEpoch?.(e, trainLosses);
      const validation = options.validation
        ? await this.evaluate(options.validation, { batchSize: options.batchSize })
        : undefined;
      this.#epoch = e + 1;
      const event: EpochEvent = {
        epoch: e,
        trainLosses,
        step: this.#step,
        seconds: (Date.now() - started) / 1000,
        ...(validation ? { validation } : {}),
      };
      history.push(event);
      for (const cb of callbacks) await cb.onEpochEnd?.(event, control);
    }
    const stoppedEarly = this.#stopRequested();
    for (const cb of callbacks) {
      await cb.onTrainEnd?.({
        epochs: history.length,
        steps: this.#step,
        stoppedEarly: stoppedEarly !== undefined,
      });
    }
    return {
      epochs: history.length,
      steps: this.#step,
      history,
      ...(stoppedEarly !== undefined ? { stoppedEarly } : {}),
      ...(this.#modeUsed ? { gradientMode: this.#modeUsed } : {}),
    };
  }

  /**
   * Evaluates the model on `data` (inference mode): the mean loss of every task over its labelled rows, plus
   * the metrics configured for it.
   */
  async evaluate(data: DataSource, options: { readonly batchSize?: number } = {}): Promise<TaskMetrics> {
    const factories = this.#options.metrics ?? {};
    const metrics = new Map<string, Metric[]>(
      this.model.taskNames.map((n) => [n, (factories[n] ?? []).map((f) => f())]),
    );
    const lossSums = new Map<string, { sum: number; n: number }>();
    for await (const stepBatch of data.batches({
      batchSize: options.batchSize ?? 256,
      shuffle: false,
      seed: 1,
    })) {
      const batches = Array.isArray(stepBatch) ? (stepBatch as readonly Batch[]) : [stepBatch as Batch];
      try {
        for (const batch of batches) {
          const names = tasksOf(batch).filter((n) => this.model.taskNames.includes(n));
          const preds = this.model.predict(batch.inputs, names);
          try {
            const pairs = tf.tidy(() =>
              tf.stack(
                names.flatMap((n) => {
                  const mask = batch.masks?.[n];
                  const loss = this.model.task(n).loss(preds[n]!, batch.targets[n]!, mask);
                  const count = mask
                    ? tf.sum(tf.cast(tf.greater(mask, 0), 'float32'))
                    : tf.scalar(rowsOf(batch));
                  return [loss, count];
                }),
              ),
            );
            const v = pairs.dataSync();
            pairs.dispose();
            names.forEach((n, i) => {
              const count = v[2 * i + 1]!;
              if (count === 0) return;
              const acc = lossSums.get(n) ?? { sum: 0, n: 0 };
              acc.sum += v[2 * i]! * count;
              acc.n += count;
              lossSums.set(n, acc);
              for (const m of metrics.get(n) ?? []) m.update(preds[n]!, batch.targets[n]!, batch.masks?.[n]);
            });
          } finally {
            tf.dispose(Object.values(preds));
          }
        }
      } finally {
        for (const b of batches) disposeBatch(b);
      }
    }
    const out: TaskMetrics = {};
    for (const name of this.model.taskNames) {
      const acc = lossSums.get(name);
      if (!acc) continue;
      out[name] = { loss: acc.sum / acc.n };
      for (const m of metrics.get(name) ?? []) out[name][m.name] = m.result();
    }
    return out;
  }

  /**
   * Checks training data before any step: every batch's targets pass their task's `validateTarget`, every
   * task of the model has labelled rows, and the model accepts the inputs. Throws a `MultitaskError` naming the
   * task, batch and problem.
   */
  async validateData(
    data: DataSource,
    batchSize: number,
    how: 'full' | 'first-batch' | 'none' = 'full',
  ): Promise<void> {
    if (how === 'none') return;
    const labelled = new Map<string, number>(this.model.taskNames.map((n) => [n, 0]));
    let index = 0;
    let probed = false;
    for await (const stepBatch of data.batches({ batchSize, shuffle: false, seed: 1 })) {
      const batches = Array.isArray(stepBatch) ? (stepBatch as readonly Batch[]) : [stepBatch as Batch];
      try {
        for (const batch of batches) {
          for (const [name, target] of Object.entries(batch.targets)) {
            if (!labelled.has(name)) {
              throw new MultitaskError(
                'INVALID_DATA',
                `[@multitask/core] The data ${data.name ? `"${data.name}" ` : ''}has targets for "${name}", which is ` +
                  `not a task of the model (tasks: ${this.model.taskNames.join(', ')}).`,
                { details: { task: name } },
              );
            }
            const task = this.model.task(name);
            const mask = batch.masks?.[name];
            const problem = task.validateTarget?.(target, mask);
            if (problem !== undefined) {
              throw new MultitaskError(
                'LABEL_OUT_OF_RANGE',
                `[@multitask/core] Task "${name}", batch ${index}${data.name ? ` of "${data.name}"` : ''}: ${problem}`,
                { details: { task: name, batch: index } },
              );
            }
            let n = target.shape[0];
            if (mask) {
              const count = tf.tidy(() => tf.sum(tf.cast(tf.greater(mask, 0), 'float32')));
              n = count.dataSync()[0]!;
              count.dispose();
            }
            labelled.set(name, labelled.get(name)! + n);
          }
          if (!probed) {
            probed = true;
            this.#probe(batch);
          }
        }
      } finally {
        for (const b of batches) disposeBatch(b);
      }
      index++;
      if (how === 'first-batch') break;
    }
    if (how === 'full') {
      const none = [...labelled].filter(([, n]) => n === 0).map(([t]) => t);
      if (none.length > 0) {
        throw new MultitaskError(
          'NO_DATA',
          `[@multitask/core] Task${none.length > 1 ? 's' : ''} ${none.map((t) => `"${t}"`).join(', ')} ha${none.length > 1 ? 've' : 's'} ` +
            `no labelled row in the training data${data.name ? ` "${data.name}"` : ''} — add labelled rows or remove the task.`,
          { details: { task: none.join(',') } },
        );
      }
    }
  }

  /** One inference forward pass on a batch; turns tfjs shape errors into errors naming the input shape. */
  #probe(batch: Batch): void {
    this.model.validateInputs(batch.inputs);
    const names = tasksOf(batch).filter((n) => this.model.taskNames.includes(n));
    try {
      const preds = this.model.predict(batch.inputs, names);
      try {
        for (const n of names) {
          const p = preds[n]!;
          const t = batch.targets[n]!;
          if (p.shape[0] !== t.shape[0]) {
            throw new MultitaskError(
              'SHAPE_MISMATCH',
              `[@multitask/core] Task "${n}": the prediction has ${p.shape[0]} rows but the target has ${t.shape[0]} ` +
                `(target shape ${shapeString(t.shape)}).`,
              { details: { task: n } },
            );
          }
        }
      } finally {
        tf.dispose(Object.values(preds));
      }
    } catch (e) {
      if (isMultitaskError(e)) throw e;
      const inputs = batch.inputs;
      const shape =
        'shape' in inputs && Array.isArray(inputs.shape)
          ? shapeString(inputs.shape)
          : Object.entries(inputs as Record<string, Tensor>)
              .map(([k, v]) => `${k}: ${shapeString(v.shape)}`)
              .join(', ');
      throw new MultitaskError(
        'SHAPE_MISMATCH',
        `[@multitask/core] Backbone "${this.model.backbone.name}" cannot take inputs of shape ${shape}: ` +
          (e instanceof Error ? e.message : String(e)),
        { cause: e },
      );
    }
  }
}

/** The tasks a batch labels: its own task for a per-task batch, else every target's task. */
function tasksOf(batch: Batch): string[] {
  return batch.task !== undefined ? [batch.task] : Object.keys(batch.targets);
}
