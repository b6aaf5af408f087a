import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { disposeBatch, type Batch } from '@multitask/core';
import { PENGUIN_SPECIES, loadPenguins, type ArraySource } from '../src/index.ts';

async function readSource(
  src: ArraySource,
): Promise<{ x: number[][]; y: Record<string, number[]>; m: Record<string, number[]> }> {
  const x: number[][] = [];
  const y: Record<string, number[]> = {};
  const m: Record<string, number[]> = {};
  for await (const step of src.batches({ batchSize: 64, shuffle: false, seed: 1 })) {
    const b = step as Batch;
    x.push(...((await (b.inputs as tf.Tensor).array()) as number[][]));
    for (const [k, t] of Object.entries(b.targets)) (y[k] ??= []).push(...Array.from(await t.data(), Number));
    for (const [k, t] of Object.entries(b.masks!)) (m[k] ??= []).push(...Array.from(await t.data(), Number));
    disposeBatch(b);
  }
  return { x, y, m };
}

describe('loadPenguins', () => {
  const data = loadPenguins({ seed: 1, test: 0.2 });

  it('keeps the 342 complete rows with the known label counts', async () => {
    // Counts from penguins.csv (palmerpenguins 0.1.6) computed independently with Python's csv module:
    // 344 rows, 2 without measurements → 342; species Adelie 151, Chinstrap 68, Gentoo 123;
    // sex male 168, female 165, missing 9; body mass never missing once those 2 rows are gone.
    expect(data.train.size + data.validation.size + data.test.size).toBe(342);
    expect(data.validation.size).toBe(0);
    const parts = await Promise.all([readSource(data.train), readSource(data.test)]);
    const species = parts.flatMap((p) => p.y.species!);
    expect([0, 1, 2].map((c) => species.filter((v) => v === c).length)).toEqual([151, 68, 123]);
    const sex = parts.flatMap((p) => p.y.sex!);
    const sexMask = parts.flatMap((p) => p.m.sex!);
    expect(sexMask.filter((v) => v === 0).length).toBe(9);
    expect(sex.filter((v, i) => sexMask[i] === 1 && v === 1).length).toBe(168);
    expect(sex.filter((v, i) => sexMask[i] === 1 && v === 0).length).toBe(165);
    expect(parts.flatMap((p) => p.m.body_mass!).every((v) => v === 1)).toBe(true);
    expect(data.train.tasks).toEqual(['species', 'sex', 'body_mass']);
    expect(data.train.taskInfo.species).toMatchObject({ kind: 'class', numClasses: 3 });
    expect(data.train.taskInfo.body_mass).toMatchObject({ kind: 'regression', dim: 1 });
  });

  it('splits stratified by species: round(0.2 · count) test rows per species', async () => {
    // 0.2 · [151, 68, 123] = [30.2, 13.6, 24.6] → [30, 14, 25]
    const { y } = await readSource(data.test);
    expect([0, 1, 2].map((c) => y.species!.filter((v) => v === c).length)).toEqual([30, 14, 25]);
    expect(PENGUIN_SPECIES).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
  });

  it('standardises with training statistics and keeps grams recoverable', async () => {
    const train = await readSource(data.train);
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    const sd = (v: number[]): number => Math.sqrt(mean(v.map((a) => (a - mean(v)) ** 2)));
    for (let j = 0; j < 3; j++) {
      const col = train.x.map((r) => r[j]!);
      expect(mean(col)).toBeCloseTo(0, 4);
      expect(sd(col)).toBeCloseTo(1, 4);
    }
    expect(mean(train.y.body_mass!)).toBeCloseTo(0, 4);
    // one-hot island: exactly one 1 among columns 3..5
    expect(train.x.every((r) => (r[3] ?? 0) + (r[4] ?? 0) + (r[5] ?? 0) === 1)).toBe(true);
    // the overall mean body mass of the 342 rows is 4201.754 g (Python); the train mean is close to it
    expect(Math.abs(data.bodyMass.mean - 4201.75)).toBeLessThan(60);
    expect(data.bodyMass.std).toBeGreaterThan(600);
    expect(data.bodyMass.std).toBeLessThan(900);
    // the first row of the file (Adelie, Torgersen, 39.1, 18.7, 181, 3750 g, male) is found back in grams
    const test = await readSource(data.test);
    const bill = data.featureScaling.bill_length_mm!;
    const depth = data.featureScaling.bill_depth_mm!;
    const hit = [...train.x, ...test.x].find(
      (r) =>
        Math.abs(r[0]! * bill.std + bill.mean - 39.1) < 1e-3 &&
        Math.abs(r[1]! * depth.std + depth.mean - 18.7) < 1e-3 &&
        r[5] === 1,
    );
    expect(hit).toBeDefined();
  });

  it('is learnable: softmax regression on the 6 features reaches ≥ 95 % species accuracy on the test rows', async () => {
    // Species are nearly linearly separable from bill length/depth and flipper length (published logistic
    // regressions reach ~98 %), so a linear model trained full-batch must do well; a broken feature/label
    // alignment (e.g. a shuffled label column) would give ~44 % (the Adelie share).
    const train = await readSource(data.train);
    const test = await readSource(data.test);
    const w = tf.tidy(() => tf.variable(tf.zeros([6, 3])));
    const b = tf.tidy(() => tf.variable(tf.zeros([3])));
    const opt = tf.train.adam(0.1);
    const xs = tf.tensor2d(train.x);
    const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(train.y.species!, 'int32'), 3));
    for (let i = 0; i < 150; i++) {
      opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, tf.add(tf.matMul(xs, w), b)));
    }
    const pred = tf.tidy(() => tf.argMax(tf.add(tf.matMul(tf.tensor2d(test.x), w), b), 1));
    const p = Array.from(await pred.data());
    const acc = p.filter((v, i) => v === test.y.species![i]).length / p.length;
    tf.dispose([w, b, xs, ys, pred]);
    opt.dispose();
    expect(acc).toBeGreaterThanOrEqual(0.95);
  });

  it('is reproducible from the seed and differs across seeds', () => {
    expect(loadPenguins({ seed: 1 }).rows).toEqual(data.rows);
    expect(loadPenguins({ seed: 2 }).rows.test).not.toEqual(data.rows.test);
    const withVal = loadPenguins({ seed: 1, validation: 0.1 });
    expect(withVal.validation.size).toBeGreaterThan(30);
  });
});
