/**
 * The IDX file format of MNIST and Fashion-MNIST: a 4-byte magic number (0, 0, type code, number of
 * dimensions), one big-endian uint32 per dimension, then the values in big-endian row-major order.
 */
import { MultitaskError } from '@multitask/core';

/** Element type of an IDX file. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX array. */
export interface IdxArray {
  /** Element type from the magic number. */
  readonly dtype: IdxDtype;
  /** Dimensions from the header (e.g. `[60000, 28, 28]`). */
  readonly shape: readonly number[];
  /**
   * Values in row-major order. For `uint8` this is a view on the input bytes (no copy); other types are
   * converted from big-endian into a new array.
   */
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Readonly<Record<number, readonly [IdxDtype, number]>> = {
  0x08: ['uint8', 1],
  0x09: ['int8', 1],
  0x0b: ['int16', 2],
  0x0c: ['int32', 4],
  0x0d: ['float32', 4],
  0x0e: ['float64', 8],
};

function bad(file: string, offset: number, message: string): MultitaskError {
  return new MultitaskError('INVALID_DATA', `[@multitask/data] ${file}, byte offset ${offset}: ${message}`, {
    details: { file, offset },
  });
}

/**
 * Parses IDX bytes (already decompressed). Throws `INVALID_DATA` naming the file and byte offset for a wrong
 * magic number, an unknown type code, a truncated header or body, or trailing bytes.
 *
 * @example
 * ```ts
 * import { parseIdx } from '@multitask/data';
 *
 * // magic 0x00000801 (uint8, 1 dimension), size 3 (big-endian uint32), then the 3 labels
 * const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]);
 * const labels = parseIdx(bytes, 'train-labels-idx1-ubyte');
 * console.log(labels.dtype, labels.shape, labels.data); // uint8 [3] [7, 2, 1]
 * ```
 */
export function parseIdx(bytes: Uint8Array, file = 'IDX data'): IdxArray {
  if (bytes.length < 4)
    throw bad(
      file,
      bytes.length,
      `truncated: ${bytes.length} bytes, an IDX header needs at least 4 — the file is cut short or not IDX.`,
    );
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    const hint =
      bytes[0] === 0x1f && bytes[1] === 0x8b
        ? ' It is gzip-compressed: decompress it first (the ./node reader does).'
        : '';
    throw bad(file, 0, `wrong magic number ${hex}; IDX files start with 00 00 <type> <dims>.${hint}`);
  }
  const type = TYPES[bytes[2]!];
  if (!type)
    throw bad(
      file,
      2,
      `unknown IDX type code 0x${bytes[2]!.toString(16)}; expected one of 08 09 0b 0c 0d 0e.`,
    );
  const [dtype, width] = type;
  const ndims = bytes[3]!;
  const headerSize = 4 + 4 * ndims;
  if (bytes.length < headerSize) {
    throw bad(
      file,
      bytes.length,
      `truncated header: ${ndims} dimensions need ${headerSize} bytes, the file has ${bytes.length}.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    count *= n;
  }
  const expected = headerSize + count * width;
  if (bytes.length < expected) {
    throw bad(
      file,
      bytes.length,
      `truncated: shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes, the file ends after ${bytes.length} — download it again.`,
    );
  }
  if (bytes.length > expected) {
    throw bad(
      file,
      expected,
      `${bytes.length - expected} unexpected bytes after the data of shape [${shape.join(', ')}].`,
    );
  }
  if (dtype === 'uint8') return { dtype, shape, data: bytes.subarray(headerSize, expected) };
  if (dtype === 'int8')
    return { dtype, shape, data: new Int8Array(bytes.buffer, bytes.byteOffset + headerSize, count).slice() };
  const read = {
    int16: (o: number) => view.getInt16(o, false),
    int32: (o: number) => view.getInt32(o, false),
    float32: (o: number) => view.getFloat32(o, false),
    float64: (o: number) => view.getFloat64(o, false),
  }[dtype];
  const data =
    dtype === 'int16'
      ? new Int16Array(count)
      : dtype === 'int32'
        ? new Int32Array(count)
        : dtype === 'float32'
          ? new Float32Array(count)
          : new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = read(headerSize + i * width);
  return { dtype, shape, data };
}
