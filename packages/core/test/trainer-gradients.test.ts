import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { MultitaskModel, Trainer, type WeightingStrategy } from '../src/index.ts';
import {
  batchOf,
  classificationTask,
  denseBackbone,
  fixedLossWeighting,
  inverseNormGramian,
  inverseNormWeights,
  linearHead,
  rankedSumAggregator,
  regressionTask,
  snapshot,
  toyData,
} from './fixtures.ts';
import { refLossWeighting, refParameters, refRepresentation, type Params } from './reference.ts';

const IN = 4;
const UNITS = 5;
const LR = 0.1;

function build(seed = 3) {
  const backbone = denseBackbone({ inputSize: IN, units: UNITS, seed });
  const h1 = linearHead(UNITS, 2, seed + 1);
  const h2 = linearHead(UNITS, 1, seed + 2);
  const model = new MultitaskModel({
    backbone,
    tasks: [classificationTask('cls', h1), regressionTask('reg', h2)],
  });
  const vars = [...backbone.trainableVariables, ...h1.trainableVariables, ...h2.trainableVariables];
  return { model, backbone, vars };
}

function params(vars: ReturnType<typeof build>['vars']): Params {
  const [W, b, W1, b1, W2, b2] = snapshot(vars);
  return { W: W!, b: b!, W1: W1!, b1: b1!, W2: W2!, b2: b2!, inputSize: IN, units: UNITS };
}

/** Runs one SGD step and returns the implied gradient (old − new) / lr per variable. */
function impliedGrads(
  strategy: WeightingStrategy,
  gradientMode: 'auto' | 'representation' | 'parameters',
  masks?: { cls?: number[]; reg?: number[] },
  headGradients?: 'weighted' | 'unweighted',
) {
  const { model, backbone, vars } = build();
  const d = toyData(8, IN, 11);
  const before = params(vars);
  const optimizer = tf.train.sgd(LR);
  const trainer = new Trainer({
    model,
    strategy,
    optimizer,
    seed: 5,
    gradientMode,
    ...(headGradients ? { headGradients } : {}),
  });
  const batch = batchOf(d, undefined, masks);
  const forwardsBefore = backbone.forwardCount;
  const event = trainer.trainStep(batch);
  const forwards = backbone.forwardCount - forwardsBefore;
  const after = snapshot(vars);
  tf.dispose([...Object.values(batch.targets), batch.inputs, ...Object.values(batch.masks ?? {})]);
  const flatBefore = [before.W, before.b, before.W1, before.b1, before.W2, before.b2];
  const grads = after.map((a, i) => a.map((x, j) => (flatBefore[i]![j]! - x) / LR));
  model.dispose();
  optimizer.dispose();
  return { grads, before, d, forwards, event };
}

function expectClose(actual: number[][], expected: number[][], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    expect(a.length).toBe(e.length);
    a.forEach((x, j) => {
      const err = Math.abs(x - e[j]!) / Math.max(1, Math.abs(e[j]!));
      if (!(err <= tol))
        throw new Error(`variable ${i} element ${j}: got ${x}, expected ${e[j]} (rel err ${err})`);
    });
  });
}

describe('each gradient mode gives the update of a plain-tfjs reference', () => {
  test('loss weighting: one backward of Σ wₜLₜ', () => {
    const { grads, before, d, event } = impliedGrads(fixedLossWeighting([0.7, 1.9]), 'auto');
    expectClose(grads, refLossWeighting(before, d, [0.7, 1.9]));
    expect(Object.keys(event.losses)).toEqual(['cls', 'reg']);
  });

  test('Gramian, representation mode: one backbone forward, per-task ∂L/∂z and Gramian equal the naive two-pass computation', () => {
    const strategy = inverseNormGramian();
    const { grads, before, d, forwards, event } = impliedGrads(strategy, 'representation');
    const ref = refRepresentation(before, d, inverseNormWeights);
    expectClose(grads, ref.grads);
    expect(forwards).toBe(1);
    expect(strategy.calls).toHaveLength(1);
    expectClose(strategy.calls[0]!, ref.G);
    const w = inverseNormWeights(ref.G);
    expect(event.weights!.cls).toBeCloseTo(w[0]!, 4);
  });

  test('Gramian, parameters mode: per-task gradients over every shared parameter', () => {
    const strategy = inverseNormGramian(['parameters']);
    const { grads, before, d, forwards } = impliedGrads(strategy, 'auto');
    const ref = refParameters(before, d, inverseNormWeights);
    expectClose(grads, ref.grads);
    expectClose(strategy.calls[0]!, ref.G);
    expect(forwards).toBe(2); // one backbone pass per task
  });

  test('Jacobian aggregator in both modes', () => {
    const dir = (g: number[][]): number[] => g[0]!.map((v, i) => v + 2 * g[1]![i]!);
    const rep = impliedGrads(rankedSumAggregator(), 'representation');
    expectClose(rep.grads, refRepresentation(rep.before, rep.d, () => [], dir).grads);
    const par = impliedGrads(rankedSumAggregator(), 'parameters');
    expectClose(par.grads, refParameters(par.before, par.d, () => [], dir).grads);
  });

  test('headGradients "weighted" scales each head by its weight', () => {
    const { grads, before, d } = impliedGrads(inverseNormGramian(), 'representation', undefined, 'weighted');
    const ref = refRepresentation(before, d, inverseNormWeights);
    const w = inverseNormWeights(ref.G);
    const expected = ref.grads.map((g, i) => (i < 2 ? g : g.map((x) => x * w[i < 4 ? 0 : 1]!)));
    expectClose(grads, expected);
  });
});

