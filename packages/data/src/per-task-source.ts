/**
 * Per-task loaders: each task has its own data set (different inputs per task); a schedule decides which
 * task's batches a step gets.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  MultitaskError,
  Rng,
  disposeBatch,
  type Batch,
  type BatchRequest,
  type DataSource,
  type StepBatch,
} from '@multitask/core';
import { checkRequest } from './epoch.ts';
import { taskSchedule, type TaskScheduleSpec } from './task-schedule.ts';

/** Options of {@link perTaskSource}. */
export interface PerTaskSourceOptions {
  /** One source per task, keyed by task name; each source's batches must hold targets for its task. */
  readonly sources: Readonly<Record<string, DataSource>>;
  /** How steps pick tasks (default `'all'`). */
  readonly schedule?: TaskScheduleSpec;
  /**
   * Steps per epoch. Default: for `'all'`, the batch count of the largest task; otherwise the sum of all tasks'
   * batch counts (so a proportional epoch sees about every row once).
   */
  readonly stepsPerEpoch?: number;
  /** Name used in error messages (default `"perTaskSource"`). */
  readonly name?: string;
}

function invalid(message: string, details: Record<string, string | number>): MultitaskError {
  return new MultitaskError('INVALID_DATA', `[@multitask/data] ${message}`, { details });
}

/** Keeps only `task`'s target and mask of a joint batch from a task's own source and tags it. */
function toTaskBatch(step: StepBatch, task: string, source: string): Batch {
  if (Array.isArray(step)) {
    for (const b of step as readonly Batch[]) disposeBatch(b);
    throw invalid(
      `source "${source}" of task "${task}" yielded an array of batches; per-task sources must yield joint batches.`,
      {
        source,
        task,
      },
    );
  }
  const batch = step as Batch;
  const target = batch.targets[task];
  if (!target) {
    disposeBatch(batch);
    throw invalid(
      `source "${source}" of task "${task}" has no targets for "${task}" (it has ${Object.keys(batch.targets).join(', ') || 'none'}) — name the source's task like its key in sources.`,
      { source, task },
    );
  }
  for (const [k, t] of Object.entries(batch.targets)) if (k !== task) t.dispose();
  for (const [k, t] of Object.entries(batch.masks ?? {})) if (k !== task) t.dispose();
  const mask = batch.masks?.[task] ?? tf.ones([target.shape[0]], 'float32');
  return { inputs: batch.inputs, targets: { [task]: target }, masks: { [task]: mask }, task };
}

/**
 * Combines one source per task into one source. With the `'all'` schedule each step is an array holding one
 * batch of every task (as the trainer expects for per-task data); with the other schedules each step is one
 * task-tagged batch (`batch.task`). A task whose source runs out before the epoch ends starts over, reshuffled
 * with a seed derived from the request's seed; equal seeds give equal epochs.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { disposeBatch, type Batch } from '@multitask/core';
 * import { arraySource, perTaskSource } from '@multitask/data';
 *
 * const digits = arraySource({
 *   inputs: [[0], [1], [2], [3]],
 *   targets: { digits: { kind: 'class', values: [0, 1, 2, 3] } },
 * });
 * const penguins = arraySource({
 *   inputs: [[5], [6]],
 *   targets: { penguins: { kind: 'regression', values: [4.2, 3.9] } },
 * });
 * const schedule = { type: 'temperature', temperature: 2 } as const;
 * const src = perTaskSource({ sources: { digits, penguins }, schedule });
 * const order: (string | undefined)[] = [];
 * for await (const step of src.batches({ batchSize: 2, shuffle: true, seed: 1 })) {
 *   order.push((step as Batch).task); // step.task says which task the batch is for
 *   disposeBatch(step as Batch);
 * }
 * console.log(order); // ['penguins', 'digits', 'penguins']
 * ```
 */
export function perTaskSource(options: PerTaskSourceOptions): DataSource {
  const name = options.name ?? 'perTaskSource';
  const tasks = Object.keys(options.sources);
  const schedule = options.schedule ?? 'all';
  if (tasks.length === 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/data] perTaskSource "${name}" needs at least one source.`,
      {
        details: { option: 'sources' },
      },
    );
  }
  for (const task of tasks) {
    const s = options.sources[task]!;
    if (s.size === undefined && options.stepsPerEpoch === undefined) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/data] source of task "${task}" in "${name}" has no known size — give stepsPerEpoch.`,
        { details: { option: 'stepsPerEpoch', task } },
      );
    }
  }
  const sizes = tasks.map((t) => options.sources[t]!.size ?? 1);
  const size = Math.max(...sizes);
  return {
    name,
    size,
    tasks,
    batches(request: BatchRequest): AsyncIterable<StepBatch> {
      checkRequest(request, name);
      const perBatch = (n: number): number =>
        request.dropRemainder === true ? Math.floor(n / request.batchSize) : Math.ceil(n / request.batchSize);
      const counts = sizes.map(perBatch);
      if (counts.some((c) => c === 0) && options.stepsPerEpoch === undefined) {
        throw new MultitaskError(
          'INVALID_OPTION',
          `[@multitask/data] a task of "${name}" has fewer rows than one batch with dropRemainder.`,
          {
            details: { option: 'batchSize' },
          },
        );
      }
      const steps =
        options.stepsPerEpoch ??
        (schedule === 'all' ? Math.max(...counts) : counts.reduce((a, b) => a + b, 0));
      const picker =
        schedule === 'all' ? undefined : taskSchedule(schedule, schedule === 'sequential' ? counts : sizes);
      const master = new Rng(request.seed);
      const taskRngs = tasks.map(() => master.fork());
      const pickRng = master.fork();
      return (async function* (): AsyncGenerator<StepBatch> {
        const iterators: (AsyncIterator<StepBatch> | undefined)[] = tasks.map(() => undefined);
        const nextOf = async (i: number): Promise<Batch> => {
          const task = tasks[i]!;
          const source = options.sources[task]!;
          for (let attempt = 0; attempt < 2; attempt++) {
            iterators[i] ??= source
              .batches({ ...request, seed: request.shuffle ? taskRngs[i]!.opSeed() : request.seed })
              [Symbol.asyncIterator]();
            const r = await iterators[i].next();
            if (r.done !== true) return toTaskBatch(r.value, task, source.name ?? task);
            iterators[i] = undefined;
          }
          throw invalid(`source "${source.name ?? task}" of task "${task}" yielded no batches.`, {
            source: source.name ?? task,
            task,
          });
        };
        try {
          for (let step = 0; step < steps; step++) {
            if (picker === undefined) {
              const out: Batch[] = [];
              try {
                for (let i = 0; i < tasks.length; i++) out.push(await nextOf(i));
              } catch (e) {
                out.forEach(disposeBatch);
                throw e;
              }
              yield out;
            } else {
              yield await nextOf(picker.pick(step, pickRng));
            }
          }
        } finally {
          for (const it of iterators) await it?.return?.();
        }
      })();
    },
  };
}
