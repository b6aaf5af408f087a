/**
 * Prefetching: produce the next batches while the consumer works on the current one.
 */
import {
  MultitaskError,
  disposeBatch,
  type Batch,
  type BatchRequest,
  type DataSource,
  type StepBatch,
} from '@multitask/core';

function disposeStep(step: StepBatch): void {
  if (Array.isArray(step)) for (const b of step as readonly Batch[]) disposeBatch(b);
  else disposeBatch(step as Batch);
}

function checkBufferSize(bufferSize: number): void {
  if (!Number.isInteger(bufferSize) || bufferSize < 1) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/data] prefetch bufferSize must be an integer ≥ 1, got ${bufferSize}.`,
      {
        details: { option: 'bufferSize' },
      },
    );
  }
}

/**
 * Runs an async iterable ahead of its consumer, keeping at most `bufferSize` items ready. `dispose` is called
 * on items produced but never handed out (when the consumer stops early or an error ends the stream).
 */
export function prefetchIterable<T>(
  source: AsyncIterable<T>,
  bufferSize: number,
  dispose: (item: T) => void = () => undefined,
): AsyncIterable<T> {
  checkBufferSize(bufferSize);
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const inner = source[Symbol.asyncIterator]();
      const buffer: T[] = [];
      let done = false;
      let failure: { error: unknown } | undefined;
      const state = { stopped: false };
      // read through a call: the flag changes while produce() awaits
      const isStopped = (): boolean => state.stopped;
      let producing: Promise<void> | undefined;
      let wake: (() => void) | undefined;
      let space: (() => void) | undefined;

      const produce = async (): Promise<void> => {
        try {
          while (!isStopped()) {
            if (buffer.length >= bufferSize) {
              await new Promise<void>((resolve) => (space = resolve));
              continue;
            }
            const r = await inner.next();
            if (r.done === true) break;
            if (isStopped()) {
              dispose(r.value);
              break;
            }
            buffer.push(r.value);
            wake?.();
          }
        } catch (e) {
          failure = { error: e };
        } finally {
          done = true;
          wake?.();
        }
      };

      const stop = async (): Promise<void> => {
        state.stopped = true;
        space?.();
        await producing;
        for (const item of buffer.splice(0)) dispose(item);
        await inner.return?.();
      };

      return {
        async next(): Promise<IteratorResult<T>> {
          producing ??= produce();
          for (;;) {
            if (buffer.length > 0) {
              const value = buffer.shift()!;
              space?.();
              return { value, done: false };
            }
            if (failure) {
              const { error } = failure;
              failure = undefined;
              await stop();
              throw error;
            }
            if (done) return { value: undefined, done: true };
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        },
        async return(): Promise<IteratorResult<T>> {
          await stop();
          return { value: undefined, done: true };
        },
      };
    },
  };
}

/**
 * Wraps a source so that each epoch is produced up to `bufferSize` batches ahead of the trainer (default 2),
 * overlapping data preparation with the training step wherever the step awaits (data downloads, `await
 * tensor.data()`, GPU/wasm sync). JavaScript runs one thing at a time on a thread, so purely synchronous batch
 * construction still runs between steps; prefetch hides latency, not CPU work. Batches produced but never
 * consumed (early `break`) are disposed.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { disposeBatch, type Batch } from '@multitask/core';
 * import { loadPenguins, prefetch } from '@multitask/data';
 *
 * const fast = prefetch(loadPenguins().train, 4); // prepares up to 4 batches ahead
 * let batches = 0;
 * for await (const step of fast.batches({ batchSize: 32, shuffle: true, seed: 1 })) {
 *   disposeBatch(step as Batch);
 *   batches++;
 * }
 * console.log(batches);
 * ```
 */
export function prefetch(source: DataSource, bufferSize = 2): DataSource {
  checkBufferSize(bufferSize);
  const base = {
    tasks: source.tasks,
    batches: (request: BatchRequest): AsyncIterable<StepBatch> =>
      prefetchIterable(source.batches(request), bufferSize, disposeStep),
  };
  return {
    ...base,
    ...(source.name === undefined ? {} : { name: source.name }),
    ...(source.size === undefined ? {} : { size: source.size }),
  };
}
