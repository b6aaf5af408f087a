/** A data source restricted to some of its tasks (for single-task baselines on a multi-task data set). */
import {
  disposeBatch,
  type Batch,
  type BatchRequest,
  type DataSource,
  type StepBatch,
} from '@multitask/core';
import type { Tensor } from '@tensorflow/tfjs-core';

function pick(record: Readonly<Record<string, Tensor>>, keep: ReadonlySet<string>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [task, t] of Object.entries(record)) {
    if (keep.has(task)) out[task] = t;
    else t.dispose();
  }
  return out;
}

/** The batch with the targets and masks of `keep` only (the others disposed), or undefined when none is left. */
function restrict(batch: Batch, keep: ReadonlySet<string>): Batch | undefined {
  if (
    (batch.task !== undefined && !keep.has(batch.task)) ||
    !Object.keys(batch.targets).some((t) => keep.has(t))
  ) {
    disposeBatch(batch);
    return undefined;
  }
  return {
    inputs: batch.inputs,
    targets: pick(batch.targets, keep),
    ...(batch.masks !== undefined ? { masks: pick(batch.masks, keep) } : {}),
    ...(batch.task !== undefined ? { task: batch.task } : {}),
  };
}

/**
 * `source` seen through the tasks `tasks` only: other tasks' targets and masks are disposed as batches arrive,
 * batches left without targets are skipped. Returns `source` itself when it has no other task.
 */
export function onlyTasks(source: DataSource, tasks: readonly string[]): DataSource {
  const keep = new Set(tasks);
  if (source.tasks.every((t) => keep.has(t))) return source;
  return {
    ...(source.name !== undefined ? { name: `${source.name}[${tasks.join(',')}]` } : {}),
    ...(source.size !== undefined ? { size: source.size } : {}),
    tasks: source.tasks.filter((t) => keep.has(t)),
    async *batches(request: BatchRequest): AsyncIterable<StepBatch> {
      for await (const step of source.batches(request)) {
        if (Array.isArray(step)) {
          const parts = (step as readonly Batch[])
            .map((b) => restrict(b, keep))
            .filter((b): b is Batch => b !== undefined);
          if (parts.length > 0) yield parts;
        } else {
          const b = restrict(step as Batch, keep);
          if (b !== undefined) yield b;
        }
      }
    },
  };
}
