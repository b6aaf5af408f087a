import type { GradientStatsEvent } from '@multitask/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { conflictRecorder } from '../src/index.ts';

const dot = (u: number[], v: number[]): number => u.reduce((s, x, i) => s + x * v[i]!, 0);

/** The Gramian of explicit gradient vectors, as the trainer would report it. */
function gramianEvent(step: number, tasks: string[], grads: number[][]): GradientStatsEvent {
  return {
    step,
    epoch: 0,
    tasks,
    gramian: grads.map((u) => grads.map((v) => dot(u, v))),
    mode: 'parameters',
  };
}

/** Two gradients in 3-D with norms a and b at angle θ (degrees), rotated off the axes. */
function atAngle(thetaDeg: number, a: number, b: number): number[][] {
  const t = (thetaDeg * Math.PI) / 180;
  const e1 = [1 / Math.sqrt(2), 1 / Math.sqrt(2), 0];
  const e2 = [-1 / Math.sqrt(6), 1 / Math.sqrt(6), 2 / Math.sqrt(6)]; // orthonormal to e1
  return [e1.map((x) => a * x), e1.map((x, i) => b * (Math.cos(t) * x + Math.sin(t) * e2[i]!))];
}

describe('conflictRecorder', () => {
  test('recovers a known angle, conflict and norm ratio from the Gramian', () => {
    const rec = conflictRecorder();
    rec.onGradientStats(gramianEvent(0, ['seg', 'depth'], atAngle(120, 2, 0.5)));
    const s = rec.summary();
    expect(s.tasks).toEqual(['seg', 'depth']);
    expect(s.angleDegrees[0]![1]).toBeCloseTo(120, 9);
    expect(s.cosine[0]![1]).toBeCloseTo(-0.5, 12);
    expect(s.conflictRate[0]![1]).toBe(1);
    expect(s.normRatio[0]![1]).toBeCloseTo(4, 12); // √G₀₀/√G₁₁ = 2/0.5
    expect(s.normRatio[1]![0]).toBeCloseTo(0.25, 12);
    expect(s.meanNorm[0]).toBeCloseTo(2, 12);
    expect(s.events).toBe(1);
    expect(s.gradientHistory[0]!.cosine[1]![0]).toBeCloseTo(-0.5, 12);
  });

  test('property: any angle in (0°, 180°) and any norms come back', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 179.5, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        (theta, a, b) => {
          const rec = conflictRecorder();
          rec.onGradientStats(gramianEvent(0, ['x', 'y'], atAngle(theta, a, b)));
          const s = rec.summary();
          expect(s.angleDegrees[0]![1]).toBeCloseTo(theta, 5);
          expect(s.conflictRate[0]![1]).toBe(theta > 90 ? 1 : 0);
          expect(s.normRatio[0]![1]! / (a / b)).toBeCloseTo(1, 9);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('averages over events: 60° and 120° → conflict half the time, mean cosine 0', () => {
    const rec = conflictRecorder();
    rec.onGradientStats(gramianEvent(0, ['a', 'b'], atAngle(60, 1, 1)));
    rec.onGradientStats(gramianEvent(10, ['a', 'b'], atAngle(120, 1, 1)));
    const s = rec.summary();
    expect(s.conflictRate[0]![1]).toBe(0.5);
    expect(s.cosine[0]![1]).toBeCloseTo(0, 12);
    expect(s.angleDegrees[0]![1]).toBeCloseTo(90, 9);
  });

  test('pairs never seen together and zero gradients are NaN, not counted', () => {
    const rec = conflictRecorder();
    rec.onGradientStats(
      gramianEvent(
        0,
        ['a', 'b'],
        [
          [1, 0],
          [0, 1],
        ],
      ),
    );
    rec.onGradientStats(
      gramianEvent(
        1,
        ['a', 'c'],
        [
          [1, 0],
          [0, 0],
        ],
      ),
    );
    const s = rec.summary();
    expect(s.tasks).toEqual(['a', 'b', 'c']);
    expect(s.cosine[0]![1]).toBe(0);
    expect(s.cosine[1]![2]).toBeNaN(); // b and c never together
    expect(s.cosine[0]![2]).toBeNaN(); // c's gradient was zero
    expect(s.meanNorm).toEqual([1, 1, 0]);
  });

  test('records step losses and weights, thinned evenly beyond maxHistory', () => {
    const rec = conflictRecorder({ maxHistory: 4 });
    for (let step = 0; step < 10; step++) {
      rec.onStepEnd({
        step,
        epoch: 0,
        losses: { a: step, b: 2 * step },
        weights: { a: 0.5, b: 0.5 },
        totalLoss: 3 * step,
        rows: 8,
      });
    }
    const s = rec.summary();
    expect(s.steps).toBe(10);
    // 5 points exceed 4 → keep 0, 2, 4, then every 2nd new point (6, 8) → 5 > 4 again → keep 0, 4, 8
    expect(s.stepHistory.map((r) => r.step)).toEqual([0, 4, 8]);
    expect(s.stepHistory[1]!.weights).toEqual({ a: 0.5, b: 0.5 });
    rec.reset();
    expect(rec.summary().steps).toBe(0);
    expect(rec.summary().stepHistory).toEqual([]);
  });

  test('rejects a malformed Gramian and a bad option', () => {
    const rec = conflictRecorder();
    expect(() =>
      rec.onGradientStats({ step: 3, epoch: 0, tasks: ['a', 'b'], gramian: [[1]], mode: 'parameters' }),
    ).toThrow(/Gramian at step 3 is not 2×2/);
    expect(() => conflictRecorder({ maxHistory: 1 })).toThrow(/maxHistory/);
  });
});
