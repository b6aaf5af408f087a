import { describe, expect, test } from 'vitest';
import { crossValidate, deltaM, singleTaskBaselines } from '../src/index.ts';

describe('singleTaskBaselines', () => {
  test('trains each task alone, in order, and keeps its own metrics', async () => {
    const calls: string[][] = [];
    const baselines = await singleTaskBaselines({
      tasks: ['a', 'b'],
      train: (names) => {
        calls.push(names);
        // a fake trainer: accuracy 0.5 + 0.1 per letter code offset, reports only the tasks it trained
        return Promise.resolve(
          Object.fromEntries(names.map((n) => [n, { accuracy: 0.5 + 0.1 * (n.charCodeAt(0) - 97) }])),
        );
      },
    });
    expect(calls).toEqual([['a'], ['b']]);
    expect(baselines).toEqual({ a: { accuracy: 0.5 }, b: { accuracy: 0.6 } });
    expect(deltaM({ a: { accuracy: 0.55 }, b: { accuracy: 0.6 } }, baselines).value).toBeCloseTo(5, 10);
  });

  test('a run that does not report its task is an error', async () => {
    await expect(
      singleTaskBaselines({ tasks: ['a'], train: () => Promise.resolve({ b: { mse: 1 } }) }),
    ).rejects.toThrow(/run of task "a"/);
    await expect(singleTaskBaselines({ tasks: [], train: () => Promise.resolve({}) })).rejects.toThrow(
      /"tasks" is empty/,
    );
  });
});

describe('crossValidate', () => {
  test('mean ± sample std per metric over the given folds', async () => {
    function* folds(): Generator<{ train: number[]; validation: number[] }> {
      yield { train: [2, 3], validation: [0, 1] };
      yield { train: [0, 1], validation: [2, 3] };
      yield { train: [0, 3], validation: [1, 2] };
    }
    const seen: number[][] = [];
    // fold i reports accuracy 0.7, 0.8, 0.9 and mse 1, 1, 4
    const cv = await crossValidate({
      folds: folds(),
      run: (fold, i) => {
        seen.push([...fold.validation]);
        return Promise.resolve({ t: { accuracy: [0.7, 0.8, 0.9][i]!, mse: [1, 1, 4][i]! } });
      },
    });
    expect(seen).toEqual([
      [0, 1],
      [2, 3],
      [1, 2],
    ]);
    // accuracy: mean 0.8, sample variance ((0.1)² + 0 + (0.1)²)/2 = 0.01 → std 0.1
    expect(cv.summary.t!.accuracy!.mean).toBeCloseTo(0.8, 12);
    expect(cv.summary.t!.accuracy!.std).toBeCloseTo(0.1, 12);
    // mse: mean 2, variance (1 + 1 + 4)/2 = 3 → std √3
    expect(cv.summary.t!.mse!.mean).toBeCloseTo(2, 12);
    expect(cv.summary.t!.mse!.std).toBeCloseTo(Math.sqrt(3), 12);
    expect(cv.mean).toEqual({ t: { accuracy: cv.summary.t!.accuracy!.mean, mse: 2 } });
    expect(cv.folds).toHaveLength(3);
  });

  test('one fold has std 0; mismatched folds and no folds are errors', async () => {
    const one = await crossValidate({
      folds: [{ train: [0], validation: [1] }],
      run: () => Promise.resolve({ t: { mse: 3 } }),
    });
    expect(one.summary.t!.mse).toEqual({ mean: 3, std: 0, values: [3] });
    const two = [
      { train: [0], validation: [1] },
      { train: [1], validation: [0] },
    ];
    await expect(
      crossValidate({
        folds: two,
        run: (_f, i) => Promise.resolve(i === 0 ? { t: { mse: 1 } } : { t: { mae: 1 } }),
      }),
    ).rejects.toThrow(/fold 1 reported \{t:mae\}, fold 0 reported \{t:mse\}/);
    await expect(crossValidate({ folds: [], run: () => Promise.resolve({}) })).rejects.toThrow(/no folds/);
  });
});
