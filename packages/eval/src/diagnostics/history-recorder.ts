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
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel, Trainer, registerGradients } from '@multitask/core';
 * import { mlpBackbone } from '@multitask/backbones';
 * import { loadPenguins } from '@multitask/data';
 * import { historyRecorder, type RunRecord } from '@multitask/eval';
 * import { classificationTask, regressionTask } from '@multitask/heads';
 * import { mgdaWeighting } from '@multitask/weighting';
 *
 * registerGradients();
 * const { train, test } = loadPenguins({ seed: 1, test: 0.2 });
 * const tasks = [
 *   classificationTask('species', { inputSize: 16, numClasses: 3 }),
 *   classificationTask('sex', { inputSize: 16, numClasses: 2 }),
 *   regressionTask('body_mass', { inputSize: 16 }),
 * ];
 * const model = new MultitaskModel({ backbone: mlpBackbone({ inputSize: 6, units: [16] }), tasks });
 * const history = historyRecorder();
 * const trainer = new Trainer({ model, strategy: mgdaWeighting(), optimizer: tf.train.adam(0.01), seed: 1, callbacks: [history] });
 * await trainer.fit(train, { epochs: 2, batchSize: 32, validation: test });
 * const finalMetrics = await trainer.evaluate(test);
 * const run: RunRecord = { strategy: 'mgda', tasks: model.taskNames, epochs: history.epochs(), finalMetrics };
 * console.log(run.epochs.length); // 2
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
