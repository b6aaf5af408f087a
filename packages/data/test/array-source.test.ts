import type * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disposeBatch, type Batch, type StepBatch } from '@multitask/core';
import { expectMultitaskError } from '@multitask/test-utils';
import { arraySource } from '../src/index.ts';

async function collect(it: AsyncIterable<StepBatch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const s of it) {
    if (Array.isArray(s)) throw new Error('expected joint batches');
    out.push(s as Batch);
  }
  return out;
}

async function readAll(
  batches: Batch[],
): Promise<{ x: number[][]; y: Record<string, number[]>; m: Record<string, number[]> }> {
  const x: number[][] = [];
  const y: Record<string, number[]> = {};
  const m: Record<string, number[]> = {};
  for (const b of batches) {
    x.push(...((await (b.inputs as tf.Tensor).array()) as number[][]));
    for (const [k, t] of Object.entries(b.targets)) (y[k] ??= []).push(...Array.from(await t.data(), Number));
    for (const [k, t] of Object.entries(b.masks ?? {}))
      (m[k] ??= []).push(...Array.from(await t.data(), Number));
    disposeBatch(b);
  }
  return { x, y, m };
}

describe('arraySource', () => {
  const src = arraySource({
    name: 'toy',
    inputs: [
      [0, 10],
      [1, 11],
      [2, 12],
      [3, 13],
      [4, 14],
    ],
    targets: {
      kind: { kind: 'class', values: [0, 1, null, 2, NaN] },
      score: { kind: 'regression', values: [0.5, NaN, 1.5, undefined, 2.5] },
      pos: { kind: 'regression', values: [[1, 2], [3, 4], null, [5, NaN], [7, 8]] },
    },
  });

  it('yields joint batches with dtypes, shapes and masks for missing labels', async () => {
    const batches = await collect(src.batches({ batchSize: 2, shuffle: false, seed: 1 }));
    expect(batches.map((b) => (b.inputs as tf.Tensor).shape)).toEqual([
      [2, 2],
      [2, 2],
      [1, 2],
    ]);
    const b0 = batches[0]!;
    expect(b0.targets.kind!.dtype).toBe('int32');
    expect(b0.targets.kind!.shape).toEqual([2]);
    expect(b0.targets.score!.shape).toEqual([2, 1]);
    expect(b0.targets.pos!.shape).toEqual([2, 2]);
    expect(b0.masks!.kind!.dtype).toBe('float32');
    const { x, y, m } = await readAll(batches);
    expect(x).toEqual([
      [0, 10],
      [1, 11],
      [2, 12],
      [3, 13],
      [4, 14],
    ]);
    // missing labels are stored as 0 with mask 0
    expect(y.kind).toEqual([0, 1, 0, 2, 0]);
    expect(m.kind).toEqual([1, 1, 0, 1, 0]);
    expect(m.score).toEqual([1, 0, 1, 0, 1]);
    expect(y.pos).toEqual([1, 2, 3, 4, 0, 0, 0, 0, 7, 8]);
    expect(m.pos).toEqual([1, 1, 0, 0, 1]);
    expect(src.taskInfo).toEqual({
      kind: { kind: 'class', numClasses: 3, dim: 1, labelled: 3 },
      score: { kind: 'regression', dim: 1, labelled: 3 },
      pos: { kind: 'regression', dim: 2, labelled: 3 },
    });
  });

  it('dropRemainder drops the last smaller batch', async () => {
    const batches = await collect(
      src.batches({ batchSize: 2, shuffle: false, seed: 1, dropRemainder: true }),
    );
    expect(batches).toHaveLength(2);
    batches.forEach(disposeBatch);
  });

  it('shuffles reproducibly from the seed, and differently for another seed', async () => {
    const a = (await readAll(await collect(src.batches({ batchSize: 2, shuffle: true, seed: 5 })))).x;
    const b = (await readAll(await collect(src.batches({ batchSize: 2, shuffle: true, seed: 5 })))).x;
    expect(a).toEqual(b);
    const orders = new Set<string>();
    for (let seed = 1; seed <= 8; seed++) {
      orders.add(
        JSON.stringify((await readAll(await collect(src.batches({ batchSize: 5, shuffle: true, seed })))).x),
      );
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('every row appears exactly once per epoch with its own labels (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 1e6 }),
        async (n, bs, seed) => {
          const s = arraySource({
            inputs: { data: Float32Array.from({ length: n }, (_, i) => i), shape: [n, 1] },
            targets: { t: { kind: 'class', values: Array.from({ length: n }, (_, i) => i % 3) } },
          });
          const { x, y } = await readAll(await collect(s.batches({ batchSize: bs, shuffle: true, seed })));
          const rows = x.map((r) => r[0]!);
          expect([...rows].sort((p, q) => p - q)).toEqual(Array.from({ length: n }, (_, i) => i));
          rows.forEach((r, i) => expect(y.t![i]).toBe(r % 3));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('named inputs and subsets', async () => {
    const s = arraySource({
      inputs: { a: [[1], [2], [3]], b: { data: [1, 2, 3, 4, 5, 6], shape: [3, 2] } },
      targets: { t: { kind: 'class', values: [0, 1, 0], numClasses: 4 } },
      masks: { t: [1, 0, true] },
    });
    const sub = s.subset([2, 0]);
    expect(sub.size).toBe(2);
    const [b] = await collect(sub.batches({ batchSize: 8, shuffle: false, seed: 1 }));
    const inputs = b!.inputs as Record<string, tf.Tensor>;
    expect(await inputs.a!.array()).toEqual([[3], [1]]);
    expect(await inputs.b!.array()).toEqual([
      [5, 6],
      [1, 2],
    ]);
    expect(s.taskInfo.t).toEqual({ kind: 'class', numClasses: 4, dim: 1, labelled: 2 });
    disposeBatch(b!);
  });

  it('rejects bad data with INVALID_DATA naming the row', async () => {
    await expectMultitaskError(
      () => arraySource({ inputs: [[1, 2], [3]], targets: { t: { kind: 'class', values: [0, 1] } } }),
      'INVALID_DATA',
      undefined,
      { row: 1 },
    );
    await expectMultitaskError(
      () =>
        arraySource({
          inputs: [
            [1, 2],
            [3, NaN],
          ],
          targets: { t: { kind: 'class', values: [0, 1] } },
        }),
      'INVALID_DATA',
      undefined,
      { row: 1, column: 1 },
    );
    await expectMultitaskError(
      () => arraySource({ inputs: [[1], [2]], targets: { t: { kind: 'class', values: [0, 1.5] } } }),
      'INVALID_DATA',
    );
    await expectMultitaskError(
      () =>
        arraySource({ inputs: [[1], [2]], targets: { t: { kind: 'class', values: [0, 3], numClasses: 3 } } }),
      'INVALID_DATA',
      undefined,
      { row: 1 },
    );
    await expectMultitaskError(
      () => arraySource({ inputs: [[1], [2]], targets: { t: { kind: 'regression', values: [1, 2, 3] } } }),
      'INVALID_DATA',
    );
  });

  it('a bad batch size throws at the call', () => {
    expect(() => src.batches({ batchSize: 1.5, shuffle: false, seed: 1 })).toThrow(/batchSize/);
    expect(() => src.batches({ batchSize: 0, shuffle: false, seed: 1 })).toThrow(/batchSize/);
  });
});
