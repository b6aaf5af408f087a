/**
 * `fit` yields to the event loop after every step, so a timer or a signal handler (the CLI's Ctrl-C) runs
 * between steps rather than at the end of the epoch (a step is synchronous tfjs work, and the awaits around it
 * settle as microtasks).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
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

describe('fit and the event loop', () => {
  test('a timer set before fit runs within the first steps, and a stop it asks for ends the epoch early', async () => {
    const before = tf.memory().numTensors;
    const model = new MultitaskModel({
      backbone: denseBackbone({ inputSize: 4, units: 8, seed: 2 }),
      tasks: [classificationTask('cls', linearHead(8, 2, 3)), regressionTask('reg', linearHead(8, 1, 4))],
    });
    const optimizer = tf.train.sgd(0.01);
    const trainer = new Trainer({ model, strategy: fixedLossWeighting([1, 1]), optimizer, seed: 1 });
    let fired = false;
    let stepsBeforeTimer = -1;
    setTimeout(() => {
      fired = true;
    }, 0);
    // 40 batches in one epoch; a stop requested once the timer has run.
    const result = await trainer.fit(toySource(toyData(160, 4, 5)), {
      epochs: 1,
      batchSize: 4,
      callbacks: [
        {
          onStepEnd: (e, control) => {
            if (fired && stepsBeforeTimer < 0) {
              stepsBeforeTimer = e.step;
              control.stop('timer');
            }
          },
        },
      ],
    });
    // Within the first few of the 40 steps (a 0 ms timer waits at least 1 ms); without the yield it would run
    // only after fit returned, and no step would see it.
    expect(stepsBeforeTimer).toBeGreaterThanOrEqual(0);
    expect(stepsBeforeTimer).toBeLessThan(5);
    expect(result.steps).toBe(stepsBeforeTimer + 1);
    expect(result.partialEpoch).toEqual({ epoch: 0, batches: stepsBeforeTimer + 1 });
    model.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
