import * as tf from '@tensorflow/tfjs-core';
import { MultitaskModel, type Backbone } from '@multitask/core';
import { expect, test } from 'vitest';
import { binaryTask, classificationTask, regressionTask } from '../src/index.ts';

test('heads made without inputSize get their variables when the model is built (from the backbone outputSize)', () => {
  const backbone: Backbone = {
    name: 'identity',
    outputSize: 7,
    apply: (x) => tf.clone(x as tf.Tensor),
    trainableVariables: [],
    getConfig: () => ({ type: 'identity', options: {} }),
    dispose: () => undefined,
  };
  const tasks = [
    classificationTask('a', { numClasses: 3, hidden: [4] }),
    regressionTask('b'),
    binaryTask('c'),
  ];
  expect(tasks.map((t) => t.head.trainableVariables.length)).toEqual([0, 0, 0]);
  const model = new MultitaskModel({ backbone, tasks });
  expect(tasks.map((t) => t.head.trainableVariables.length)).toEqual([4, 2, 2]);
  expect(tasks[0]!.head.trainableVariables[0]!.shape).toEqual([7, 4]);
  expect(tasks.map((t) => t.head.inputSize)).toEqual([7, 7, 7]);
  model.dispose();
});
