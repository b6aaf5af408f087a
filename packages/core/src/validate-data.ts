/** {@link Trainer.validateData}: training data checked at the edge, before any step. */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { batchesOf, disposeBatch, tasksOf, type Batch } from './batch.ts';
import type { DataSource } from './data-source.ts';
import { isMultitaskError, MultitaskError } from './errors.ts';
import type { MultitaskModel } from './model.ts';
import { shapeString } from './tensor-utils.ts';

/**
 * Checks every batch's targets against their task's `validateTarget`, that every task has labelled rows
 * (`full` only), and that the model accepts the inputs (one inference pass on the first batch).
 */
export async function validateTrainingData(
  model: MultitaskModel,
  data: DataSource,
  batchSize: number,
  how: 'full' | 'first-batch' | 'none',
): Promise<void> {
  if (how === 'none') return;
  const labelled = new Map<string, number>(model.taskNames.map((n) => [n, 0]));
  let index = 0;
  let probed = false;
  for await (const stepBatch of data.batches({ batchSize, shuffle: false, seed: 1 })) {
    const batches = batchesOf(stepBatch);
    try {
      for (const batch of batches) {
        for (const [name, target] of Object.entries(batch.targets)) {
          if (!labelled.has(name)) {
            throw new MultitaskError(
              'INVALID_DATA',
              `[@multitask/core] The data ${data.name ? `"${data.name}" ` : ''}has targets for "${name}", which is ` +
                `not a task of the model (tasks: ${model.taskNames.join(', ')}).`,
              { details: { task: name } },
            );
          }
          const mask = batch.masks?.[name];
          checkTarget(model, name, batch, index, data.name);
          let n = target.shape[0];
          if (mask) {
            const count = tf.tidy(() => tf.sum(tf.cast(tf.greater(mask, 0), 'float32')));
            n = count.dataSync()[0]!;
            count.dispose();
          }
          labelled.set(name, labelled.get(name)! + n);
        }
        if (!probed) {
          probed = true;
          probe(model, batch);
        }
      }
    } finally {
      for (const b of batches) disposeBatch(b);
    }
    index++;
    if (how === 'first-batch') break;
  }
  if (how === 'full') {
    const none = [...labelled].filter(([, n]) => n === 0).map(([t]) => t);
    if (none.length > 0) {
      throw new MultitaskError(
        'NO_DATA',
        `[@multitask/core] Task${none.length > 1 ? 's' : ''} ${none.map((t) => `"${t}"`).join(', ')} ha${none.length > 1 ? 've' : 's'} ` +
          `no labelled row in the training data${data.name ? ` "${data.name}"` : ''} — add labelled rows or remove the task.`,
        { details: { task: none.join(',') } },
      );
    }
  }
}

/**
 * Runs the task's `validateTarget` on a batch's target for it; throws `LABEL_OUT_OF_RANGE` naming the task, the
 * batch and the data. Training data and evaluation data go through the same check.
 */
export function checkTarget(
  model: MultitaskModel,
  name: string,
  batch: Batch,
  index: number,
  dataName?: string,
): void {
  const problem = model.task(name).validateTarget?.(batch.targets[name]!, batch.masks?.[name]);
  if (problem !== undefined) {
    throw new MultitaskError(
      'LABEL_OUT_OF_RANGE',
      `[@multitask/core] Task "${name}", batch ${index}${dataName ? ` of "${dataName}"` : ''}: ${problem}`,
      { details: { task: name, batch: index } },
    );
  }
}

/** One inference forward pass on a batch; turns tfjs shape errors into errors naming the input shape. */
function probe(model: MultitaskModel, batch: Batch): void {
  model.validateInputs(batch.inputs);
  const names = tasksOf(batch).filter((n) => model.taskNames.includes(n));
  try {
    const preds = model.predict(batch.inputs, names);
    try {
      for (const n of names) {
        const p = preds[n]!;
        const t = batch.targets[n]!;
        if (p.shape[0] !== t.shape[0]) {
          throw new MultitaskError(
            'SHAPE_MISMATCH',
            `[@multitask/core] Task "${n}": the prediction has ${p.shape[0]} rows but the target has ${t.shape[0]} ` +
              `(target shape ${shapeString(t.shape)}).`,
            { details: { task: n } },
          );
        }
      }
    } finally {
      tf.dispose(Object.values(preds));
    }
  } catch (e) {
    if (isMultitaskError(e)) throw e;
    const inputs = batch.inputs;
    const shape =
      'shape' in inputs && Array.isArray(inputs.shape)
        ? shapeString(inputs.shape)
        : Object.entries(inputs as Record<string, Tensor>)
            .map(([k, v]) => `${k}: ${shapeString(v.shape)}`)
            .join(', ');
    throw new MultitaskError(
      'SHAPE_MISMATCH',
      `[@multitask/core] Backbone "${model.backbone.name}" cannot take inputs of shape ${shape}: ` +
        (e instanceof Error ? e.message : String(e)),
      { cause: e },
    );
  }
}
