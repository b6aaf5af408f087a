/**
 * A non-finite loss under a Gramian or Jacobian strategy stops the step with NON_FINITE_LOSS naming the task and
 * the step — the strategy never sees the NaN Gramian (its solver would fail without naming the task) — and the
 * parameters are untouched.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { MultitaskModel, Trainer, type Batch } from '../src/index.ts';
import {
  batchOf,
  classificationTask,
  denseBackbone,
  inverseNormGramian,
  linearHead,
  rankedSumAggregator,
  regressionTask,
  snapshot,
  toyData,
} from './fixtures.ts';

function disposeB(b: Batch): void {
  tf.dispose([b.inputs, ...Object.values(b.targets), ...Object.values(b.masks ?? {})]);
}

describe.each(['representation', 'parameters'] as const)('%s mode', (mode) => {
  test.each([
    ['Gramian', () => inverseNormGramian()],
    ['Jacobian', rankedSumAggregator],
  ] as const)(
    '%s strategy: NON_FINITE_LOSS names the task and step, strategy not called',
    async (_, make) => {
      const model = new MultitaskModel({
        backbone: denseBackbone({ inputSize: 4, units: 6, seed: 1 }),
        tasks: [classificationTask('cls', linearHead(6, 2, 2)), regressionTask('reg', linearHead(6, 1, 3))],
      });
      const strategy = make();
      const opt = tf.train.sgd(0.05);
      const trainer = new Trainer({ model, strategy, optimizer: opt, seed: 1, gradientMode: mode });
      const good = batchOf(toyData(8, 4, 4));
      trainer.trainStep(good);
      const d = toyData(8, 4, 3);
      d.reg[2] = Number.NaN;
      const bad = batchOf(d);
      const calls = 'calls' in strategy ? strategy.calls.length : 0;
      const before = snapshot(model.trainableVariables);
      await expectMultitaskError(() => trainer.trainStep(bad), 'NON_FINITE_LOSS', /task "reg".*step 1/, {
        task: 'reg',
        step: 1,
      });
      if ('calls' in strategy) expect(strategy.calls.length).toBe(calls);
      expect(snapshot(model.trainableVariables)).toEqual(before);
      [good, bad].forEach(disposeB);
      model.dispose();
      opt.dispose();
    },
  );
});
