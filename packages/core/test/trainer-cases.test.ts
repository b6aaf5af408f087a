import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import {
  MultitaskModel,
  Rng,
  representationSize,
  Trainer,
  isMultitaskError,
  type Backbone,
  type Batch,
  type ForwardContext,
  type StepEvent,
} from '../src/index.ts';
import {
  batchOf,
  classificationTask,
  denseBackbone,
  fixedLossWeighting,
  inverseNormGramian,
  linearHead,
  regressionTask,
  snapshot,
  toyData,
  toySource,
} from './fixtures.ts';

function disposeB(b: Batch): void {
  tf.dispose([b.inputs, ...Object.values(b.targets), ...Object.values(b.masks ?? {})]);
}

function twoTaskModel(backbone: Backbone = denseBackbone({ inputSize: 4, units: 6, seed: 1 })) {
  return new MultitaskModel({
    backbone,
    tasks: [classificationTask('cls', linearHead(6, 2, 2)), regressionTask('reg', linearHead(6, 1, 3))],
  });
}

/** A gated backbone: shared s = relu(xW); task t sees s ⊙ gₜ (per-task representations). */
function gatedBackbone(withShared: boolean): Backbone {
  const init = new Rng(4).permutation(24).map((i) => (i - 12) / 20);
  const W = tf.tidy(() => tf.variable(tf.tensor2d(init, [4, 6])));
  const gates = tf.tidy(() => ({ cls: tf.variable(tf.ones([6])), reg: tf.variable(tf.fill([6], 0.5)) }));
  const trunk = (x: Tensor): Tensor => tf.relu(tf.matMul(x, W));
  const forTask = (s: Tensor, task: string): Tensor => tf.mul(s, gates[task as 'cls' | 'reg']);
  const b: Backbone = {
    name: withShared ? 'gated-shared' : 'gated',
    outputSize: 6,
    apply: (x) => ({ cls: forTask(trunk(x as Tensor), 'cls'), reg: forTask(trunk(x as Tensor), 'reg') }),
    trainableVariables: [W, gates.cls, gates.reg],
    getConfig: () => ({ type: 'gated', options: {} }),
    dispose: () => tf.dispose([W, gates.cls, gates.reg]),
  };
  if (withShared) b.applyShared = (x) => ({ shared: trunk(x as Tensor), forTask });
  return b;
}

describe('per-task representations', () => {
  test('without applyShared: representation mode is refused with advice, auto uses parameters', async () => {
    const model = twoTaskModel(gatedBackbone(false));
    const opt = tf.train.sgd(0.1);
    const batch = batchOf(toyData(8, 4, 1));
    const explicit = new Trainer({
      model,
      strategy: inverseNormGramian(),
      optimizer: opt,
      seed: 1,
      gradientMode: 'representation',
    });
    await expectMultitaskError(
      () => explicit.trainStep(batch),
      'UNSUPPORTED_GRADIENT_MODE',
      /use gradientMode "parameters"/,
    );
    const auto = new Trainer({ model, strategy: inverseNormGramian(), optimizer: opt, seed: 1 });
    auto.trainStep(batch);
    disposeB(batch);
    model.dispose();
    opt.dispose();
  });

  test('with applyShared: per-task gradients are taken at the shared tensor (equal to a naive computation)', () => {
    const backbone = gatedBackbone(true);
    const model = twoTaskModel(backbone);
    const opt = tf.train.sgd(0.1);
    const strategy = inverseNormGramian();
    const d = toyData(8, 4, 1);
    const batch = batchOf(d);
    // naive: ∂Lₜ/∂s through the task's gate and head, with plain tfjs grads
    const naive = tf.tidy(() => {
      const s = backbone.applyShared!(batch.inputs, { training: true }).shared;
      const gs = model.tasks.map((t) =>
        tf.grad((ss: Tensor) =>
          t.loss(
            t.head.apply(backbone.applyShared!(batch.inputs, { training: true }).forTask(ss, t.name), {
              training: true,
            }),
            batch.targets[t.name]!,
          ),
        )(s),
      );
      const J = tf.stack(gs.map((g) => tf.reshape(g, [-1])));
      return tf.matMul(J, J, false, true).arraySync() as number[][];
    });
    new Trainer({ model, strategy, optimizer: opt, seed: 1, gradientMode: 'representation' }).trainStep(
      batch,
    );
    naive.forEach((row, i) => row.forEach((v, j) => expect(strategy.calls[0]![i]![j]!).toBeCloseTo(v, 5)));
    disposeB(batch);
    model.dispose();
    opt.dispose();
  });
});

