import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import type { Head } from './head.ts';

/**
 * A task's loss: the mean over the labelled rows of the per-row loss. `mask` (shape `[batch]`, 1 = labelled,
 * 0 = label missing) removes rows; with no mask every row counts. For token tasks the mask is `[batch, length]`
 * and the loss is the mean over the labelled tokens.
 */
export type LossFn = (prediction: Tensor, target: Tensor, mask?: Tensor) => Scalar;

/**
 * Checks a task's targets before training and returns a problem description, or `undefined` when they are
 * valid (e.g. class labels within `[0, numClasses)`). Reads values, so it runs outside the training step.
 */
export type TargetValidator = (target: Tensor, mask?: Tensor) => string | undefined;

/**
 * Counts, as a tensor, the labelled rows (or labelled tokens, for token tasks) whose target is invalid for the
 * task — e.g. a class label outside `[0, numClasses)`, negative, non-integer or NaN. Rows whose mask is 0 never
 * count. It must not read values from the device: the trainer computes it inside every training step and reads
 * it together with the step's losses (no extra read), so a bad label in any batch stops training before the
 * update. The returned scalar is owned by the caller.
 */
export type TargetViolationCounter = (target: Tensor, mask?: Tensor) => Scalar;

/** One task of a multi-task model: its name, its head, its loss and how it is measured. */
export interface Task {
  /** Unique task name; the key of its targets in a {@link Batch}. */
  readonly name: string;
  /** The task's head. */
  readonly head: Head;
  /** The task's loss (mean over labelled rows). */
  readonly loss: LossFn;
  /** Names of the metrics that measure the task (resolved by the application, e.g. `["accuracy"]`). */
  readonly metrics?: readonly string[];
  /**
   * Optional check of the targets, run by the trainer before training and on evaluation data; it also describes
   * the offending row and value when {@link Task.targetViolations} found one during a step.
   */
  readonly validateTarget?: TargetValidator;
  /** Optional on-device count of invalid labelled targets, checked in every training step (no extra read). */
  readonly targetViolations?: TargetViolationCounter;
}
