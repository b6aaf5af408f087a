/**
 * The epoch loop of {@link Trainer.fit}: batches in, steps out, callbacks told, validation after each epoch.
 * Internal to the trainer.
 */
import type { StepBatch } from './batch.ts';
import { batchesOf, disposeBatch } from './batch.ts';
import type { EpochEvent, TrainerCallback, TrainingControl } from './callbacks.ts';
import type { DataSource } from './data-source.ts';
import { MultitaskError } from './errors.ts';
import type { EpochProgress, StepOutcome, StepState } from './train-step.ts';
import type { GradientMode, WeightingStrategy } from './weighting.ts';

/** What the loop needs from the trainer. */
export interface FitHost {
  readonly state: StepState;
  readonly strategy: WeightingStrategy;
  readonly taskNames: readonly string[];
  runStep(stepBatch: StepBatch): StepOutcome;
  evaluate(
    data: DataSource,
    batchSize: number,
  ): Promise<Readonly<Record<string, Readonly<Record<string, number>>>>>;
}

/** The loop's options, checked. */
export interface FitLoopOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly validation?: DataSource;
  readonly callbacks: readonly TrainerCallback[];
}

/** What the loop returns. */
export interface FitLoopResult {
  readonly epochs: number;
  readonly steps: number;
  readonly history: readonly EpochEvent[];
  readonly stoppedEarly?: string;
  readonly partialEpoch?: { readonly epoch: number; readonly batches: number };
  readonly gradientMode?: GradientMode;
}

type Hook = keyof TrainerCallback;
type HookArgs<K extends Hook> = Parameters<NonNullable<TrainerCallback[K]>>;

/** Resolves on a later turn of the event loop (after pending timers, I/O and signal handlers), in Node and browsers. */
function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    // Browsers (no setImmediate): a message to ourselves is a task, like setImmediate, without setTimeout's clamp.
    const channel = new MessageChannel() as unknown as {
      port1: { onmessage: (() => void) | null; close(): void };
      port2: { postMessage(value: unknown): void };
    };
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}

/** Calls one hook on every callback, in order, awaiting each. */
async function emit<K extends Hook>(
  callbacks: readonly TrainerCallback[],
  hook: K,
  ...args: HookArgs<K>
): Promise<void> {
  for (const cb of callbacks) {
    const f = cb[hook] as ((...a: HookArgs<K>) => void | Promise<void>) | undefined;
    if (f) await f.apply(cb, args);
  }
}

