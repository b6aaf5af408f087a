import { describe, expect, test } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import fc from 'fast-check';
import { Rng } from '../src/index.ts';
import {
  INITIALIZERS,
  checkCommonOptions,
  checkInitializer,
  checkWidths,
  glorotUniform,
  makeDense,
  type Initializer,
} from '../src/parts.ts';

/** The bound each initializer must respect, and the variance U(−l, l) has (l²/3). */
const limits: Record<Initializer, (fanIn: number, fanOut: number) => { kernel: number; bias: number }> = {
  'glorot-uniform': (i, o) => ({ kernel: Math.sqrt(6 / (i + o)), bias: 0 }),
  'he-uniform': (i) => ({ kernel: Math.sqrt(6 / i), bias: 0 }),
  'lecun-uniform': (i) => ({ kernel: Math.sqrt(3 / i), bias: 0 }),
  pytorch: (i) => ({ kernel: 1 / Math.sqrt(i), bias: 1 / Math.sqrt(i) }),
};

describe('makeDense initializers', () => {
  test('glorot-uniform (the default) draws exactly what glorotUniform draws, with a zero bias', () => {
    const a = makeDense(new Rng(7), 5, 3);
    const expected = glorotUniform(new Rng(7), 15, 5, 3);
    expect(Array.from(a.kernel.dataSync())).toEqual(Array.from(expected));
    expect(Array.from(a.bias.dataSync())).toEqual([0, 0, 0]);
    a.kernel.dispose();
    a.bias.dispose();
  });

  test.each(INITIALIZERS)('%s stays in its bound and has the variance of U(−l, l)', (init) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 200 }),
        fc.integer({ min: 20, max: 200 }),
        fc.integer({ min: 1, max: 1e6 }),
        (fanIn, fanOut, seed) => {
          const d = makeDense(new Rng(seed), fanIn, fanOut, init);
          const k = Array.from(d.kernel.dataSync());
          const b = Array.from(d.bias.dataSync());
          const { kernel, bias } = limits[init](fanIn, fanOut);
          expect(d.kernel.shape).toEqual([fanIn, fanOut]);
          expect(d.bias.shape).toEqual([fanOut]);
          expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(kernel);
          // n ≥ 400 draws: the sample variance is within 25 % of l²/3 with overwhelming probability.
          const variance = k.reduce((s, v) => s + v * v, 0) / k.length;
          expect(variance / ((kernel * kernel) / 3)).toBeGreaterThan(0.75);
          expect(variance / ((kernel * kernel) / 3)).toBeLessThan(1.25);
          if (bias === 0) expect(b.every((v) => v === 0)).toBe(true);
          else {
            expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(bias);
            expect(b.some((v) => v !== 0)).toBe(true);
          }
          d.kernel.dispose();
          d.bias.dispose();
        },
      ),
      { numRuns: 10 },
    );
  });

  test('an unknown initializer is an INVALID_OPTION error naming the part and option', async () => {
    expect(checkInitializer('backbones', 'mlp backbone', 'initializer', 'lecun-uniform')).toBe(
      'lecun-uniform',
    );
    await expectMultitaskError(
      () => checkInitializer('backbones', 'mlp backbone', 'initializer', 'xavier'),
      'INVALID_OPTION',
      /mlp backbone: option "initializer" must be one of glorot-uniform, he-uniform, lecun-uniform, pytorch, got "xavier"/,
    );
  });
});

describe('option checks shared by the parts', () => {
  test('checkWidths names the option and the bad entry; checkCommonOptions fills the defaults', () => {
    expect(checkWidths('backbones', 'mlp backbone', 'units', [4, 2])).toEqual([4, 2]);
    expect(checkWidths('backbones', 'mlp backbone', 'units', [])).toEqual([]);
    expect(() => checkWidths('backbones', 'mlp backbone', 'units', undefined)).toThrow(
      /mlp backbone: option "units" must be an array of positive integers \(layer widths\), got undefined/,
    );
    expect(() => checkWidths('backbones', 'cross-stitch backbone', 'units', [], 1)).toThrow(
      /option "units" must list at least 1 positive integer/,
    );
    expect(() => checkWidths('heads', 'head of task "a"', 'hidden', [3, 0])).toThrow(
      /head of task "a": option "hidden\[1\]" must be a positive integer, got 0/,
    );
    expect(checkCommonOptions('heads', 'h', {})).toEqual({
      activation: 'relu',
      dropout: 0,
      initializer: 'glorot-uniform',
      seed: 1,
    });
    expect(() => checkCommonOptions('heads', 'h', { dropout: 1 })).toThrow(
      /h: option "dropout" must be a number in \[0, 1\)/,
    );
  });
});
