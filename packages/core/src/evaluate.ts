/** {@link Trainer.evaluate}: mean loss per task over its labelled rows, plus the task's metrics. */
import * as tf from '@tensorflow/tfjs-core';
import { batchesOf, batchSize as rowsOf, disposeBatch, tasksOf } from './batch.ts';
import type { DataSource } from './data-source.ts';
import type { Metric, MetricFactory } from './metric.ts';
import type { MultitaskModel } from './model.ts';
import { checkTarget } from './validate-data.ts';

/** Per-task metrics: `{ task: { metric: value } }`; every task also has `loss`. */
export type TaskMetrics = Record<string, Record<string, number>>;

/**
 * Evaluates `model` on `data` in inference mode: one read per batch for all its tasks' losses and row counts.
 * Targets go through their task's `validateTarget` first (`LABEL_OUT_OF_RANGE`), as in training.
 */
export async function evaluateModel(
  model: MultitaskModel,
  factories: Readonly<Record<string, readonly MetricFactory[]>>,
  data: DataSource,
  batchSize: number,
): Promise<TaskMetrics> {
  const metrics = new Map<string, Metric[]>(
    model.taskNames.map((n) => [n, (factories[n] ?? []).map((f) => f())]),
  );
  const lossSums = new Map<string, { sum: number; n: number }>();
  let index = 0;
  for await (const stepBatch of data.batches({ batchSize, shuffle: false, seed: 1 })) {
    const batches = batchesOf(stepBatch);
    try {
      for (const batch of batches) {
        const names = tasksOf(batch).filter((n) => model.taskNames.includes(n));
        // Targets are checked as training checks them (a class label out of range is an error, not a loss).
        for (const n of names) checkTarget(model, n, batch, index, data.name);
        const preds = model.predict(batch.inputs, names);
        try {
          const pairs = tf.tidy(() =>
            tf.stack(
              names.flatMap((n) => {
                const mask = batch.masks?.[n];
                const loss = model.task(n).loss(preds[n]!, batch.targets[n]!, mask);
                const count = mask
                  ? tf.sum(tf.cast(tf.greater(mask, 0), 'float32'))
                  : tf.scalar(rowsOf(batch));
                return [loss, count];
              }),
            ),
          );
          const v = pairs.dataSync();
          pairs.dispose();
          names.forEach((n, i) => {
            const count = v[2 * i + 1]!;
            if (count === 0) return;
            const acc = lossSums.get(n) ?? { sum: 0, n: 0 };
            acc.sum += v[2 * i]! * count;
            acc.n += count;
            lossSums.set(n, acc);
            for (const m of metrics.get(n) ?? []) m.update(preds[n]!, batch.targets[n]!, batch.masks?.[n]);
          });
        } finally {
          tf.dispose(Object.values(preds));
        }
      }
    } finally {
      for (const b of batches) disposeBatch(b);
    }
    index++;
  }
  const out: TaskMetrics = {};
  for (const name of model.taskNames) {
    const acc = lossSums.get(name);
    if (!acc) continue;
    out[name] = { loss: acc.sum / acc.n };
    for (const m of metrics.get(name) ?? []) out[name][m.name] = m.result();
  }
  return out;
}
