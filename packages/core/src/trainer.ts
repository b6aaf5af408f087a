/**
 * The trainer: a thin class over files that each hold one job — the step (train-step.ts, gradient-step.ts),
 * the epoch loop (fit-loop.ts), evaluation (evaluate.ts) and data validation (validate-data.ts).
 */
import type { Optimizer } from '@tensorflow/tfjs-core';
import type { StepBatch } from './batch.ts';
import type { EpochEvent, StepEvent, TrainerCallback } from './callbacks.ts';
import type { DataSource } from './data-source.ts';
import { MultitaskError } from './errors.ts';
import { evaluateModel, type TaskMetrics } from './evaluate.ts';
import { checkFitOptions, checkResumable, fitLoop } from './fit-loop.ts';
import type { MetricFactory } from './metric.ts';
import { gradientsRegistered } from './register-gradients.ts';
import type { MultitaskModel } from './model.ts';
import { Rng, type RngState } from './random.ts';
import { runStep, type ResolvedOptions, type StepState } from './train-step.ts';
import { validateTrainingData } from './validate-data.ts';
import type { GradientMode, HeadGradients, WeightingStrategy } from './weighting.ts';

export type { TaskMetrics } from './evaluate.ts';

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
  /**
   * Number of epochs to complete. A trainer stopped inside an epoch (see {@link TrainResult.partialEpoch})
   * finishes that epoch first, and it counts as one of them.
   */
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
   * only the first batch, `none` skips the check. Whatever the setting, every step also counts invalid
   * targets of the tasks that have `targetViolations` (class labels out of range…) on the device, read with the
   * step's losses, and throws `LABEL_OUT_OF_RANGE` before the update.
   */
  readonly validateData?: 'full' | 'first-batch' | 'none';
  /** Callbacks for this call only, after the trainer's own (e.g. a checkpoint writer). */
  readonly callbacks?: readonly TrainerCallback[];
}

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
  /**
   * Set when a stop was requested inside an epoch (from `onStepEnd`, before its last batch): the epoch (0-based)
   * and the batches of it trained. That epoch is not in `history` — no `afterEpoch`, validation or `onEpochEnd`
   * ran for it — and the trainer keeps its progress: a checkpoint taken now records it, and the next `fit`
   * continues at the next batch, ending exactly as an uninterrupted run would.
   */
  readonly partialEpoch?: { readonly epoch: number; readonly batches: number };
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
  readonly #options: ResolvedOptions;
  readonly #callbacks: readonly TrainerCallback[];
  readonly #metrics: Readonly<Record<string, readonly MetricFactory[]>>;
  readonly #state: StepState;

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
    const rng = new Rng(options.seed);
    this.#state = { step: 0, epoch: 0, rng, strategyRng: rng.fork() };
    this.#options = resolveOptions(options);
    this.#callbacks = options.callbacks ?? [];
    this.#metrics = options.metrics ?? {};
  }

  /** Steps run so far. */
  get step(): number {
    return this.#state.step;
  }

  /** Epochs completed so far. */
  get epoch(): number {
    return this.#state.epoch;
  }

  /** State of the trainer's random generators, step and epoch, and the epoch under way (for checkpoints). */
  state(): TrainerState {
    const s = this.#state;
    const p = s.epochProgress;
    return {
      step: s.step,
      epoch: s.epoch,
      rng: s.rng.state(),
      strategyRng: s.strategyRng.state(),
      ...(p !== undefined
        ? {
            partialEpoch: {
              seed: p.seed,
              batches: p.batches,
              batchSize: p.batchSize,
              shuffle: p.shuffle,
              losses: Object.fromEntries([...p.losses].map(([t, a]) => [t, { sum: a.sum, count: a.count }])),
            },
          }
        : {}),
    };
  }

  /** Restores {@link Trainer.state} (without `partialEpoch`, the trainer is at the start of an epoch). */
  loadState(state: TrainerState): void {
    this.#state.step = state.step;
    this.#state.epoch = state.epoch;
    this.#state.rng = Rng.fromState(state.rng);
    this.#state.strategyRng = Rng.fromState(state.strategyRng);
    const p = state.partialEpoch;
    if (p === undefined) delete this.#state.epochProgress;
    else
      this.#state.epochProgress = {
        seed: p.seed,
        batches: p.batches,
        batchSize: p.batchSize,
        shuffle: p.shuffle,
        losses: new Map(Object.entries(p.losses).map(([t, a]) => [t, { sum: a.sum, count: a.count }])),
      };
  }

  /**
   * Runs one optimizer step on one step batch (a joint batch, or one batch per task). The batch's tensors are
   * not disposed. Returns the step's event (also sent to `onStepEnd` callbacks by {@link Trainer.fit}).
   */
  trainStep(stepBatch: StepBatch): StepEvent {
    return runStep(this.#options, this.#state, stepBatch).event;
  }

  /**
   * Trains for `options.epochs` epochs over `train`, evaluating `options.validation` after each epoch.
   * Batches are disposed after their step.
   */
  async fit(train: DataSource, options: FitOptions): Promise<TrainResult> {
    checkFitOptions(options.epochs, options.batchSize);
    checkResumable(this.#state.epochProgress, {
      batchSize: options.batchSize,
      shuffle: options.shuffle ?? true,
    });
    await this.validateData(train, options.batchSize, options.validateData ?? 'full');
    return fitLoop(
      {
        state: this.#state,
        strategy: this.strategy,
        taskNames: this.model.taskNames,
        runStep: (stepBatch) => runStep(this.#options, this.#state, stepBatch),
        evaluate: (data, batchSize) => this.evaluate(data, { batchSize }),
      },
      train,
      {
        epochs: options.epochs,
        batchSize: options.batchSize,
        shuffle: options.shuffle ?? true,
        callbacks: [...this.#callbacks, ...(options.callbacks ?? [])],
        ...(options.validation ? { validation: options.validation } : {}),
      },
    );
  }

  /**
   * Evaluates the model on `data` (inference mode): the mean loss of every task over its labelled rows, plus
   * the metrics configured for it. Targets are checked as in training: a target its task's `validateTarget`
   * rejects (a class label out of range) throws `LABEL_OUT_OF_RANGE` naming the task and the batch.
   */
  async evaluate(data: DataSource, options: { readonly batchSize?: number } = {}): Promise<TaskMetrics> {
    return evaluateModel(this.model, this.#metrics, data, options.batchSize ?? 256);
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
    return validateTrainingData(this.model, data, batchSize, how);
  }
}

/** The trainer's step, epoch and random generators (for checkpoints). */
export interface TrainerState {
  /** Steps run. */
  readonly step: number;
  /** Epochs completed. */
  readonly epoch: number;
  /** The trainer's generator (shuffling, dropout seeds). */
  readonly rng: RngState;
  /** The generator handed to strategies. */
  readonly strategyRng: RngState;
  /** The epoch under way: set while `fit` runs an epoch, and after a stop inside one. */
  readonly partialEpoch?: PartialEpochState;
}

/**
 * An epoch stopped inside (epoch number {@link TrainerState.epoch}): everything {@link Trainer.fit} needs to
 * continue it at the next batch and to give it the history entry an uninterrupted epoch would have.
 */
export interface PartialEpochState {
  /** The seed of the epoch's batch order, drawn from the trainer's generator when the epoch started. */
  readonly seed: number;
  /** Batches of the epoch already trained; the next `fit` skips them. */
  readonly batches: number;
  /** The epoch's batch size (a continuation must use the same). */
  readonly batchSize: number;
  /** Whether the epoch's rows are shuffled (a continuation must use the same). */
  readonly shuffle: boolean;
  /** Per task: the sum of its step losses so far and the number of steps it took part in. */
  readonly losses: Readonly<Record<string, { readonly sum: number; readonly count: number }>>;
}

/** Defaults and checks of {@link TrainerOptions}, applied once. */
function resolveOptions(options: TrainerOptions): ResolvedOptions {
  const s = options.strategy;
  const gradientMode = options.gradientMode ?? 'auto';
  if (gradientMode !== 'auto' && s.family !== 'loss' && !s.modes.includes(gradientMode)) {
    throw new MultitaskError(
      'UNSUPPORTED_GRADIENT_MODE',
      `[@multitask/core] Strategy "${s.name}" does not support gradientMode "${gradientMode}" ` +
        `(it supports: ${s.modes.join(', ')}).`,
      { details: { strategy: s.name, option: 'gradientMode' } },
    );
  }
  const diagnosticsEvery = options.diagnosticsEvery ?? 0;
  if (!Number.isInteger(diagnosticsEvery) || diagnosticsEvery < 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/core] diagnosticsEvery must be an integer ≥ 0, got ${diagnosticsEvery}.`,
      { details: { option: 'diagnosticsEvery' } },
    );
  }
  const headGradients: HeadGradients =
    options.headGradients ?? (s.family === 'loss' ? undefined : s.headGradients) ?? 'unweighted';
  return {
    model: options.model,
    strategy: s,
    optimizer: options.optimizer,
    gradientMode,
    headGradients,
    diagnosticsEvery,
  };
}
