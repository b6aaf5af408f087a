/**
 * Property: every metric's result over one big batch equals its result over the same rows fed in random batch
 * splits (streaming), with random masks.
 */
import type { Metric, MetricFactory } from '@multitask/core';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  accuracy,
  f1,
  logLoss,
  mae,
  mse,
  precision,
  r2,
  recall,
  rmse,
  rocAuc,
  topKAccuracy,
} from '../src/index.ts';

interface Rows {
  readonly pred: number[][];
  readonly target: number[][];
  readonly mask: number[];
  readonly cuts: number[];
}

const finite = fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true });

/** Rows of `width` scores with an integer label in [0, classes) (or a `targetWidth` real target). */
function rowsArb(width: number, target: fc.Arbitrary<number[]>): fc.Arbitrary<Rows> {
  return fc
    .array(
      fc.record({
        p: fc.array(finite, { minLength: width, maxLength: width }),
        t: target,
        m: fc.constantFrom(0, 1, 1),
      }),
      {
        minLength: 1,
        maxLength: 40,
      },
    )
    .chain((rows) =>
      fc.record({
        pred: fc.constant(rows.map((r) => r.p)),
        target: fc.constant(rows.map((r) => r.t)),
        mask: fc.constant(rows.map((r) => r.m)),
        cuts: fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, rows.length - 1) }), { maxLength: 5 }),
      }),
    );
}

function feed(m: Metric, r: Rows, from: number, to: number, targetRank1: boolean): void {
  if (to <= from) return;
  const p = tf.tensor2d(r.pred.slice(from, to));
  const t = targetRank1
    ? tf.tensor1d(
        r.target.slice(from, to).map((x) => x[0]!),
        'int32',
      )
    : tf.tensor2d(r.target.slice(from, to));
  const k = tf.tensor1d(r.mask.slice(from, to));
  try {
    m.update(p, t, k);
  } finally {
    tf.dispose([p, t, k]);
  }
}

function streamingMatches(factory: MetricFactory, r: Rows, labels: boolean): void {
  const whole = factory();
  feed(whole, r, 0, r.pred.length, labels);
  const split = factory();
  const bounds = [0, ...[...r.cuts].filter((c) => c < r.pred.length).sort((a, b) => a - b), r.pred.length];
  for (let i = 0; i + 1 < bounds.length; i++) feed(split, r, bounds[i]!, bounds[i + 1]!, labels);
  const a = whole.result();
  const b = split.result();
  if (Number.isNaN(a)) expect(b).toBeNaN();
  else expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
}

const label = (classes: number): fc.Arbitrary<number[]> =>
  fc.integer({ min: 0, max: classes - 1 }).map((x) => [x]);
const real = (d: number): fc.Arbitrary<number[]> => fc.array(finite, { minLength: d, maxLength: d });

describe('streaming equals one batch over random splits', () => {
  const classification: [string, MetricFactory, number][] = [
    ['accuracy (4 classes)', () => accuracy(), 4],
    ['accuracy (binary)', () => accuracy(), 1],
    ['top-2-accuracy', () => topKAccuracy({ k: 2 }), 4],
    ['precision macro', () => precision(), 3],
    ['recall micro', () => recall({ average: 'micro' }), 3],
    ['f1 macro', () => f1(), 4],
    ['f1 binary', () => f1(), 1],
    ['roc-auc binary', () => rocAuc(), 1],
    ['roc-auc 3 classes', () => rocAuc(), 3],
    ['log-loss binary', () => logLoss(), 1],
    ['log-loss 3 classes', () => logLoss(), 3],
  ];
  test.each(classification)('%s', (_name, factory, width) => {
    fc.assert(
      fc.property(rowsArb(width, label(Math.max(2, width))), (r) => streamingMatches(factory, r, true)),
      { numRuns: 60 },
    );
  });

  const regression: [string, MetricFactory, number][] = [
    ['mse', () => mse(), 2],
    ['rmse', () => rmse(), 1],
    ['mae', () => mae(), 3],
    ['r2', () => r2(), 2],
  ];
  test.each(regression)('%s', (_name, factory, width) => {
    fc.assert(
      fc.property(rowsArb(width, real(width)), (r) => streamingMatches(factory, r, false)),
      { numRuns: 60 },
    );
  });
});
