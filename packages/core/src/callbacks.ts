import type { GradientMode } from './weighting.ts';

/** What the trainer reports after every optimizer step. */
export interface StepEvent {
  /** Global step number (0-based). */
  readonly step: number;
  /** Epoch number (0-based). */
  readonly epoch: number;
  /** Per-task loss values of this step (tasks left out of the step are absent). */
  readonly losses: Readonly<Record<string, number>>;
  /** The task weights the strategy used in this step (absent for Jacobian methods without weights). */
  readonly weights?: Readonly<Record<string, number>>;
  /** The total loss minimised (loss weighting) or the weighted sum of losses. */
  readonly totalLoss: number;
  /** Rows in the step. */
  readonly rows: number;
}

/**
 * Per-task gradient statistics, recorded every `diagnosticsEvery` steps: the Gramian `G[i][j] = gᵢ·gⱼ` of the
 * per-task gradients (w.r.t. the representation or the shared parameters), from which cosines
 * (`Gᵢⱼ / √(GᵢᵢGⱼⱼ)`) and norms (`√Gᵢᵢ`) follow.
 */
export interface GradientStatsEvent {
  /** Global step number. */
  readonly step: number;
  /** Epoch number. */
  readonly epoch: number;
  /** Task names, in the order of the Gramian's rows. */
  readonly tasks: readonly string[];
  /** The T×T Gramian of per-task gradients. */
  readonly gramian: readonly (readonly number[])[];
  /** Where the gradients were taken. */
  readonly mode: GradientMode;
}

/** What the trainer reports at the end of each epoch. */
export interface EpochEvent {
  /** Epoch number (0-based). */
  readonly epoch: number;
  /** Mean training loss per task over the epoch. */
  readonly trainLosses: Readonly<Record<string, number>>;
  /** Validation metrics per task (`{ task: { metric: value } }`), when a validation source was given. */
  readonly validation?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Steps run so far. */
  readonly step: number;
  /** Seconds the epoch took. */
  readonly seconds: number;
}

/**
 * Hooks into the training loop. Every hook is optional; async hooks are awaited. A callback may stop training by
 * calling `stop()` on the control object it receives.
 */
export interface TrainerCallback {
  /** Before the first epoch. */
  onTrainBegin?(info: { readonly epochs: number; readonly tasks: readonly string[] }): void | Promise<void>;
  /** After every optimizer step. */
  onStepEnd?(event: StepEvent, control: TrainingControl): void | Promise<void>;
  /** When gradient statistics were recorded (every `diagnosticsEvery` steps). */
  onGradientStats?(event: GradientStatsEvent): void | Promise<void>;
  /** After every epoch (and its validation). */
  onEpochEnd?(event: EpochEvent, control: TrainingControl): void | Promise<void>;
  /** After the last epoch, or when training stopped early. */
  onTrainEnd?(info: {
    readonly epochs: number;
    readonly steps: number;
    readonly stoppedEarly: boolean;
  }): void | Promise<void>;
}

/** Handed to callbacks to stop training after the current step or epoch. */
export interface TrainingControl {
  /**
   * Requests the trainer to stop; `reason` appears in the training result. From `onEpochEnd`, training ends after
   * that epoch. From `onStepEnd`, it ends after that step: when the step was not the epoch's last, the epoch stays
   * open — no `afterEpoch`, validation or `onEpochEnd` for it — and the trainer keeps its progress, so a checkpoint
   * taken then and the next `fit` continue at the next batch (see `TrainResult.partialEpoch`).
   */
  stop(reason: string): void;
}