/** Checks `epochs` and `batchSize` (integers ≥ 1). */
export function checkFitOptions(epochs: number, batchSize: number): void {
  for (const [option, value] of [
    ['epochs', epochs],
    ['batchSize', batchSize],
  ] as const) {
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/core] ${option} must be an integer ≥ 1, got ${value}.`,
        { details: { option } },
      );
    }
  }
}

/**
 * Trains for `options.epochs` epochs; batches are disposed after their step.
 *
 * A stop requested from `onStepEnd` ends training after that step. When the step was not the epoch's last, the
 * epoch stays incomplete: neither the strategy's `afterEpoch`, nor validation, nor `onEpochEnd` runs, the epoch
 * count does not advance, and its progress (batch-order seed, batches done, loss sums) stays in the trainer's
 * state — a checkpoint taken now records it, and the next `fit` (on this trainer or one restored from that
 * checkpoint) continues at the next batch, as an uninterrupted run would. A step that throws abandons the epoch:
 * the next `fit` starts it afresh.
 */
export async function fitLoop(
  host: FitHost,
  train: DataSource,
  options: FitLoopOptions,
): Promise<FitLoopResult> {
  const { callbacks } = options;
  const { state } = host;
  const stop: { reason?: string } = {};
  const control: TrainingControl = { stop: (reason) => (stop.reason = reason) };
  const stopped = (): boolean => stop.reason !== undefined;
  checkResumable(state.epochProgress, options);
  await emit(callbacks, 'onTrainBegin', { epochs: options.epochs, tasks: host.taskNames });
  const history: EpochEvent[] = [];
  const startEpoch = state.epoch;
  let partial: { epoch: number; batches: number } | undefined;
  for (let e = startEpoch; e < startEpoch + options.epochs && !stopped(); e++) {
    const started = Date.now();
    const progress: EpochProgress = state.epochProgress ?? {
      seed: state.rng.opSeed(),
      batches: 0,
      batchSize: options.batchSize,
      shuffle: options.shuffle,
      losses: new Map(),
    };
    state.epochProgress = progress;
    const complete = await runEpoch(host, train, options, progress, control, stopped);
    if (!complete) {
      partial = { epoch: e, batches: progress.batches };
      break;
    }
    const trainLosses = Object.fromEntries([...progress.losses].map(([t, a]) => [t, a.sum / a.count]));
    host.strategy.afterEpoch?.(e, trainLosses);
    const validation = options.validation
      ? await host.evaluate(options.validation, options.batchSize)
      : undefined;
    state.epoch = e + 1;
    delete state.epochProgress;
    const event: EpochEvent = {
      epoch: e,
      trainLosses,
      step: state.step,
      seconds: (Date.now() - started) / 1000,
      ...(validation ? { validation } : {}),
    };
    history.push(event);
    await emit(callbacks, 'onEpochEnd', event, control);
  }
  await emit(callbacks, 'onTrainEnd', {
    epochs: history.length,
    steps: state.step,
    stoppedEarly: stopped(),
  });
  return {
    epochs: history.length,
    steps: state.step,
    history,
    ...(stop.reason !== undefined ? { stoppedEarly: stop.reason } : {}),
    ...(partial ? { partialEpoch: partial } : {}),
    ...(state.modeUsed ? { gradientMode: state.modeUsed } : {}),
  };
}

/**
 * Refuses to continue an epoch stopped inside with another batch size or shuffle setting (its batch order
 * would differ, so the batches already trained could not be skipped).
 */
export function checkResumable(
  progress: EpochProgress | undefined,
  options: { readonly batchSize: number; readonly shuffle: boolean },
): void {
  if (progress === undefined) return;
  for (const option of ['batchSize', 'shuffle'] as const) {
    if (progress[option] !== options[option]) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/core] The trainer stopped inside an epoch trained with ${option} ${String(progress[option])}; ` +
          `continuing it needs the same ${option}, got ${String(options[option])}.`,
        { details: { option } },
      );
    }
  }
}

/**
 * Runs the rest of one epoch: skips the batches `progress` says were trained (same seed, same order), then steps
 * until the data ends (true) or a stop was requested before the data ended (false).
 */
async function runEpoch(
  host: FitHost,
  train: DataSource,
  options: FitLoopOptions,
  progress: EpochProgress,
  control: TrainingControl,
  stopped: () => boolean,
): Promise<boolean> {
  const { state } = host;
  const skip = progress.batches;
  const iterator = train
    .batches({ batchSize: options.batchSize, shuffle: options.shuffle, seed: progress.seed })
    [Symbol.asyncIterator]();
  let index = 0;
  let done = false;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) {
        done = true;
        break;
      }
      const stepBatch = next.value;
      if (index < skip || stopped()) {
        for (const b of batchesOf(stepBatch)) disposeBatch(b);
        if (index++ < skip) continue;
        return false;
      }
      let outcome: StepOutcome;
      try {
        outcome = host.runStep(stepBatch);
      } catch (e) {
        // A failed step abandons the epoch: the next fit starts a new one.
        delete state.epochProgress;
        throw e;
      } finally {
        for (const b of batchesOf(stepBatch)) disposeBatch(b);
      }
      index++;
      progress.batches++;
      for (const [task, l] of Object.entries(outcome.event.losses)) {
        const acc = progress.losses.get(task) ?? { sum: 0, count: 0 };
        acc.sum += l;
        acc.count += 1;
        progress.losses.set(task, acc);
      }
      // Let timers, I/O and signal handlers (Ctrl-C) run between steps: a step is synchronous tfjs work, and the
      // awaits around it settle as microtasks, so without this an epoch would hold the event loop to its end.
      await yieldToEventLoop();
      await emit(options.callbacks, 'onStepEnd', outcome.event, control);
      if (outcome.stats) await emit(options.callbacks, 'onGradientStats', outcome.stats);
    }
  } finally {
    if (!done) await iterator.return?.();
  }
  if (index < skip) {
    throw new MultitaskError(
      'INVALID_DATA',
      `[@multitask/core] The trainer stopped inside an epoch after ${skip} batch(es), but the training data` +
        `${train.name ? ` "${train.name}"` : ''} now has only ${index} — continue with the same data.`,
      { details: { batch: index } },
    );
  }
  return true;
}
