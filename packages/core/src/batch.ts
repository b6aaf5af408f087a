import type { Tensor } from '@tensorflow/tfjs-core';
import type { Inputs } from './backbone.ts';

/**
 * One batch of training or evaluation data.
 *
 * A **joint** batch has one input and the targets of several tasks; a **per-task** batch (from a task's own
 * data set) sets {@link Batch.task} and holds that task's targets only. The consumer of a batch owns its tensors
 * and disposes them ({@link disposeBatch}).
 */
export interface Batch {
  /** The inputs: one tensor or named tensors. */
  readonly inputs: Inputs;
  /**
   * Targets keyed by task name. Class labels are int32 `[batch]`; regression targets float32 `[batch, d]`;
   * token-level labels (sequence labelling) int32 `[batch, length]`.
   */
  readonly targets: Readonly<Record<string, Tensor>>;
  /**
   * Per-task masks, float32. Row tasks: `[batch]`, 1 where the row is labelled for the task, 0 where the label is
   * missing. Token tasks: `[batch, length]`, 1 for a real, labelled token, 0 for padding and missing labels. A task
   * whose mask has no 1 in a batch is left out of that training step; losses average over the 1s, metrics skip
   * the 0s.
   */
  readonly masks?: Readonly<Record<string, Tensor>>;
  /** Set when the batch comes from one task's own data set. */
  readonly task?: string;
}

/** What one training step consumes: one joint batch, or one batch per task (per-task loaders). */
export type StepBatch = Batch | readonly Batch[];

/** Disposes every tensor of a batch (inputs, targets, masks). */
export function disposeBatch(batch: Batch): void {
  const inputs = batch.inputs;
  if (isTensorLike(inputs)) inputs.dispose();
  else for (const t of Object.values(inputs)) t.dispose();
  for (const t of Object.values(batch.targets)) t.dispose();
  if (batch.masks) for (const t of Object.values(batch.masks)) t.dispose();
}

/** Number of rows in a batch (first axis of its inputs). */
export function batchSize(batch: Batch): number {
  const inputs = batch.inputs;
  const first = isTensorLike(inputs) ? inputs : Object.values(inputs)[0];
  return first?.shape[0] ?? 0;
}

/** True when `x` is a tfjs Tensor (rather than a record of named tensors). */
export function isTensorLike(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'dataId' in x && 'shape' in x && 'dtype' in x;
}

/** The batches of a step batch: the joint batch alone, or the per-task batches. */
export function batchesOf(stepBatch: StepBatch): readonly Batch[] {
  return Array.isArray(stepBatch) ? (stepBatch as readonly Batch[]) : [stepBatch as Batch];
}

/** The tasks a batch labels: its own task for a per-task batch, else every target's task. */
export function tasksOf(batch: Batch): string[] {
  return batch.task !== undefined ? [batch.task] : Object.keys(batch.targets);
}
