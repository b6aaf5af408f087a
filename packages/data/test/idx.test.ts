import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isMultitaskError } from '@multitask/core';
import { parseIdx } from '../src/index.ts';
import { readIdxFile } from '../src/node/index.ts';

/** IDX bytes written by hand: magic 00 00 <type> <ndims>, big-endian dims, big-endian values. */
function idx(type: number, shape: number[], body: number[]): Uint8Array {
  return Uint8Array.from([
    0,
    0,
    type,
    shape.length,
    ...shape.flatMap((d) => [d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]),
    ...body,
  ]);
}

function error(fn: () => unknown): { code: string; details: Record<string, unknown>; message: string } {
  try {
    fn();
  } catch (e) {
    if (isMultitaskError(e)) return { code: e.code, details: e.details, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseIdx', () => {
  it('reads uint8 and big-endian int16 / float32 arrays', () => {
    const u = parseIdx(idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]));
    expect(u.dtype).toBe('uint8');
    expect(u.shape).toEqual([2, 3]);
    expect(Array.from(u.data)).toEqual([1, 2, 3, 4, 5, 6]);
    // int16 0x0102 = 258, 0xfffe = −2
    expect(Array.from(parseIdx(idx(0x0b, [2], [1, 2, 0xff, 0xfe])).data)).toEqual([258, -2]);
    // float32 0x3fc00000 = 1.5
    expect(Array.from(parseIdx(idx(0x0d, [1], [0x3f, 0xc0, 0, 0])).data)).toEqual([1.5]);
  });

  it('rejects a wrong magic number, an unknown type, truncation and trailing bytes with the offset', () => {
    const magic = error(() => parseIdx(Uint8Array.from([0x08, 0x03, 0, 0, 1]), 'x.idx'));
    expect(magic).toMatchObject({ code: 'INVALID_DATA', details: { file: 'x.idx', offset: 0 } });
    expect(error(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 8, 0]), 'y.gz')).message).toMatch(/gzip/);
    expect(error(() => parseIdx(idx(0x07, [1], [0]))).details).toMatchObject({ offset: 2 });
    const body = idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
    // header is 4 + 2·4 = 12 bytes; cutting 2 bytes leaves 16 of the needed 18
    expect(error(() => parseIdx(body.subarray(0, 16), 'cut')).details).toEqual({ file: 'cut', offset: 16 });
    expect(error(() => parseIdx(body.subarray(0, 7), 'cut')).message).toMatch(/truncated header/);
    expect(error(() => parseIdx(Uint8Array.from([...body, 9]))).details).toMatchObject({ offset: 18 });
  });
});

describe('readIdxFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mt-idx-'));
  const bytes = idx(0x08, [4], [9, 8, 7, 6]);

  it('reads raw and gzipped files the same', async () => {
    writeFileSync(join(dir, 'a.idx'), bytes);
    writeFileSync(join(dir, 'a.idx.gz'), gzipSync(bytes));
    expect(Array.from((await readIdxFile(join(dir, 'a.idx'))).data)).toEqual([9, 8, 7, 6]);
    expect(Array.from((await readIdxFile(join(dir, 'a.idx.gz'))).data)).toEqual([9, 8, 7, 6]);
  });

  it('names the file of a truncated gzip or IDX file, and a missing one', async () => {
    writeFileSync(join(dir, 'cut.idx.gz'), gzipSync(bytes).subarray(0, 12));
    await expect(readIdxFile(join(dir, 'cut.idx.gz'))).rejects.toMatchObject({
      code: 'INVALID_DATA',
      details: { file: join(dir, 'cut.idx.gz') },
    });
    writeFileSync(join(dir, 'cut.idx'), bytes.subarray(0, 10));
    await expect(readIdxFile(join(dir, 'cut.idx'))).rejects.toMatchObject({
      code: 'INVALID_DATA',
      details: { offset: 10 },
    });
    await expect(readIdxFile(join(dir, 'none.idx'))).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});
