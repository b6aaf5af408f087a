import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectMultitaskError } from '@multitask/test-utils';
import { MultitaskModel, seedStream } from '@multitask/core';
import { mlpBackbone } from '../src/index.ts';
import { accuracy, ceTask, infer, rings, trainModel } from './helpers.ts';

describe('mlpBackbone', () => {
  it.each([
    { inputSize: 4, units: [8] },
    { inputSize: 10, units: [16, 16, 3] },
    { inputSize: 6, units: [] as number[] },
  ])('produces [batch, last unit] for %o', (o) => {
    const b = mlpBackbone(o);
    const x = tf.ones([3, o.inputSize]);
    const z = b.apply(x, { training: false }) as tf.Tensor;
    const size = o.units.at(-1) ?? o.inputSize;
    expect(z.shape).toEqual([3, size]);
    expect(b.outputSize).toBe(size);
    expect(b.trainableVariables).toHaveLength(2 * o.units.length);
    tf.dispose([x, z]);
    b.dispose();
  });

  it('flattens [batch, 2, 3] inputs and rejects a wrong feature count naming the part', async () => {
    const b = mlpBackbone({ inputSize: 6, units: [4] });
    const ok = tf.ones([2, 2, 3]);
    const bad = tf.ones([2, 5]);
    const z = b.apply(ok, { training: false }) as tf.Tensor;
    expect(z.shape).toEqual([2, 4]);
    await expectMultitaskError(
      () => b.apply(bad, { training: false }),
      'SHAPE_MISMATCH',
      /mlp backbone expects inputs of shape \[batch, 6\], got \[2, 5\]/,
    );
    tf.dispose([ok, bad, z]);
    b.dispose();
  });

  it('validates options', () => {
    expect(() => mlpBackbone({ inputSize: 0, units: [] })).toThrow(/inputSize/);
    expect(() => mlpBackbone({ inputSize: 2, units: [3, 1.5] })).toThrow(/units\[1\]/);
    expect(() => mlpBackbone({ inputSize: 2, units: [3], dropout: 1 })).toThrow(/dropout/);
    expect(() => mlpBackbone({ inputSize: 2, units: [3], activation: 'swish' as never })).toThrow(
      /activation/,
    );
  });

  it('is reproducible per seed and rebuilds identically from getConfig()', () => {
    const a = mlpBackbone({ inputSize: 3, units: [5, 2], activation: 'tanh', seed: 5 });
    const cfg = a.getConfig();
    expect(cfg).toEqual({
      type: 'mlp',
      options: {
        inputSize: 3,
        units: [5, 2],
        activation: 'tanh',
        dropout: 0,
        initializer: 'glorot-uniform',
        seed: 5,
      },
    });
    const b = mlpBackbone(cfg.options as never);
    const c = mlpBackbone({ ...(cfg.options as never as object), seed: 6 } as never);
    const x = tf.tensor2d([[0.3, -1, 2]]);
    expect(infer(b, x)).toEqual(infer(a, x));
    expect(infer(c, x)).not.toEqual(infer(a, x));
    x.dispose();
    [a, b, c].forEach((m) => m.dispose());
  });

  it('takes an initializer: pytorch draws kernel and bias from U(±1/√fanIn); the config rebuilds it', () => {
    const a = mlpBackbone({ inputSize: 16, units: [8], initializer: 'pytorch', seed: 3 });
    const [kernel, bias] = a.trainableVariables.map((v) => Array.from(v.dataSync()));
    expect(Math.max(...kernel!.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(bias!.some((v) => v !== 0)).toBe(true);
    expect(Math.max(...bias!.map(Math.abs))).toBeLessThanOrEqual(0.25);
    const b = mlpBackbone(a.getConfig().options as never);
    expect(Array.from(b.trainableVariables[1]!.dataSync())).toEqual(bias);
    expect(() => mlpBackbone({ inputSize: 2, units: [3], initializer: 'xavier' as never })).toThrow(
      /mlp backbone: option "initializer"/,
    );
    [a, b].forEach((m) => m.dispose());
  });

  it('draws one dropout mask per call from the seed stream; none at inference', () => {
    const b = mlpBackbone({ inputSize: 8, units: [64, 64], dropout: 0.5 });
    const x = tf.ones([2, 8]);
    const run = (ctx: Parameters<typeof b.apply>[1]) =>
      tf.tidy(() => Array.from((b.apply(x, ctx) as tf.Tensor).dataSync()));
    const s1 = run({ training: true, seeds: seedStream(1) });
    const s1b = run({ training: true, seeds: seedStream(1) });
    const s2 = run({ training: true, seeds: seedStream(2) });
    const i1 = run({ training: false });
    // Replaying one seed stream gives the same masks; another stream gives other masks.
    expect(s1b).toEqual(s1);
    expect(s2).not.toEqual(s1);
    // Each layer draws its own seed: a stream that repeats one seed for both layers gives a different result.
    const constant = run({ training: true, seeds: { next: () => 7 } });
    expect(constant).not.toEqual(s1);
    expect(s1.filter((v) => v === 0).length).toBeGreaterThan(i1.filter((v) => v === 0).length);
    // Without a seed stream, dropout draws from the backbone's own seeded generator (never Math.random).
    const own = mlpBackbone({ inputSize: 8, units: [64, 64], dropout: 0.5 });
    const ownRun = tf.tidy(() => Array.from((own.apply(x, { training: true }) as tf.Tensor).dataSync()));
    const fresh = mlpBackbone({ inputSize: 8, units: [64, 64], dropout: 0.5 });
    const freshRun = tf.tidy(() => Array.from((fresh.apply(x, { training: true }) as tf.Tensor).dataSync()));
    expect(freshRun).toEqual(ownRun);
    x.dispose();
    [b, own, fresh].forEach((m) => m.dispose());
  });

  it('trains two tasks on concentric rings to ≥ 95 % test accuracy in 120 steps', () => {
    // The rings are not linearly separable, so this needs the hidden layers. Task B is the flipped label.
    const train = rings(200, 1);
    const test = rings(400, 2);
    const model = new MultitaskModel({
      backbone: mlpBackbone({ inputSize: 2, units: [32, 32], seed: 3 }),
      tasks: [ceTask('a', 32, 2, 1), ceTask('b', 32, 2, 2)],
    });
    const flip = (y: tf.Tensor) => tf.tidy(() => tf.sub(1, y));
    const yb = flip(train.y);
    const opt = tf.train.adam(0.03);
    trainModel(model, train.x, { a: train.y, b: yb }, 120, opt);
    const out = model.predict(test.x);
    const tb = flip(test.y);
    expect(accuracy(out.a!, test.y)).toBeGreaterThanOrEqual(0.95);
    expect(accuracy(out.b!, tb)).toBeGreaterThanOrEqual(0.95);
    tf.dispose([train.x, train.y, test.x, test.y, yb, tb, out]);
    opt.dispose();
    model.dispose();
  });
});
