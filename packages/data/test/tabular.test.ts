import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { disposeBatch, type Batch } from '@multitask/core';
import {
  csvRecords,
  fitEncoder,
  readCsv,
  readJsonl,
  type ArraySource,
  type TableSchema,
} from '../src/index.ts';
import { readCsvFile, readJsonlFile } from '../src/node/index.ts';

async function rows(
  src: ArraySource,
): Promise<{ x: number[][]; y: Record<string, number[]>; m: Record<string, number[]> }> {
  const x: number[][] = [];
  const y: Record<string, number[]> = {};
  const m: Record<string, number[]> = {};
  for await (const step of src.batches({ batchSize: 100, shuffle: false, seed: 1 })) {
    const b = step as Batch;
    x.push(...((await (b.inputs as tf.Tensor).array()) as number[][]));
    for (const [k, t] of Object.entries(b.targets)) (y[k] ??= []).push(...Array.from(await t.data(), Number));
    for (const [k, t] of Object.entries(b.masks!)) (m[k] ??= []).push(...Array.from(await t.data(), Number));
    disposeBatch(b);
  }
  return { x, y, m };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

const schema: TableSchema = {
  size: { type: 'number' },
  city: { type: 'category' },
  kind: { type: 'category', role: 'target' },
  price: { type: 'number', role: 'target', normalize: 'standard' },
  note: { type: 'category', role: 'ignore' },
};

const TRAIN = 'size,city,kind,price,note\n1,paris,a,10,x\n2,rome,b,,y\n3,paris,,30,"quoted, with comma"\n';

describe('csvRecords', () => {
  it('handles quotes, doubled quotes, line breaks in quotes, CRLF and any chunk borders', async () => {
    const text = 'a,b\r\n"x,1","he said ""hi"""\r\n"two\nlines",z\n\nlast,1';
    const expected = [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x,1', 'he said "hi"'] },
      { line: 3, fields: ['two\nlines', 'z'] },
      { line: 6, fields: ['last', '1'] },
    ];
    expect(await collect(csvRecords(text))).toEqual(expected);
    // split the same text into 1-character chunks: same records
    expect(await collect(csvRecords(text.split('')))).toEqual(expected);
  });

  it('reports an unclosed quote with the line it opened on', async () => {
    await expect(collect(csvRecords('a,b\n1,"open\n2,3\n', 'f.csv'))).rejects.toMatchObject({
      code: 'INVALID_DATA',
      details: { file: 'f.csv', line: 2 },
    });
  });
});

describe('readCsv + fitEncoder', () => {
  it('encodes numbers (train z-score), categories (one-hot) and targets with masks for empty cells', async () => {
    const raw = await readCsv(TRAIN, { file: 'train.csv', schema });
    const enc = fitEncoder(raw);
    expect(enc.features).toEqual(['size', 'city=paris', 'city=rome']);
    expect(enc.tasks).toEqual(['kind', 'price']);
    const { x, y, m } = await rows(enc.encode(raw));
    // size 1,2,3: mean 2, population sd √(2/3) = 0.8165 → −1.2247, 0, 1.2247
    expect(x.map((r) => r[0])).toEqual([expect.closeTo(-1.2247, 4), 0, expect.closeTo(1.2247, 4)]);
    expect(x.map((r) => r.slice(1))).toEqual([
      [1, 0],
      [0, 1],
      [1, 0],
    ]);
    // kind classes sorted: a → 0, b → 1; row 3 empty → mask 0
    expect(y.kind).toEqual([0, 1, 0]);
    expect(m.kind).toEqual([1, 1, 0]);
    // price: train values 10, 30 (row 2 missing): mean 20, sd 10 → −1, 1
    expect(y.price).toEqual([-1, 0, 1]);
    expect(m.price).toEqual([1, 0, 1]);
    expect(enc.state.scaling.price).toEqual({ offset: 20, scale: 10, mean: 20 });
  });

  it('test data uses the training statistics; an unknown category is an error with file, line, column', async () => {
    const enc = fitEncoder(await readCsv(TRAIN, { file: 'train.csv', schema }));
    const test = await readCsv('size,city,kind,price,note\n4,rome,b,20,z\n', { file: 'test.csv', schema });
    const { x } = await rows(enc.encode(test));
    expect(x[0]![0]).toBeCloseTo((4 - 2) / Math.sqrt(2 / 3), 4);
    const bad = await readCsv('size,city,kind,price,note\n4,rome,b,20,z\n5,oslo,a,1,z\n', {
      file: 'test.csv',
      schema,
    });
    expect(() => enc.encode(bad)).toThrow(
      expect.objectContaining({
        code: 'INVALID_DATA',
        details: { file: 'test.csv', line: 3, column: 'city' },
      }),
    );
    const badClass = await readCsv('size,city,kind,price,note\n4,rome,c,20,z\n', {
      file: 'test.csv',
      schema,
    });
    expect(() => enc.encode(badClass)).toThrow(
      expect.objectContaining({ details: { file: 'test.csv', line: 2, column: 'kind' } }),
    );
  });

  it('rejects a wrong column count and a non-number cell, naming file, line and column', async () => {
    await expect(
      readCsv('size,city,kind,price,note\n1,paris,a,10,x\n2,rome,b\n', { file: 'bad.csv', schema }),
    ).rejects.toMatchObject({
      code: 'INVALID_DATA',
      details: { file: 'bad.csv', line: 3, column: 'price' },
    });
    await expect(
      readCsv('size,city,kind,price,note\n1,paris,a,10,x,extra\n', { file: 'bad.csv', schema }),
    ).rejects.toMatchObject({
      details: { line: 2, column: '#6' },
    });
    await expect(
      readCsv('size,city,kind,price,note\n1,paris,a,10,x\nbig,paris,a,10,x\n', { file: 'bad.csv', schema }),
    ).rejects.toMatchObject({
      code: 'INVALID_DATA',
      details: { file: 'bad.csv', line: 3, column: 'size' },
    });
    await expect(readCsv('size,town\n1,a\n', { file: 'bad.csv', schema })).rejects.toMatchObject({
      details: { line: 1, column: 'city' },
    });
    // a missing number input is an error unless imputed with the training mean
    const raw = await readCsv('size,city,kind,price,note\n,paris,a,10,x\n4,paris,a,10,x\n', {
      file: 'gap.csv',
      schema,
    });
    expect(() => fitEncoder(raw).encode(raw)).toThrow(
      expect.objectContaining({ details: { file: 'gap.csv', line: 2, column: 'size' } }),
    );
    const imputed = await readCsv('size,city,kind,price,note\n,paris,a,10,x\n4,paris,a,10,x\n', {
      file: 'gap.csv',
      schema: { ...schema, size: { type: 'number', missingInput: 'mean', normalize: 'none' } },
    });
    expect((await rows(fitEncoder(imputed).encode(imputed))).x.map((r) => r[0])).toEqual([4, 4]);
  });

  it('binary targets from positive values; min-max scaling', async () => {
    const raw = await readCsv('v,status\n0,Never married\n5,Widowed\n10,Never married\n', {
      schema: {
        v: { type: 'number', normalize: 'minmax' },
        status: { type: 'category', role: 'target', task: 'single', positive: ['Never married'] },
      },
    });
    const { x, y } = await rows(fitEncoder(raw).encode(raw));
    expect(x).toEqual([[0], [0.5], [1]]);
    expect(y.single).toEqual([1, 0, 1]);
  });
});

describe('readJsonl', () => {
  it('reads objects by field, null and absent = missing', async () => {
    const raw = await readJsonl(
      '{"size":1,"city":"paris","kind":"a","price":10}\n\n{"size":3,"city":"rome","kind":null}\n',
      { schema },
    );
    const { y, m } = await rows(fitEncoder(raw).encode(raw));
    expect(raw.lines).toEqual(Int32Array.from([1, 3]));
    expect(m.kind).toEqual([1, 0]);
    expect(m.price).toEqual([1, 0]);
    expect(y.kind).toEqual([0, 0]);
  });

  it('bad JSON and wrong field types are errors with the line', async () => {
    await expect(readJsonl('{"size":1}\n{"size":\n', { schema, file: 'a.jsonl' })).rejects.toMatchObject({
      code: 'INVALID_DATA',
      details: { file: 'a.jsonl', line: 2 },
    });
    await expect(
      readJsonl('{"size":"big","city":"x","kind":"a","price":1}\n', { schema, file: 'a.jsonl' }),
    ).rejects.toMatchObject({
      details: { line: 1, column: 'size' },
    });
    await expect(readJsonl('[1,2]\n', { schema })).rejects.toMatchObject({ details: { line: 1 } });
  });
});

describe('file readers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mt-csv-'));
  it('stream CSV and JSONL files, naming the path in errors', async () => {
    writeFileSync(join(dir, 'train.csv'), TRAIN);
    const raw = await readCsvFile(join(dir, 'train.csv'), { schema });
    expect(raw.size).toBe(3);
    expect(raw.file).toBe(join(dir, 'train.csv'));
    writeFileSync(join(dir, 'bad.csv'), TRAIN + '4,rome\n');
    await expect(readCsvFile(join(dir, 'bad.csv'), { schema })).rejects.toMatchObject({
      details: { file: join(dir, 'bad.csv'), line: 5 },
    });
    writeFileSync(join(dir, 'a.jsonl'), '{"size":1,"city":"x","kind":"a","price":1}\n');
    expect((await readJsonlFile(join(dir, 'a.jsonl'), { schema })).size).toBe(1);
    await expect(readCsvFile(join(dir, 'missing.csv'), { schema })).rejects.toMatchObject({
      code: 'IO_ERROR',
    });
  });
});
