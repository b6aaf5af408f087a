/**
 * The epoch loop of {@link Trainer.fit}: batches in, steps out, callbacks told, validation after each epoch.
 * Internal to the trainer.
 */
import type { StepBatch } from './batch.ts';
import { batchesOf, disposeBatch } from './batch.ts';
import type { EpochEvent, TrainerCallback, TrainingControl } from './callbacks.ts';
import type { DataSource } from './data-source.ts';
import { MultitaskError } from './errors.ts';
import type { StepOutcome, StepState } from './train-step.ts';
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
  readonly gradientMode?: GradientMode;
}

type Hook = keyof TrainerCallback;
type HookArgs<K extends Hook> = Parameters<NonNullable<TrainerCallback[K]>>;

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

/** Trains for `options.epochs` epochs; batches are disposed after their step. */
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
  await emit(callbacks, 'onTrainBegin', { epochs: options.epochs, tasks: host.taskNames });
  const history: EpochEvent[] = [];
  const startEpoch = state.epoch;
  for (let e = startEpoch; e < startEpoch + options.epochs && !stopped(); e++) {
    const started = Date.now();
    const sums = new Map<string, { sum: number; n: number }>();
    const seed = state.rng.opSeed();
    for await (const stepBatch of train.batches({
      batchSize: options.batchSize,
      shuffle: options.shuffle,
      seed,
    })) {
      let outcome: StepOutcome;
      try {
        outcome = host.runStep(stepBatch);
      } finally {
        for (const b of batchesOf(stepBatch)) disposeBatch(b);
      }
      for (const [task, l] of Object.entries(outcome.event.losses)) {
        const acc = sums.get(task) ?? { sum: 0, n: 0 };
        acc.sum += l;
        acc.n += 1;
        sums.set(task, acc);
      }
      await emit(callbacks, 'onStepEnd', outcome.event, control);
      if (outcome.stats) await emit(callbacks, 'onGradientStats', outcome.stats);
      if (stopped()) break;
    }
    const trainLosses = Object.fromEntries([...sums].map(([t, a]) => [t, a.sum / a.n]));
    host.strategy.afterEpoch?.(e, trainLosses);
    const validation = options.validation
      ? await host.evaluate(options.validation, options.batchSize)
      : undefined;
    state.epoch = e + 1;
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
    ...(state.modeUsed ? { gradientMode: state.modeUsed } : {}),
  };
}
