import type { StepBatch } from './batch.ts';

/** How a data source is asked for one epoch of batches. */
export interface BatchRequest {
  /** Rows per batch. */
  readonly batchSize: number;
  /** Shuffle the rows (with {@link BatchRequest.seed}). */
  readonly shuffle: boolean;
  /** Seed of this epoch's shuffling (≥ 1); equal seeds give equal orders. */
  readonly seed: number;
  /** Drop the last batch when it is smaller than `batchSize` (default false: keep it). */
  readonly dropRemainder?: boolean;
}

/**
 * A source of training or evaluation data: an epoch is an async iterable of step batches. The consumer
 * disposes the tensors of every batch it receives.
 */
export interface DataSource {
  /** Human-readable name used in error messages (e.g. the file name). */
  readonly name?: string;
  /** Number of rows (or, for per-task sources, rows of the largest task), when known. */
  readonly size?: number;
  /** Names of the tasks this source has labels for. */
  readonly tasks: readonly string[];
  /** Iterates one epoch. */
  batches(request: BatchRequest): AsyncIterable<StepBatch>;
}
