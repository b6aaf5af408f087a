import type { EpochEvent, TrainerCallback } from '@multitask/core';

/** One epoch of a run: training losses and validation metrics. */
export interface EpochRecord {
  /** Epoch number (0-based). */
  readonly epoch: number;
  /** Mean training loss per task over the epoch. */
  readonly trainLosses: Readonly<Record<string, number>>;
  /** Validation metrics `{ task: { metric: value } }`, when the run validated. */
  readonly validation?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Seconds the epoch took. */
  readonly seconds?: number;
}

/** A `TrainerCallback` that keeps each epoch's losses and validation metrics. */
export interface HistoryRecorder extends TrainerCallback {
  /** Records one epoch. */
  onEpochEnd(event: EpochEvent): void;
  /** The epochs recorded so far, in order. */
  epochs(): readonly EpochRecord[];
  /** Forgets every epoch. */
  reset(): void;
}

/**
 * Records per-epoch training losses and validation metrics — the `epochs` of a {@link RunRecord}.
 *
 * @example
 * ```ts
 * const history = historyRecorder();
 * await trainer.fit(model, data, { callbacks: [history] });
 * const run: RunRecord = { strategy: 'equal', tasks, epochs: history.epochs(), finalMetrics };
 * ```
 */
export function historyRecorder(): HistoryRecorder {
  let records: EpochRecord[] = [];
  return {
    onEpochEnd(event: EpochEvent): void {
      records.push({
        epoch: event.epoch,
        trainLosses: { ...event.trainLosses },
        ...(event.validation === undefined
          ? {}
          : {
              validation: Object.fromEntries(Object.entries(event.validation).map(([t, m]) => [t, { ...m }])),
            }),
        seconds: event.seconds,
      });
    },
    epochs: () => [...records],
    reset(): void {
      records = [];
    },
  };
}
