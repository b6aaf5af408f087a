import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { MultitaskModel, Rng } from '@multitask/core';
import { type Initializer } from '@multitask/core/parts';
import { cgcBackbone, crossStitchBackbone, mmoeBackbone } from '../src/index.ts';
import { mseTask, trainModel } from './helpers.ts';

const reps = (r: unknown) => r as Record<string, tf.Tensor>;

describe('mmoe, cgc and cross-stitch backbones', () => {
  it.each([
    {
      kind: 'mmoe',
      make: () => mmoeBackbone({ inputSize: 5, tasks: ['a', 'b', 'c'], numExperts: 3, expertUnits: [7, 4] }),
      shared: [2, 3, 4],
    },
    {
      kind: 'cgc',
      make: () =>
        cgcBackbone({
          inputSize: 5,
          tasks: ['a', 'b'],
          numSharedExperts: 1,
          numTaskExperts: 2,
          expertUnits: [6],
        }),
      shared: [2, 5, 6],
    },
    {
      kind: 'cross-stitch',
      make: () => crossStitchBackbone({ inputSize: 5, tasks: ['a', 'b'], units: [8, 3] }),
      shared: undefined,
    },
  ])(
    '$kind returns one [batch, units] tensor per task and applyShared agrees with apply',
    ({ make, shared }) => {
      const b = make();
      const x = tf.randomNormal([2, 5], 0, 1, 'float32', 3);
      const out = reps(b.apply(x, { training: false }));
      expect(Object.keys(out)).toEqual((b as unknown as { tasks: string[] }).tasks);
      for (const t of Object.values(out)) expect(t.shape).toEqual([2, b.outputSize]);
      if (shared === undefined) {
        expect('applyShared' in b).toBe(false);
      } else {
        const viaShared = tf.tidy(() => {
          const s = b.applyShared!(x, { training: false });
          expect(s.shared.shape).toEqual(shared);
          return Object.keys(out).map((t) => s.forTask(s.shared, t));
        });
        Object.values(out).forEach((t, i) =>
          expect(Array.from(viaShared[i]!.dataSync())).toEqual(Array.from(t.dataSync())),
        );
        tf.dispose(viaShared);
      }
      tf.dispose([x, out]);
      b.dispose();
    },
  );

  it.each([
    {
      kind: 'mmoe',
      make: (extra: { initializer?: Initializer }) =>
        mmoeBackbone({ inputSize: 9, tasks: ['a', 'b'], numExperts: 3, expertUnits: [4], ...extra }),
    },
    {
      kind: 'cgc',
      make: (extra: { initializer?: Initializer }) =>
        cgcBackbone({ inputSize: 9, tasks: ['a', 'b'], expertUnits: [4], ...extra }),
    },
  ])(
    '$kind: initializer applies to experts and gates (pytorch: U(±1/3) kernels and biases at fan-in 9)',
    ({ make }) => {
      const dflt = make({});
      const torch = make({ initializer: 'pytorch' });
      expect(dflt.getConfig().options).toMatchObject({ initializer: 'glorot-uniform' });
      expect(torch.getConfig().options).toMatchObject({ initializer: 'pytorch' });
      // Variables alternate kernel, bias (experts, then gates); every one drawn from fan-in 9 ⇒ |w| ≤ 1/3.
      const values = torch.trainableVariables.map((v) => Array.from(v.dataSync()));
      for (const v of values) expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(1 / 3);
      values.filter((_, i) => i % 2 === 1).forEach((bias) => expect(bias.some((v) => v !== 0)).toBe(true));
      dflt.trainableVariables
        .filter((_, i) => i % 2 === 1)
        .forEach((b) => expect(Array.from(b.dataSync()).every((v) => v === 0)).toBe(true));
      [dflt, torch].forEach((b) => b.dispose());
    },
  );

  it('mmoe mixes experts convexly: each task value lies between the experts’ min and max', () => {
    const b = mmoeBackbone({ inputSize: 4, tasks: ['a', 'b'], numExperts: 3, expertUnits: [5], seed: 2 });
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 4);
    const [experts, a, bb] = tf.tidy(() => {
      const s = b.applyShared(x, { training: false });
      return [
        s.shared.arraySync() as number[][][],
        s.forTask(s.shared, 'a').arraySync() as number[][],
        s.forTask(s.shared, 'b').arraySync() as number[][],
      ];
    });
    for (const z of [a, bb]) {
      z.forEach((row, i) =>
        row.forEach((v, j) => {
          const col = experts[i]!.map((e) => e[j]!);
          expect(v).toBeGreaterThanOrEqual(Math.min(...col) - 1e-6);
          expect(v).toBeLessThanOrEqual(Math.max(...col) + 1e-6);
        }),
      );
    }
    // The two gates differ, so the tasks see different mixtures.
    expect(a).not.toEqual(bb);
    x.dispose();
    b.dispose();
  });

  it('cgc: a task’s loss has zero gradient on the other task’s own experts', () => {
    const b = cgcBackbone({
      inputSize: 3,
      tasks: ['a', 'b'],
      numSharedExperts: 1,
      numTaskExperts: 1,
      expertUnits: [4],
    });
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 5);
    const grads = tf.tidy(() => {
      const s = b.applyShared(x, { training: false });
      // stacked experts: [shared, a's own, b's own]
      return tf
        .grad((sh: tf.Tensor) => tf.sum(b.applyShared(x, { training: false }).forTask(sh, 'a')))(s.shared)
        .arraySync() as number[][][];
    });
    for (const row of grads) {
      expect(row[0]!.some((v) => v !== 0)).toBe(true);
      expect(row[1]!.some((v) => v !== 0)).toBe(true);
      expect(row[2]!.every((v) => v === 0)).toBe(true);
    }
    expect(b.taskVariables.a).toHaveLength(4); // own expert kernel+bias, gate kernel+bias
    x.dispose();
    b.dispose();
  });

  it('cross-stitch units start as rows summing to 1 with selfWeight on the diagonal', () => {
    const b = crossStitchBackbone({ inputSize: 2, tasks: ['a', 'b', 'c'], units: [4, 4], selfWeight: 0.8 });
    expect(b.stitches).toHaveLength(2);
    expect(b.stitches[0]!.arraySync()).toEqual([
      [0.8, 0.1, 0.1].map(Math.fround),
      [0.1, 0.8, 0.1].map(Math.fround),
      [0.1, 0.1, 0.8].map(Math.fround),
    ]);
    b.dispose();
  });

  it('reject unknown tasks and bad task lists by name', async () => {
    const b = mmoeBackbone({ inputSize: 2, tasks: ['a'] });
    const x = tf.ones([1, 2]);
    await expectMultitaskError(
      () =>
        tf.tidy(() => {
          const s = b.applyShared(x, { training: false });
          s.forTask(s.shared, 'zzz');
        }),
      'UNKNOWN_NAME',
      /"zzz"/,
    );
    expect(() => cgcBackbone({ inputSize: 2, tasks: ['a', 'a'] })).toThrow(/task "a" is listed twice/);
    expect(() => crossStitchBackbone({ inputSize: 2, tasks: [], units: [2] })).toThrow(/"tasks"/);
    x.dispose();
    b.dispose();
  });

  it.each(['mmoe', 'cgc', 'cross-stitch'] as const)(
    '%s fits two related regression tasks to test MSE < 0.05 in 100 steps',
    (kind) => {
      // y_a = sin(x·u), y_b = sin(x·u) + 0.5·x₀ on 4-D Gaussian inputs; targets have variance ≈ 0.4–0.6.
      const rng = new Rng(11);
      const u = [0.8, -0.5, 0.3, 0.6];
      const make = (n: number) => {
        const xs = Array.from({ length: n }, () => u.map(() => rng.normal()));
        const s = xs.map((r) => Math.sin(r.reduce((acc, v, i) => acc + v * u[i]!, 0)));
        return {
          x: tf.tensor2d(xs),
          a: tf.tensor2d(s, [n, 1]),
          b: tf.tensor2d(
            s.map((v, i) => v + 0.5 * xs[i]![0]!),
            [n, 1],
          ),
        };
      };
      const train = make(128);
      const test = make(256);
      const tasks = ['a', 'b'];
      const backbone =
        kind === 'mmoe'
          ? mmoeBackbone({ inputSize: 4, tasks, numExperts: 3, expertUnits: [16] })
          : kind === 'cgc'
            ? cgcBackbone({ inputSize: 4, tasks, expertUnits: [16] })
            : crossStitchBackbone({ inputSize: 4, tasks, units: [16] });
      const model = new MultitaskModel({ backbone, tasks: [mseTask('a', 16), mseTask('b', 16, 1, 2)] });
      const opt = tf.train.adam(0.03);
      trainModel(model, train.x, { a: train.a, b: train.b }, 100, opt);
      const out = model.predict(test.x);
      const mse = (p: tf.Tensor, y: tf.Tensor) =>
        tf.tidy(() => tf.mean(tf.square(tf.sub(p, y))).dataSync()[0]!);
      expect(mse(out.a!, test.a)).toBeLessThan(0.05);
      expect(mse(out.b!, test.b)).toBeLessThan(0.05);
      tf.dispose([train.x, train.a, train.b, test.x, test.a, test.b, out]);
      opt.dispose();
      model.dispose();
    },
  );
});
