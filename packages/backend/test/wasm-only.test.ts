/**
 * The training kernels run with the cpu backend not registered at all: this file imports only tfjs-core and the
 * wasm backend (vitest runs each test file in its own process here: pool 'forks', isolate on), checks that no 'cpu'
 * backend exists, and compares the kernels with naive JavaScript loops written from the definitions.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/index.ts';
import { randomArray, relativeError } from './helpers.ts';

/** y[n,oh,ow,co] = Σ x[n, oh·s + fh − pt, ow·s + fw − pl, ci] · f[fh,fw,ci,co] — the definition, as loops. */
function naiveConvGrads(
  x: Float32Array,
  xs: number[],
  f: Float32Array,
  fs: number[],
  dy: Float32Array,
  dys: number[],
  s: number,
  pt: number,
  pl: number,
): { dx: Float32Array; df: Float32Array } {
  const [n, h, w, ci] = xs as [number, number, number, number];
  const [fh, fw, , co] = fs as [number, number, number, number];
  const [, oh, ow] = dys as [number, number, number, number];
  const dx = new Float32Array(x.length);
  const df = new Float32Array(f.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let p = 0; p < fh; p++)
          for (let q = 0; q < fw; q++) {
            const r = i * s + p - pt;
            const c = j * s + q - pl;
            if (r < 0 || r >= h || c < 0 || c >= w) continue;
            for (let k = 0; k < ci; k++)
              for (let o = 0; o < co; o++) {
                const g = dy[((b * oh + i) * ow + j) * co + o]!;
                dx[((b * h + r) * w + c) * ci + k]! += g * f[((p * fw + q) * ci + k) * co + o]!;
                df[((p * fw + q) * ci + k) * co + o]! += g * x[((b * h + r) * w + c) * ci + k]!;
              }
          }
  return { dx, df };
}

describe('wasm training kernels without a cpu backend', () => {
  beforeAll(async () => {
    tf.enableProdMode();
    expect(tf.findBackendFactory('cpu')).toBeNull();
    const selection = await selectBackend({ prefer: 'wasm' });
    expect(selection.name).toBe('wasm');
    expect(selection.reason).toMatch(
      /^WebAssembly \(XNNPACK\) with multitask training kernels and SIMD kernels/,
    );
  });

  it('has no cpu backend registered, before or after selecting wasm', () => {
    expect(tf.findBackendFactory('cpu')).toBeNull();
    expect(tf.findBackend('cpu')).toBeNull();
    expect(tf.getBackend()).toBe('wasm');
  });

  it('computes conv2d gradients (stride 2, same) equal to the naive definition', () => {
    const xs = [2, 7, 6, 3];
    const fs = [3, 3, 3, 4];
    const xv = randomArray(2 * 7 * 6 * 3, 1);
    const fv = randomArray(3 * 3 * 3 * 4, 2);
    // 'same', stride 2: out = ceil(7/2)=4 × ceil(6/2)=3; total pad rows = (4−1)·2+3−7 = 2 → top 1; cols (3−1)·2+3−6 = 1 → left 0
    const dys = [2, 4, 3, 4];
    const dyv = randomArray(2 * 4 * 3 * 4, 3);
    const [dx, df] = tf.tidy(() => {
      const x = tf.tensor4d(xv, xs as [number, number, number, number]);
      const f = tf.tensor4d(fv, fs as [number, number, number, number]);
      const dy = tf.tensor4d(dyv, dys as [number, number, number, number]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), dy)),
      )([x, f]);
      return g.map((t) => Float32Array.from(t.dataSync()));
    }) as unknown as [Float32Array, Float32Array];
    const want = naiveConvGrads(xv, xs, fv, fs, dyv, dys, 2, 1, 0);
    expect(relativeError(dx, want.dx)).toBeLessThanOrEqual(1e-5);
    expect(relativeError(df, want.df)).toBeLessThanOrEqual(1e-5);
  });

  it('computes conv2d gradients (stride 1, 5×5, rows padded: the direct SIMD filter gradient) equal to the naive definition', () => {
    const xs = [2, 9, 11, 2];
    const fs = [5, 5, 2, 3];
    const xv = randomArray(2 * 9 * 11 * 2, 6);
    const fv = randomArray(5 * 5 * 2 * 3, 7);
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [2, 2],
      [0, 0],
      [0, 0],
    ];
    const dys = [2, 9, 7, 3];
    const dyv = randomArray(2 * 9 * 7 * 3, 8);
    const [dx, df] = tf.tidy(() => {
      const x = tf.tensor4d(xv, xs as [number, number, number, number]);
      const f = tf.tensor4d(fv, fs as [number, number, number, number]);
      const dy = tf.tensor4d(dyv, dys as [number, number, number, number]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), dy)),
      )([x, f]);
      return g.map((t) => Float32Array.from(t.dataSync()));
    }) as unknown as [Float32Array, Float32Array];
    const want = naiveConvGrads(xv, xs, fv, fs, dyv, dys, 1, 2, 0);
    expect(relativeError(dx, want.dx)).toBeLessThanOrEqual(1e-5);
    expect(relativeError(df, want.df)).toBeLessThanOrEqual(1e-5);
  });

  it('computes transposed matmuls equal to the naive definition', () => {
    const av = randomArray(5 * 3, 4); // a is [5,3], used as aᵀ [3,5]
    const bv = randomArray(4 * 5, 5); // b is [4,5], used as bᵀ [5,4]
    const got = tf.tidy(() =>
      Float32Array.from(tf.matMul(tf.tensor2d(av, [5, 3]), tf.tensor2d(bv, [4, 5]), true, true).dataSync()),
    );
    const want = new Float32Array(3 * 4);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 4; j++)
        for (let k = 0; k < 5; k++) want[i * 4 + j]! += av[k * 3 + i]! * bv[j * 5 + k]!;
    expect(relativeError(got, want)).toBeLessThanOrEqual(1e-5);
  });
});