describe('masked labels', () => {
  const clsMask = [1, 0, 1, 1, 0, 1, 1, 1];
  const regMask = [0, 1, 1, 0, 1, 1, 1, 0];

  test('masked rows contribute nothing (reference computed on the labelled rows only)', () => {
    for (const [strategy, mode] of [
      [fixedLossWeighting([1, 1]), 'auto'],
      [inverseNormGramian(), 'representation'],
      [inverseNormGramian(), 'parameters'],
    ] as const) {
      const { grads, before, d } = impliedGrads(strategy, mode, { cls: clsMask, reg: regMask });
      const data = { ...d, clsMask, regMask };
      const ref =
        strategy.family === 'loss'
          ? refLossWeighting(before, data, [1, 1])
          : mode === 'representation'
            ? refRepresentation(before, data, inverseNormWeights).grads
            : refParameters(before, data, inverseNormWeights).grads;
      expectClose(grads, ref);
    }
  });

  test('a NaN label on a masked row changes nothing', () => {
    const { model, vars } = build();
    const d = toyData(8, IN, 11);
    const bad = { ...d, reg: d.reg.map((r, i) => (regMask[i] ? r : Number.NaN)) };
    const optimizer = tf.train.sgd(LR);
    const trainer = new Trainer({ model, strategy: fixedLossWeighting([1, 1]), optimizer, seed: 5 });
    const batch = batchOf(bad, undefined, { reg: regMask });
    const event = trainer.trainStep(batch);
    expect(Number.isFinite(event.losses.reg)).toBe(true);
    expect(snapshot(vars).flat().every(Number.isFinite)).toBe(true);
    tf.dispose([batch.inputs, ...Object.values(batch.targets), ...Object.values(batch.masks!)]);
    model.dispose();
    optimizer.dispose();
  });

  test('a task with no labelled row is left out of the step (no NaN, head untouched, 1×1 Gramian)', () => {
    const strategy = inverseNormGramian();
    const { grads, event } = impliedGrads(strategy, 'representation', { cls: clsMask.map(() => 0) });
    expect(Object.keys(event.losses)).toEqual(['reg']);
    expect(grads[2]!.every((g) => g === 0) && grads[3]!.every((g) => g === 0)).toBe(true);
    expect(strategy.calls[0]).toHaveLength(1);
    expect(grads.flat().every(Number.isFinite)).toBe(true);
    const loss = impliedGrads(fixedLossWeighting([1, 1]), 'auto', { cls: clsMask.map(() => 0) });
    expect(Object.keys(loss.event.losses)).toEqual(['reg']);
  });
});

test('no tensor is leaked over 100 steps in every mode', () => {
  const cases: [string, () => WeightingStrategy, 'auto' | 'representation' | 'parameters'][] = [
    ['loss', () => fixedLossWeighting([1, 2]), 'auto'],
    ['gramian/representation', () => inverseNormGramian(), 'representation'],
    ['gramian/parameters', () => inverseNormGramian(), 'parameters'],
    ['jacobian/representation', () => rankedSumAggregator(), 'representation'],
    ['jacobian/parameters', () => rankedSumAggregator(), 'parameters'],
  ];
  for (const [label, make, mode] of cases) {
    const backbone = denseBackbone({ inputSize: IN, units: UNITS, seed: 2, dropout: 0.3 });
    const model = new MultitaskModel({
      backbone,
      tasks: [
        classificationTask('cls', linearHead(UNITS, 2, 3)),
        regressionTask('reg', linearHead(UNITS, 1, 4)),
      ],
    });
    const optimizer = tf.train.adam(1e-3);
    const trainer = new Trainer({
      model,
      strategy: make(),
      optimizer,
      seed: 9,
      gradientMode: mode,
      diagnosticsEvery: 3,
    });
    const d = toyData(16, IN, 4);
    const batch = batchOf(d, undefined, { cls: d.cls.map((_, i) => (i % 3 ? 1 : 0)) });
    trainer.trainStep(batch); // creates optimizer slots once
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) trainer.trainStep(batch);
    expect(tf.memory().numTensors, label).toBe(before);
    tf.dispose([batch.inputs, ...Object.values(batch.targets), ...Object.values(batch.masks!)]);
    model.dispose();
    optimizer.dispose();
  }
});
