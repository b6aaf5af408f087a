import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { deltaM, flatDeltaM } from '../src/index.ts';

describe('Δm%', () => {
  // Fixed example. Task "digit": accuracy ↑ 0.80 → 0.84: +5 %.
  // Task "depth": mse ↓ 2.0 → 2.2: worse by 10 % → −10 ; mae ↓ 1.0 → 0.9: +10 ; r2 ↑ 0.5 → 0.6: +20.
  const baseline = { digit: { accuracy: 0.8 }, depth: { mse: 2, mae: 1, r2: 0.5 } };
  const multi = { digit: { accuracy: 0.84 }, depth: { mse: 2.2, mae: 0.9, r2: 0.6 } };

  test('library convention: mean within each task, then across tasks, positive = better', () => {
    // digit: +5 ; depth: (−10 + 10 + 20)/3 = 20/3 ; Δm = (5 + 20/3)/2 = 35/6 ≈ 5.8333
    const dm = deltaM(multi, baseline);
    expect(dm.value).toBeCloseTo(35 / 6, 10);
    expect(dm.perTask.digit).toBeCloseTo(5, 10);
    expect(dm.perTask.depth).toBeCloseTo(20 / 3, 10);
    expect(dm.perMetric.depth!.mse).toBeCloseTo(-10, 10);
  });

  test('flat convention (Nash-MTL/FAMO): mean over all 4 metrics of the degradation, negative = better', () => {
    // −(5 − 10 + 10 + 20)/4 = −6.25: the depth task's three metrics outweigh the digit task's one,
    // so the flat value is not just −Δm (which would be −5.8333).
    const flat = flatDeltaM(multi, baseline);
    expect(flat.value).toBeCloseTo(-6.25, 10);
    expect(flat.value).not.toBeCloseTo(-deltaM(multi, baseline).value, 3);
    expect(flat.perMetric.depth!.mse).toBeCloseTo(10, 10);
  });

  test('the two conventions agree up to sign when every task has one metric', () => {
    const b = { a: { accuracy: 0.8 }, b: { mse: 1 } };
    const m = { a: { accuracy: 0.9 }, b: { mse: 0.8 } };
    // a: +12.5 ; b: mse fell by 20 % → +20 ; both means 16.25
    expect(deltaM(m, b).value).toBeCloseTo(16.25, 10);
    expect(flatDeltaM(m, b).value).toBeCloseTo(-16.25, 10);
  });

  test('sign flips with the metric direction', () => {
    // the same numbers 1 → 0.8 are a 20 % gain for a lower-is-better metric and a 20 % loss for a higher-is-better one
    expect(deltaM({ t: { mse: 0.8 } }, { t: { mse: 1 } }).value).toBeCloseTo(20, 10);
    expect(deltaM({ t: { accuracy: 0.8 } }, { t: { accuracy: 1 } }).value).toBeCloseTo(-20, 10);
    expect(
      deltaM({ t: { mse: 0.8 } }, { t: { mse: 1 } }, { higherIsBetter: { mse: true } }).value,
    ).toBeCloseTo(-20, 10);
    expect(
      deltaM(
        { t: { iou: 0.6 } },
        { t: { iou: 0.5 } },
        { higherIsBetter: (m) => (m === 'iou' ? true : undefined) },
      ).value,
    ).toBeCloseTo(20, 10);
  });

  test('negative baselines use |B| so that improving stays positive', () => {
    // r2 −0.5 → −0.25 is better: (−0.25 + 0.5)/0.5 = +50 %
    expect(deltaM({ t: { r2: -0.25 } }, { t: { r2: -0.5 } }).value).toBeCloseTo(50, 10);
  });

  test('errors name the task and metric', async () => {
    expect(() => deltaM({ t: { custom: 1 } }, { t: { custom: 2 } })).toThrow(
      /Unknown direction of metric "custom" \(task "t"\)/,
    );
    expect(() => deltaM({ t: { mse: 1 } }, { u: { mse: 1 } })).toThrow(
      /task "t" is missing from the single-task baselines/,
    );
    expect(() => deltaM({ t: { mse: 1 } }, { t: { mse: 0 } })).toThrow(
      /metric "mse" of task "t" needs a finite, non-zero baseline/,
    );
    await expectMultitaskError(() => deltaM({ t: { mse: NaN } }, { t: { mse: 1 } }), 'INVALID_DATA');
  });

  test("the trainer's per-task loss is left out unless asked for", () => {
    // loss ↓ 1 → 0.5 would be +50 %; excluded by default, so only accuracy 0.8 → 0.84 (+5 %) counts
    const b = { t: { accuracy: 0.8, loss: 1 } };
    const m = { t: { accuracy: 0.84, loss: 0.5 } };
    expect(deltaM(m, b).value).toBeCloseTo(5, 10);
    expect(deltaM(m, b, { exclude: [] }).value).toBeCloseTo(27.5, 10);
    expect(() => deltaM({ t: { loss: 1 } }, { t: { loss: 2 } })).toThrow(
      /no metrics besides the excluded \["loss"\]/,
    );
  });

  test('tasks option restricts the comparison', () => {
    expect(deltaM(multi, baseline, { tasks: ['digit'] }).value).toBeCloseTo(5, 10);
  });

  test('properties: zero at the baseline, −flat with one metric per task, better value → larger Δm', () => {
    const value = fc.double({ min: 0.01, max: 100, noNaN: true });
    const names = ['accuracy', 'mse', 'mae', 'r2', 'f1'] as const;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...names), value, value), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (rows, bump) => {
          const base: Record<string, Record<string, number>> = {};
          const multi: Record<string, Record<string, number>> = {};
          rows.forEach(([metric, b, m], i) => {
            base[`t${i}`] = { [metric]: b };
            multi[`t${i}`] = { [metric]: m };
          });
          expect(deltaM(base, base).value).toBe(0);
          const dm = deltaM(multi, base).value;
          expect(flatDeltaM(multi, base).value).toBeCloseTo(-dm, 8);
          // move task 0 in its better direction: Δm must rise
          const [metric0, , m0] = rows[0]!;
          const better = metric0 === 'mse' || metric0 === 'mae' ? m0 - bump * m0 * 0.5 : m0 + bump;
          expect(deltaM({ ...multi, t0: { [metric0]: better } }, base).value).toBeGreaterThan(dm);
        },
      ),
      { numRuns: 100 },
    );
  });
});