describe('per-task loaders (one batch per task in a step)', () => {
  const d = toyData(12, 4, 2);
  const perTask = (): Batch[] => {
    const a = batchOf(d, [0, 1, 2, 3, 4, 5]);
    const b = batchOf(d, [6, 7, 8, 9, 10, 11]);
    return [
      { inputs: a.inputs, targets: { cls: a.targets.cls! }, task: 'cls' },
      { inputs: b.inputs, targets: { reg: b.targets.reg! }, task: 'reg' },
    ].map((x, i) => {
      (i === 0 ? a.targets.reg : b.targets.cls)!.dispose();
      return x;
    });
  };

  test('loss weighting sums each task on its own batch; Gramian strategies use parameters mode', () => {
    const model = twoTaskModel();
    const opt = tf.train.sgd(0.05);
    const step = perTask();
    const lossEvent = new Trainer({
      model,
      strategy: fixedLossWeighting([1, 1]),
      optimizer: opt,
      seed: 1,
    }).trainStep(step);
    expect(Object.keys(lossEvent.losses)).toEqual(['cls', 'reg']);
    const g = new Trainer({ model, strategy: inverseNormGramian(), optimizer: opt, seed: 1 });
    g.trainStep(step);
    expect(() =>
      new Trainer({
        model,
        strategy: inverseNormGramian(),
        optimizer: opt,
        seed: 1,
        gradientMode: 'representation',
      }).trainStep(step),
    ).toThrow(/one batch per task/);
    step.forEach(disposeB);
    model.dispose();
    opt.dispose();
  });
});

describe('several forward passes in one step (parameters mode)', () => {
  test('every pass sees the same dropout seeds; statistics update once per step', () => {
    const backbone = denseBackbone({ inputSize: 4, units: 6, seed: 1, dropout: 0.5, statistics: true });
    const model = twoTaskModel(backbone);
    const opt = tf.train.sgd(0.05);
    const trainer = new Trainer({
      model,
      strategy: inverseNormGramian(['parameters']),
      optimizer: opt,
      seed: 7,
    });
    const batch = batchOf(toyData(8, 4, 3));
    trainer.trainStep(batch);
    trainer.trainStep(batch);
    const seeds = backbone.masks.map((m) => m[0]);
    expect(seeds).toHaveLength(4);
    expect(seeds[0]).toBe(seeds[1]); // step 0: task 1 and task 2 passes
    expect(seeds[2]).toBe(seeds[3]); // step 1
    expect(seeds[0]).not.toBe(seeds[2]); // a fresh mask every step
    expect(backbone.stat.dataSync()[0]).toBe(2); // two steps → two updates, not four
    disposeB(batch);
    model.dispose();
    opt.dispose();
  });
});

test('a NaN loss stops training naming the task and step, before the update', async () => {
  const model = twoTaskModel();
  const opt = tf.train.sgd(0.05);
  const d = toyData(8, 4, 3);
  d.reg[2] = Number.NaN;
  const trainer = new Trainer({ model, strategy: fixedLossWeighting([1, 1]), optimizer: opt, seed: 1 });
  const good = batchOf(toyData(8, 4, 4));
  trainer.trainStep(good);
  const before = snapshot(model.trainableVariables);
  const bad = batchOf(d);
  await expectMultitaskError(() => trainer.trainStep(bad), 'NON_FINITE_LOSS', /task "reg".*step 1/);
  expect(snapshot(model.trainableVariables)).toEqual(before);
  [good, bad].forEach(disposeB);
  model.dispose();
  opt.dispose();
});

