/** Evaluation checks targets as training does: a class label out of range is an error naming task and batch. */
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { MultitaskModel, Trainer } from '../src/index.ts';
import {
  classificationTask,
  denseBackbone,
  fixedLossWeighting,
  linearHead,
  regressionTask,
  toyData,
  toySource,
} from './fixtures.ts';

test('evaluate: a label out of range throws LABEL_OUT_OF_RANGE naming the task, batch and data', async () => {
  const model = new MultitaskModel({
    backbone: denseBackbone({ inputSize: 4, units: 6, seed: 1 }),
    tasks: [classificationTask('cls', linearHead(6, 2, 2)), regressionTask('reg', linearHead(6, 1, 3))],
  });
  const opt = tf.train.sgd(0.05);
  const trainer = new Trainer({ model, strategy: fixedLossWeighting([1, 1]), optimizer: opt, seed: 1 });
  const d = toyData(12, 4, 2);
  const good = await trainer.evaluate(toySource(d), { batchSize: 4 });
  expect(Object.keys(good)).toEqual(['cls', 'reg']);
  d.cls[9] = 7;
  await expectMultitaskError(
    () => trainer.evaluate(toySource(d), { batchSize: 4 }),
    'LABEL_OUT_OF_RANGE',
    /Task "cls", batch 2 of "toy": label 7 is out of range for 2 classes/,
    { task: 'cls', batch: 2 },
  );
  model.dispose();
  opt.dispose();
});
