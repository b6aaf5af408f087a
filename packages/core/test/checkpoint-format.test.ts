/** Checkpoint format 2: the model's variables under the one naming scheme; format 1 is refused clearly. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import {
  CHECKPOINT_FORMAT,
  MultitaskModel,
  Trainer,
  captureCheckpoint,
  restoreCheckpoint,
} from '../src/index.ts';
import {
  classificationTask,
  denseBackbone,
  fixedLossWeighting,
  linearHead,
  regressionTask,
} from './fixtures.ts';

function build() {
  const model = new MultitaskModel({
    backbone: denseBackbone({ inputSize: 4, units: 5, seed: 3, statistics: true }),
    tasks: [classificationTask('cls', linearHead(5, 2, 4)), regressionTask('reg', linearHead(5, 1, 5))],
  });
  const opt = tf.train.sgd(0.1);
  const trainer = new Trainer({ model, strategy: fixedLossWeighting([1, 1]), optimizer: opt, seed: 1 });
  return { model, opt, trainer };
}

describe('checkpoint format', () => {
  test('names variables as the model does, the names model save/load uses', async () => {
    const { model, opt, trainer } = build();
    const data = await captureCheckpoint(trainer);
    expect(data.manifest.format).toBe(2);
    const keys = data.manifest.tensors.map((t) => t.key);
    expect(model.namedVariables().map((n) => n.name)).toEqual([
      'backbone/0',
      'backbone/1',
      'backbone/state/0',
      'task/cls/0',
      'task/cls/1',
      'task/reg/0',
      'task/reg/1',
    ]);
    expect(keys.slice(0, 7)).toEqual(model.namedVariables().map((n) => n.name));
    model.dispose();
    opt.dispose();
  });

  test('a checkpoint of format 1 is refused with a message saying why', async () => {
    const { model, opt, trainer } = build();
    const data = await captureCheckpoint(trainer);
    const old = { ...data, manifest: { ...data.manifest, format: 1 } };
    await expectMultitaskError(
      () => restoreCheckpoint(trainer, old, 'old.ckpt'),
      'CHECKPOINT_ERROR',
      new RegExp(
        `old\\.ckpt has format 1; this version reads format ${CHECKPOINT_FORMAT} \\(older checkpoints named the variables differently`,
      ),
    );
    model.dispose();
    opt.dispose();
  });
});
