/**
 * One read per step: every download from the backend (`dataSync`, `data`, `array`…) goes through the engine's
 * `read`/`readSync`, which call the backend's — so counting those calls during training shows how many times a
 * step waits for the device. (Counted at the engine: the wasm backend's own kernels also call its `readSync` for
 * views of the wasm heap, e.g. in `slice`, which are not downloads.) With diagnostics off, a step reads its
 * results once (losses, total, weights, Gramian) for every family and both gradient modes, plus one read of the
 * masks — only when the batch has masks — to decide which tasks take part.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Variable } from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { countReads } from '@multitask/test-utils';
import {
  MultitaskModel,
  Trainer,
  type Batch,
  type LossWeighting,
  type WeightingStrategy,
} from '../src/index.ts';
import {
  batchOf,
  classificationTask,
  denseBackbone,
  fixedLossWeighting,
  inverseNormGramian,
  linearHead,
  rankedSumAggregator,
  regressionTask,
  toyData,
  toySource,
} from './fixtures.ts';

function build(): MultitaskModel {
  return new MultitaskModel({
    backbone: denseBackbone({ inputSize: 4, units: 5, seed: 3 }),
    tasks: [classificationTask('cls', linearHead(5, 2, 4)), regressionTask('reg', linearHead(5, 1, 5))],
  });
}

/**
 * A loss weighting whose weights live in variables (as uncertainty's do): `currentWeights` reads each one,
 * `currentWeightsTensor` gives them as one tensor. The trainer must use the tensor, inside the step's read.
 */
function deviceWeights(): LossWeighting & { vars: Variable[] } {
  const vars = [0.5, 2].map((w) => tf.tidy(() => tf.variable(tf.scalar(w))));
  return {
    name: 'device-weights',
    family: 'loss',
    vars,
    variables: vars,
    combine: (losses) => tf.tidy(() => tf.addN<Scalar>(losses.map((l, i) => tf.mul(l, vars[i]!)))),
    currentWeights: (tasks) => tasks.map((_, i) => vars[i]!.dataSync()[0]!),
    currentWeightsTensor: (tasks) => tf.tidy(() => tf.stack(tasks.map((_, i) => vars[i]!))),
    getConfig: () => ({}),
    state: () => null,
    load: () => undefined,
    dispose: () => tf.dispose(vars),
  };
}

function disposeB(b: Batch): void {
  tf.dispose([b.inputs, ...Object.values(b.targets), ...Object.values(b.masks ?? {})]);
}

const d = toyData(8, 4, 1);
const masks = { cls: [1, 0, 1, 1, 0, 1, 1, 1], reg: [1, 1, 0, 1, 1, 1, 0, 1] };

type Case = readonly [string, () => WeightingStrategy, 'representation' | 'parameters' | undefined];
const cases: Case[] = [
  ['loss weighting', () => fixedLossWeighting([1, 0.5]), undefined],
  ['loss weighting with device weights', deviceWeights, undefined],
  ['Gramian, representation', () => inverseNormGramian(), 'representation'],
  ['Gramian, parameters', () => inverseNormGramian(), 'parameters'],
  ['Jacobian, representation', rankedSumAggregator, 'representation'],
  ['Jacobian, parameters', rankedSumAggregator, 'parameters'],
];

describe('backend reads per training step (diagnostics off)', () => {
  afterEach(() => vi.restoreAllMocks());

  test.each(cases)('%s: one read per step, plus one mask read only with masks', (_, make, mode) => {
    const model = build();
    const strategy = make();
    const opt = tf.train.adam(0.01);
    const trainer = new Trainer({
      model,
      strategy,
      optimizer: opt,
      seed: 1,
      ...(mode ? { gradientMode: mode } : {}),
    });
    const plain = batchOf(d);
    const masked = batchOf(d, undefined, masks);
    // The first step may build optimizer slots; count from the second.
    trainer.trainStep(plain);
    const reads = [0, 1, 2].map(() => countReads(() => trainer.trainStep(plain)));
    const maskedReads = [0, 1].map(() => countReads(() => trainer.trainStep(masked)));
    expect(reads).toEqual([1, 1, 1]);
    expect(maskedReads).toEqual([2, 2]);
    const event = trainer.trainStep(plain);
    expect(Object.keys(event.losses)).toEqual(['cls', 'reg']);
    if (strategy.family !== 'jacobian') expect(event.weights).toBeDefined();
    disposeB(plain);
    disposeB(masked);
    strategy.dispose();
    model.dispose();
    opt.dispose();
  });

  test('device weights are reported from the step read with the values currentWeights gives', () => {
    const model = build();
    const strategy = deviceWeights();
    const opt = tf.train.sgd(0.1);
    const trainer = new Trainer({ model, strategy, optimizer: opt, seed: 1 });
    const batch = batchOf(d);
    const before = strategy.currentWeights!(['cls', 'reg']);
    const event = trainer.trainStep(batch);
    expect(event.weights).toEqual({ cls: before[0], reg: before[1] });
    disposeB(batch);
    strategy.dispose();
    model.dispose();
    opt.dispose();
  });

  test('fit: one read per step over an epoch (validation and data checks off)', async () => {
    const model = build();
    const strategy = inverseNormGramian();
    const opt = tf.train.sgd(0.05);
    const trainer = new Trainer({ model, strategy, optimizer: opt, seed: 1, gradientMode: 'representation' });
    const backend = tf.engine();
    const sync = vi.spyOn(backend, 'readSync');
    const async = vi.spyOn(backend, 'read');
    const result = await trainer.fit(toySource(d), { epochs: 2, batchSize: 4, validateData: 'none' });
    expect(result.steps).toBe(4);
    expect(sync.mock.calls.length + async.mock.calls.length).toBe(4);
    model.dispose();
    opt.dispose();
  });
});
