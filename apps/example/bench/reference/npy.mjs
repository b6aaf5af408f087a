// The first rows of a `multitask export-data` array (.npy, little-endian float32 or int32), for the check scripts.
import fs from 'node:fs';

/** `{ data, shape }` of the first `rows` rows of `dir/file`. */
export function readNpyRows(dir, file, rows) {
  const buf = fs.readFileSync(`${dir}/${file}`);
  const headerLength = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLength).toString();
  const descr = /'descr': '([^']+)'/.exec(header)[1];
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)[1]
    .split(',')
    .filter((v) => v.trim())
    .map(Number);
  const n = rows * shape.slice(1).reduce((a, b) => a * b, 1);
  const start = 10 + headerLength;
  const bytes = buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + start + n * 4);
  if (descr !== '<f4' && descr !== '<i4') throw new Error(`${file}: dtype ${descr} is not float32/int32`);
  return {
    data: descr === '<f4' ? new Float32Array(bytes) : new Int32Array(bytes),
    shape: [rows, ...shape.slice(1)],
  };
}
