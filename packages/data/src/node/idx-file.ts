/**
 * Reading IDX files (raw or gzip-compressed) from disk.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { MultitaskError } from '@multitask/core';
import { parseIdx, type IdxArray } from '../idx.ts';

/**
 * Reads an IDX file (MNIST format), gunzipping it when it starts with the gzip magic bytes. Errors are
 * `IO_ERROR` (cannot read) or `INVALID_DATA` (bad content, with the file and byte offset).
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { gzipSync } from 'node:zlib';
 * import { readIdxFile } from '@multitask/data/node';
 *
 * const path = join(mkdtempSync(join(tmpdir(), 'x-')), 't10k-labels-idx1-ubyte.gz');
 * writeFileSync(path, gzipSync(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 9, 2, 1]))); // 3 uint8 labels, gzipped
 * const { shape, data } = await readIdxFile(path);
 * console.log(shape, Array.from(data)); // [3] [9, 2, 1]
 * ```
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new MultitaskError(
      'IO_ERROR',
      `[@multitask/data] cannot read IDX file ${path}: ${(e as Error).message}`,
      {
        cause: e,
        details: { file: path },
      },
    );
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new MultitaskError(
        'INVALID_DATA',
        `[@multitask/data] ${path}: the gzip data is corrupt or truncated (${(e as Error).message}) — download the file again.`,
        { cause: e, details: { file: path, offset: 0 } },
      );
    }
  }
  return parseIdx(bytes, path);
}
