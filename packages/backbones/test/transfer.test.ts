import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MultitaskModel } from '@multitask/core';
import { freeze, isFrozen, mlpBackbone, partOptimizers, unfreeze, withTask } from '../src/index.ts';
import { accuracy, ceTask, rings, trainModel } from './helpers.ts';

const snapshot = (vars: readonly tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));

describe('transfer helpers', () => {
  it('freeze/unfreeze toggle what the model trains', () => {
    const model = new MultitaskModel({
      backbone: mlpBackbone({ inputSize: 2, units: [4] }),
      tasks: [ceTask('a', 4, 2)],
    });
    expect(model.trainableVariables).toHaveLength(4);
    freeze(model.backbone);
    expect(isFrozen(model.backbone)).toBe(true);
    expect(model.trainableVariables).toEqual(model.task('a').head.trainableVariables);
    unfreeze(model.backbone);
    expect(model.trainableVariables).toHaveLength(4);
    model.dispose();
  });

  it('a new head on a frozen trained trunk learns a new task while the old parts stay fixed', () => {
    // Train the trunk on ring membership, then add a head for the flipped label and train only it.
    const train = rings(200, 3);
    const test = rings(200, 4);
    const base = new MultitaskModel({
      backbone: mlpBackbone({ inputSize: 2, units: [32, 32], seed: 3 }),
      tasks: [ceTask('ring', 32, 2)],
    });
    const opt1 = tf.train.adam(0.03);
    trainModel(base, train.x, { ring: train.y }, 120, opt1);
    freeze(base.backbone);
    freeze(base.task('ring').head);
    const model = withTask(base, ceTask('flipped', 32, 2, 5));
    const before = snapshot([
      ...base.backbone.trainableVariables,
      ...base.task('ring').head.trainableVariables,
    ]);
    const flippedTrain = tf.tidy(() => tf.sub(1, train.y));
    const flippedTest = tf.tidy(() => tf.sub(1, test.y));
    const opt2 = tf.train.adam(0.05);
    expect(model.trainableVariables).toEqual(model.task('flipped').head.trainableVariables);
    trainModel(
      new MultitaskModel({ backbone: model.backbone, tasks: [model.task('flipped')] }),
      train.x,
      { flipped: flippedTrain },
      60,
      opt2,
    );
    expect(
      snapshot([...base.backbone.trainableVariables, ...base.task('ring').head.trainableVariables]),
    ).toEqual(before);
    const out = model.predict(test.x);
    expect(accuracy(out.flipped!, flippedTest)).toBeGreaterThanOrEqual(0.95);
    tf.dispose([train.x, train.y, test.x, test.y, flippedTrain, flippedTest, out]);
    opt1.dispose();
    opt2.dispose();
    model.dispose();
  });

  it('partOptimizers applies each part’s learning rate (SGD: Δw = −lr·g)', () => {
    const model = new MultitaskModel({
      backbone: mlpBackbone({ inputSize: 3, units: [4] }),
      tasks: [ceTask('a', 4, 2), ceTask('b', 4, 2, 2)],
    });
    const parts = partOptimizers(model, { default: 0.1, backbone: 0.01, tasks: { b: 0 } }, (lr) =>
      tf.train.sgd(lr),
    );
    const x = tf.randomNormal([8, 3], 0, 1, 'float32', 1);
    const y = tf.tensor1d([0, 1, 0, 1, 1, 0, 1, 0], 'int32');
    const vars = model.trainableVariables;
    const before = snapshot(vars);
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(x, { training: true });
      return tf.add(model.task('a').loss(out.a!, y), model.task('b').loss(out.b!, y));
    }, vars);
    const g = vars.map((v) => Array.from(grads[v.name]!.dataSync()));
    parts.applyGradients(grads);
    const after = snapshot(vars);
    const lrOf = (i: number) => (i < 2 ? 0.01 : i < 4 ? 0.1 : 0);
    vars.forEach((_, i) =>
      after[i]!.forEach((w, j) => expect(w).toBeCloseTo(before[i]![j]! - lrOf(i) * g[i]![j]!, 6)),
    );
    expect(() => partOptimizers(model, { default: 1, tasks: { zzz: 1 } }, (lr) => tf.train.sgd(lr))).toThrow(
      /unknown task "zzz"/,
    );
    tf.dispose([x, y, value, grads]);
    parts.dispose();
    model.dispose();
  });
});
