import * as tf from '@tensorflow/tfjs-core';
import { isMultitaskError, Rng, type StepContext } from '@multitask/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinWeightings, dynamicWeightAverage } from '../src/index.ts';

const ctx = (tasks: string[], epoch = 0): StepContext => ({ step: 0, epoch, tasks, rng: new Rng(1) });

function total(strategy: ReturnType<typeof dynamicWeightAverage>, values: number[], tasks: string[]): number {
  return tf.tidy(
    () =>
      strategy
        .combine(
          values.map((v) => tf.scalar(v)),
          ctx(tasks),
        )
        .dataSync()[0]!,
  );
}

function errorOf(f: () => unknown): [string, unknown] {
  try {
    f();
  } catch (e) {
    return isMultitaskError(e) ? [e.code, e.details.option] : ['not a MultitaskError', undefined];
  }
  return ['no error', undefined];
}

describe('dynamicWeightAverage (DWA)', () => {
  it('uses weight 1 for every task during the first two epochs', () => {
    const s = dynamicWeightAverage();
    expect(s.currentWeights!(['a', 'b'])).toEqual([1, 1]);
    expect(total(s, [2, 5], ['a', 'b'])).toBeCloseTo(7, 6);
    s.afterEpoch!(0, { a: 1, b: 2 });
    expect(s.currentWeights!(['a', 'b'])).toEqual([1, 1]);
  });

  it('weights by K·softmax(r/T) of the last two epochs’ loss ratios (golden values, T = 2)', () => {
    // Epoch 0 means (a, b) = (1, 2), epoch 1 means (0.5, 2): r = (0.5/1, 2/2) = (0.5, 1).
    // w = 2·(e^{0.25}, e^{0.5}) / (e^{0.25} + e^{0.5}) = 2·(1.2840254, 1.6487213)/2.9327467 = (0.8756470, 1.1243530).
    const s = dynamicWeightAverage();
    s.afterEpoch!(0, { a: 1, b: 2 });
    s.afterEpoch!(1, { a: 0.5, b: 2 });
    const w = s.currentWeights!(['a', 'b']);
    expect(w[0]).toBeCloseTo(0.875647, 6);
    expect(w[1]).toBeCloseTo(1.124353, 6);
    // combine = Σ wₖLₖ: with L = (4, 2): 4·0.8756470 + 2·1.1243530 = 5.7512940
    expect(total(s, [4, 2], ['a', 'b'])).toBeCloseTo(5.751294, 4);
    // Three tasks, ratios (0.5, 1, 2): 3·(e^{0.25}, e^{0.5}, e^{1})/(1.2840254 + 1.6487213 + 2.7182818)
    //   = 3·(1.2840254, 1.6487213, 2.7182818)/5.6510285 = (0.6816593, 0.8752679, 1.4430728).
    const t = dynamicWeightAverage({ temperature: 2 });
    t.afterEpoch!(4, { a: 2, b: 3, c: 1 });
    t.afterEpoch!(5, { a: 1, b: 3, c: 2 });
    const w3 = t.currentWeights!(['a', 'b', 'c']);
    [0.6816593, 0.8752679, 1.4430728].forEach((v, i) => expect(w3[i]).toBeCloseTo(v, 6));
  });

  it('keeps only the last two epochs', () => {
    // Epochs: (1, 1) → (1, 1) → (2, 1): uses epochs 1 and 2, r = (2, 1), T = 1:
    //   w = 2·(e², e¹)/(e² + e) = 2·(7.3890561, 2.7182818)/10.1073379 = (1.4621172, 0.5378828).
    const s = dynamicWeightAverage({ temperature: 1 });
    s.afterEpoch!(0, { a: 1, b: 1 });
    s.afterEpoch!(1, { a: 1, b: 1 });
    s.afterEpoch!(2, { a: 2, b: 1 });
    const w = s.currentWeights!(['a', 'b']);
    expect(w[0]).toBeCloseTo(1.4621172, 6);
    expect(w[1]).toBeCloseTo(0.5378828, 6);
    expect(s.state()).toEqual({
      history: [
        { a: 1, b: 1 },
        { a: 2, b: 1 },
      ],
    });
  });

  it('gives non-negative weights summing to K, larger for the task whose loss fell least (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: 0.01, max: 100, noNaN: true }),
            fc.double({ min: 0.01, max: 100, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (pairs, temperature) => {
          const tasks = pairs.map((_, i) => `t${i}`);
          const s = dynamicWeightAverage({ temperature });
          s.afterEpoch!(0, Object.fromEntries(pairs.map(([a], i) => [`t${i}`, a])));
          s.afterEpoch!(1, Object.fromEntries(pairs.map(([, b], i) => [`t${i}`, b])));
          const w = s.currentWeights!(tasks);
          // ≥ 0 rather than > 0: exp((rᵢ − r_max)/T) underflows to 0 for extreme ratios (r = 75, T = 0.1).
          expect(w.every((x) => x >= 0 && Number.isFinite(x))).toBe(true);
          expect(Math.abs(w.reduce((a, b) => a + b, 0) - tasks.length)).toBeLessThan(1e-9);
          const r = pairs.map(([a, b]) => b / a);
          for (let i = 0; i < r.length; i++) {
            for (let j = 0; j < r.length; j++) if (r[i]! > r[j]!) expect(w[i]).toBeGreaterThanOrEqual(w[j]!);
          }
        },
      ),
    );
  });

  it('uses equal weights while a task lacks two epochs of history, and r = 1 for a zero past loss', () => {
    const s = dynamicWeightAverage();
    s.afterEpoch!(0, { a: 1 });
    s.afterEpoch!(1, { a: 2, b: 1 });
    expect(s.currentWeights!(['a', 'b'])).toEqual([1, 1]);
    const z = dynamicWeightAverage();
    z.afterEpoch!(0, { a: 0, b: 1 });
    z.afterEpoch!(1, { a: 0, b: 1 });
    expect(z.currentWeights!(['a', 'b'])).toEqual([expect.closeTo(1, 12), expect.closeTo(1, 12)]);
  });

  it('round-trips its state, and rejects bad options, losses and states', () => {
    const s = dynamicWeightAverage({ temperature: 3 });
    s.afterEpoch!(0, { a: 1, b: 2 });
    s.afterEpoch!(1, { a: 0.5, b: 2 });
    const t = dynamicWeightAverage({ temperature: 3 });
    t.load(JSON.parse(JSON.stringify(s.state())));
    expect(t.currentWeights!(['a', 'b'])).toEqual(s.currentWeights!(['a', 'b']));
    expect(s.getConfig()).toEqual({ temperature: 3 });
    expect(builtinWeightings.dwa).toBe(dynamicWeightAverage);
    expect(errorOf(() => dynamicWeightAverage({ temperature: 0 }))).toEqual([
      'INVALID_OPTION',
      'temperature',
    ]);
    expect(errorOf(() => dynamicWeightAverage({ temperature: Number.POSITIVE_INFINITY }))).toEqual([
      'INVALID_OPTION',
      'temperature',
    ]);
    expect(errorOf(() => s.afterEpoch!(2, { a: Number.NaN }))[0]).toBe('NON_FINITE_LOSS');
    expect(errorOf(() => s.load({ history: [{}, {}, {}] }))[0]).toBe('CHECKPOINT_ERROR');
    expect(errorOf(() => s.load({ history: [{ a: 'x' }] }))[0]).toBe('CHECKPOINT_ERROR');
  });
});
