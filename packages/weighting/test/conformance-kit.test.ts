/**
 * The conformance kit catches broken strategies (each check must be able to fail) and passes correct ones.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng, type GramianWeighting, type JacobianAggregator, type LossWeighting } from '@multitask/core';
import { mgdaWeighting } from '../src/index.ts';
import {
  assertConformance,
  checkConformance,
  gramianFromRows,
  randomJacobian,
  randomLosses,
} from '../src/testing/index.ts';

const gramian = (
  name: string,
  weights: GramianWeighting['weights'],
  extra: Partial<GramianWeighting> = {},
): GramianWeighting => ({
  name,
  family: 'gramian',
  modes: ['representation'],
  weights,
  getConfig: () => ({}),
  state: () => null,
  load: () => undefined,
  dispose: () => undefined,
  ...extra,
});
const equal: GramianWeighting['weights'] = (g) => g.map(() => 1);
const failed = (r: ReturnType<typeof checkConformance>): string[] =>
  r.checks.filter((c) => c.status === 'failed').map((c) => c.check);

describe('conformance kit', () => {
  it('passes a correct strategy and reports every check', () => {
    const r = assertConformance({
      create: () => gramian('equal', equal),
      properties: ['scale-invariant', 'homogeneous'],
    });
    expect(r.passed).toBe(true);
    expect(r.checks.map((c) => c.check)).toEqual([
      'interface',
      'shape-finite',
      'permutation',
      'scale-invariant',
      'homogeneous',
      'direction-invariant',
      'non-conflicting',
      'no-leak',
      'state-round-trip',
      'deterministic',
    ]);
  });

  it('catches a position-dependent strategy (permutation)', () => {
    const r = checkConformance({
      create: () => gramian('first-only', (g) => g.map((_, i) => (i === 0 ? 1 : 0))),
      properties: [],
    });
    expect(failed(r)).toEqual(['permutation']);
    expect(() =>
      assertConformance({
        create: () => gramian('first-only', (g) => g.map((_, i) => (i === 0 ? 1 : 0))),
        properties: [],
      }),
    ).toThrow(/first-only.*permutation/s);
  });

  it('catches false claims: non-conflicting, scale-invariant, direction-invariant', () => {
    const r = checkConformance({
      create: () => gramian('equal', equal),
      properties: ['non-conflicting', 'direction-invariant'],
    });
    expect(failed(r)).toEqual(['direction-invariant', 'non-conflicting']);
    // weights 1/‖gᵢ‖ change with the scale
    const inv = checkConformance({
      create: () => gramian('inverse-norm', (g) => g.map((row, i) => 1 / Math.sqrt(row[i]! + 1e-300))),
      properties: ['scale-invariant'],
      scales: [1],
    });
    expect(failed(inv)).toEqual(['scale-invariant']);
  });

  it('catches NaN / wrong length outputs', () => {
    const r = checkConformance({
      create: () => gramian('nan', (g) => g.map((row, i) => row[i]! / row[i]!)),
      properties: [],
    });
    expect(failed(r)).toContain('shape-finite');
    const short = checkConformance({
      create: () => gramian('short', (g) => g.slice(1).map(() => 1)),
      properties: [],
    });
    expect(failed(short)).toContain('shape-finite');
  });

  it('catches tensor leaks in a Jacobian aggregator', () => {
    const kept: tf.Tensor[] = [];
    const leaky = (): JacobianAggregator => ({
      name: 'leaky',
      family: 'jacobian',
      modes: ['representation'],
      aggregate: (j) => {
        kept.push(tf.keep(tf.zeros([1])));
        return tf.sum(j, 0);
      },
      getConfig: () => ({}),
      state: () => null,
      load: () => undefined,
      dispose: () => undefined,
    });
    const r = checkConformance({ create: leaky, properties: ['homogeneous'], taskCounts: [2], scales: [1] });
    tf.dispose(kept);
    expect(failed(r)).toEqual(['no-leak']);
  });

  it('catches a state that does not round-trip and a non-deterministic strategy', () => {
    let global = 0;
    const forgetful = (): GramianWeighting => {
      let calls = 0;
      return gramian(
        'forgetful',
        (g) => {
          const v = ++calls;
          return g.map(() => v);
        },
        { state: () => ({ calls: 0 }), load: () => undefined },
      );
    };
    expect(failed(checkConformance({ create: forgetful, properties: [] }))).toEqual(['state-round-trip']);
    const drifting = (): GramianWeighting =>
      gramian('drifting', (g) => {
        const v = 1 + (global++ % 3); // hidden state shared by all instances
        return g.map(() => v);
      });
    expect(failed(checkConformance({ create: drifting, properties: [] }))).toContain('deterministic');
  });

  it('checks a loss weighting: homogeneous total, and the interface rejects properties of other families', () => {
    const make = (): LossWeighting => ({
      name: 'sum-plus-one',
      family: 'loss',
      combine: (losses) => tf.tidy(() => tf.add(tf.addN(losses as tf.Scalar[]), 1)),
      getConfig: () => ({}),
      state: () => null,
      load: () => undefined,
      dispose: () => undefined,
    });
    expect(failed(checkConformance({ create: make, properties: ['homogeneous'] }))).toEqual(['homogeneous']);
    expect(failed(checkConformance({ create: make, properties: ['non-conflicting'] }))).toEqual([
      'interface',
    ]);
  });

  it('randomized strategies: a position-biased random strategy fails the averaged permutation check', () => {
    const biased = gramian('biased', (g, c) => g.map((_, i) => (i === 0 ? 2 : 1) * c.rng.next()));
    const fair = gramian('fair', (g, c) => g.map(() => c.rng.next()));
    expect(failed(checkConformance({ create: () => biased, properties: ['randomized'] }))).toEqual([
      'permutation',
    ]);
    expect(
      failed(checkConformance({ create: () => fair, properties: ['randomized', 'scale-invariant'] })),
    ).toEqual([]);
  });

  it('a false `randomized` claim fails: the output must depend on context.rng', () => {
    const r = checkConformance({ create: () => gramian('equal', equal), properties: ['randomized'] });
    expect(failed(r)).toEqual(['permutation']);
    expect(r.checks.find((c) => c.check === 'permutation')?.message).toMatch(
      /declared randomized.*identical/,
    );
  });

  it('real strategies pass with a report', () => {
    expect(
      checkConformance({ create: () => mgdaWeighting(), properties: ['homogeneous', 'non-conflicting'] })
        .passed,
    ).toBe(true);
  });
});

describe('random problems', () => {
  it('randomJacobian has the requested rank and scale, and is reproducible', () => {
    const j = randomJacobian(new Rng(9), { tasks: 5, dim: 8, rank: 2, scale: 1e15 });
    expect(j).toEqual(randomJacobian(new Rng(9), { tasks: 5, dim: 8, rank: 2, scale: 1e15 }));
    expect(j).toHaveLength(5);
    // rank 2: every 3×3 minor of the Gramian vanishes (relative to its scale)
    const g = gramianFromRows(j);
    const det3 = (a: number[][]): number =>
      a[0]![0]! * (a[1]![1]! * a[2]![2]! - a[1]![2]! * a[2]![1]!) -
      a[0]![1]! * (a[1]![0]! * a[2]![2]! - a[1]![2]! * a[2]![0]!) +
      a[0]![2]! * (a[1]![0]! * a[2]![1]! - a[1]![1]! * a[2]![0]!);
    const sub = [0, 1, 2].map((i) => [0, 1, 2].map((k) => g[i]![k]!));
    expect(Math.abs(det3(sub)) / g[0]![0]! ** 3).toBeLessThan(1e-10);
    const norm = Math.sqrt(g[0]![0]!);
    expect(norm).toBeGreaterThan(1e14);
    expect(norm).toBeLessThan(1e17);
    expect(randomJacobian(new Rng(1), { tasks: 2, dim: 3, scale: 0 })).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(() => randomJacobian(new Rng(1), { tasks: 2, dim: 3, rank: 3 })).toThrow(/rank/);
    expect(randomLosses(new Rng(2), 4, 10).every((l) => l >= 1)).toBe(true);
  });
});