describe('fit, evaluate and callbacks', () => {
  test('learns the toy problem; callbacks see every step and epoch; a callback can stop training', async () => {
    const d = toyData(128, 4, 5);
    const model = twoTaskModel();
    const opt = tf.train.adam(0.05);
    const steps: StepEvent[] = [];
    const accuracy = () => {
      let right = 0;
      let n = 0;
      return {
        name: 'accuracy',
        higherIsBetter: true,
        update(p: Tensor, t: Tensor) {
          const am = tf.argMax(p, 1);
          const pred = am.dataSync();
          am.dispose();
          const tv = t.dataSync();
          pred.forEach((v, i) => ((right += v === tv[i] ? 1 : 0), n++));
        },
        result: () => right / n,
        reset: () => ((right = 0), (n = 0)),
      };
    };
    const trainer = new Trainer({
      model,
      strategy: fixedLossWeighting([1, 1]),
      optimizer: opt,
      seed: 3,
      metrics: { cls: [accuracy] },
      callbacks: [{ onStepEnd: (e) => void steps.push(e) }],
    });
    const result = await trainer.fit(toySource(d), {
      epochs: 15,
      batchSize: 32,
      validation: toySource(toyData(64, 4, 6)),
    });
    expect(result.epochs).toBe(15);
    expect(steps).toHaveLength(60);
    const last = result.history.at(-1)!;
    expect(last.validation!.cls!.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(last.trainLosses.reg!).toBeLessThan(result.history[0]!.trainLosses.reg! / 2);
    const stopper = new Trainer({
      model,
      strategy: fixedLossWeighting([1, 1]),
      optimizer: opt,
      seed: 3,
      callbacks: [{ onEpochEnd: (e, c) => (e.epoch === 1 ? c.stop('enough') : undefined) }],
    });
    const stopped = await stopper.fit(toySource(d), { epochs: 10, batchSize: 64 });
    expect(stopped.epochs).toBe(2);
    expect(stopped.stoppedEarly).toBe('enough');
    model.dispose();
    opt.dispose();
  });
});

describe('bad configs stop before training with an error naming the thing', () => {
  const code = async (f: () => unknown): Promise<string> => {
    try {
      await f();
    } catch (e) {
      if (isMultitaskError(e)) return `${e.code}: ${e.message}`;
      throw e;
    }
    return 'no error';
  };

  test('label out of range, a task with no data, an unknown target, a bad input shape', async () => {
    const model = twoTaskModel();
    const opt = tf.train.sgd(0.1);
    const trainer = new Trainer({ model, strategy: fixedLossWeighting([1, 1]), optimizer: opt, seed: 1 });
    const before = snapshot(model.trainableVariables);
    const d = toyData(16, 4, 7);
    const outOfRange = { ...d, cls: d.cls.map((c, i) => (i === 9 ? 5 : c)) };
    expect(await code(() => trainer.fit(toySource(outOfRange), { epochs: 1, batchSize: 8 }))).toMatch(
      /^LABEL_OUT_OF_RANGE: .*Task "cls", batch 1.*label 5 is out of range for 2 classes/,
    );
    expect(
      await code(() => trainer.fit(toySource(d, { cls: d.cls.map(() => 0) }), { epochs: 1, batchSize: 8 })),
    ).toMatch(/^NO_DATA: .*"cls" has no labelled row/);
    const extra = {
      ...toySource(d),
      async *batches() {
        await Promise.resolve();
        const b = batchOf(d);
        yield { ...b, targets: { ...b.targets, colour: tf.zeros([16]) } };
      },
    };
    expect(await code(() => trainer.fit(extra, { epochs: 1, batchSize: 8 }))).toMatch(
      /^INVALID_DATA: .*"colour", which is not a task/,
    );
    const wide = { x: d.x.map((r) => [...r, 0]), cls: d.cls, reg: d.reg };
    expect(await code(() => trainer.fit(toySource(wide), { epochs: 1, batchSize: 8 }))).toMatch(
      /^SHAPE_MISMATCH: .*"dense-test" cannot take inputs of shape \[8, 5\]/,
    );
    expect(snapshot(model.trainableVariables)).toEqual(before);
    expect(await code(() => trainer.fit(toySource(d), { epochs: 0, batchSize: 8 }))).toMatch(
      /^INVALID_OPTION: .*epochs/,
    );
    model.dispose();
    opt.dispose();
  });

  test('head input size ≠ representation size, duplicate task names, unsupported gradient mode', async () => {
    const backbone = denseBackbone({ inputSize: 4, units: 6, seed: 1 });
    const h = linearHead(5, 2, 1);
    expect(await code(() => new MultitaskModel({ backbone, tasks: [classificationTask('cls', h)] }))).toMatch(
      /^SHAPE_MISMATCH: .*task "cls" expects a representation of size 5, but backbone "dense-test" produces 6/,
    );
    // Per-task sizes (Backbone.outputSizes) take precedence for the tasks they name.
    const perTask: Backbone = { ...backbone, outputSizes: { cls: 5 } };
    expect([representationSize(perTask, 'cls'), representationSize(perTask, 'other')]).toEqual([5, 6]);
    expect(
      new MultitaskModel({ backbone: perTask, tasks: [classificationTask('cls', h)] }).taskNames,
    ).toEqual(['cls']);
    const wrong = linearHead(6, 2, 1);
    expect(
      await code(() => new MultitaskModel({ backbone: perTask, tasks: [classificationTask('cls', wrong)] })),
    ).toMatch(/^SHAPE_MISMATCH: .*size 6, but backbone "dense-test" produces 5 for it/);
    wrong.dispose();
    const h6 = linearHead(6, 2, 1);
    expect(
      await code(
        () =>
          new MultitaskModel({ backbone, tasks: [classificationTask('a', h6), classificationTask('a', h6)] }),
      ),
    ).toMatch(/^INVALID_CONFIG: .*"a" is used twice/);
    const model = new MultitaskModel({ backbone, tasks: [classificationTask('a', h6)] });
    const opt = tf.train.sgd(0.1);
    expect(
      await code(
        () =>
          new Trainer({
            model,
            strategy: inverseNormGramian(['parameters']),
            optimizer: opt,
            seed: 1,
            gradientMode: 'representation',
          }),
      ),
    ).toMatch(/^UNSUPPORTED_GRADIENT_MODE: .*"inverse-norm" does not support gradientMode "representation"/);
    model.dispose();
    h.dispose();
    opt.dispose();
  });
});

test('ForwardContext typing sanity: training flag reaches the backbone', () => {
  const seen: boolean[] = [];
  const inner = denseBackbone({ inputSize: 4, units: 6, seed: 1 });
  const spy: Backbone = {
    ...inner,
    apply: (x, c: ForwardContext) => (seen.push(c.training), inner.apply(x, c)),
  };
  const model = twoTaskModel(spy);
  const b = batchOf(toyData(4, 4, 1));
  tf.dispose(Object.values(model.predict(b.inputs)));
  expect(seen).toEqual([false]);
  disposeB(b);
  model.dispose();
});

test('Adam keeps each variable its own moments when a task is left out of a step (its head is not updated)', () => {
  const model = twoTaskModel();
  const opt = tf.train.adam(0.05);
  const trainer = new Trainer({ model, strategy: fixedLossWeighting([1, 1]), optimizer: opt, seed: 1 });
  const d = toyData(8, 4, 3);
  const both = batchOf(d);
  const regOnly = batchOf(d, undefined, { cls: d.cls.map(() => 0) });
  trainer.trainStep(both);
  const clsHead = model.headVariables('cls');
  const regHead = model.headVariables('reg');
  const clsBefore = snapshot(clsHead);
  const regBefore = snapshot(regHead);
  trainer.trainStep(regOnly);
  expect(snapshot(clsHead)).toEqual(clsBefore); // Adam's momentum must not move a head whose task sat out
  expect(snapshot(regHead)).not.toEqual(regBefore);
  [both, regOnly].forEach(disposeB);
  model.dispose();
  opt.dispose();
});

test('the trainer hands the task names to strategy.init() before any step', () => {
  const model = twoTaskModel();
  const opt = tf.train.sgd(0.1);
  const seen: string[][] = [];
  new Trainer({
    model,
    strategy: { ...fixedLossWeighting([1, 1]), init: (t) => void seen.push([...t]) },
    optimizer: opt,
    seed: 1,
  });
  expect(seen).toEqual([['cls', 'reg']]);
  model.dispose();
  opt.dispose();
});
