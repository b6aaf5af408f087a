/**
 * Run by determinism.test.ts in a child process (skipped otherwise): trains with dropout and shuffling on and
 * writes the per-step loss curve to $MULTITASK_DET_OUT.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
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

const out = process.env.MULTITASK_DET_OUT;

test.skipIf(out === undefined)('writes a loss curve', async () => {
  const seed = Number(process.env.MULTITASK_DET_SEED ?? '1');
  const model = new MultitaskModel({
    backbone: denseBackbone({ inputSize: 4, units: 8, seed: 2, dropout: 0.3 }),
    tasks: [classificationTask('cls', linearHead(8, 2, 3)), regressionTask('reg', linearHead(8, 1, 4))],
  });
  const optimizer = tf.train.adam(0.01);
  const curve: number[] = [];
  const trainer = new Trainer({
    model,
    strategy: fixedLossWeighting([1, 1]),
    optimizer,
    seed,
    callbacks: [{ onStepEnd: (e) => void curve.push(e.totalLoss) }],
  });
  await trainer.fit(toySource(toyData(64, 4, 9)), { epochs: 3, batchSize: 16, shuffle: true });
  expect(curve).toHaveLength(12);
  writeFileSync(out!, JSON.stringify({ backend: tf.getBackend(), curve }));
  model.dispose();
  optimizer.dispose();
});
