/**
 * Every kernel registerTrainingKernels() installs on wasm, against the stock cpu backend's kernel on random inputs
 * (relative error ≤ 1e-4), over a pairwise covering of the grid batch × channels × kernel × strides × dilations ×
 * padding × size parity (every pair of axis values occurs at least once).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSimdKernels, registerTrainingKernels } from '../src/index.ts';
import { setSimdKernelEnabled, type SimdKernelName } from '../src/internal/simd.ts';
import { pairwise, randomArray, relativeError, valuesOn } from './helpers.ts';

const TOL = 1e-5;
type Pad = 'valid' | 'same' | 'explicit';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('wasm');
  await tf.ready();
  expect(registerTrainingKernels()).toEqual([
    'BatchMatMul',
    '_FusedMatMul',
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
    'MaxPoolGrad',
    'Sum',
  ]);
  const simd = await loadSimdKernels();
  expect(simd, simd.reason).toMatchObject({ active: true });
});

const SIMD_KERNELS: readonly SimdKernelName[] = [
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'MaxPoolGrad',
];

/**
 * Runs the grids twice: with the SIMD kernels (the default where they load) and with their composed fallbacks (as on
 * an engine without WebAssembly SIMD).
 */
const MODES = ['simd', 'composed'] as const;
function useMode(mode: (typeof MODES)[number]): void {
  beforeAll(() => {
    for (const k of SIMD_KERNELS) setSimdKernelEnabled(k, mode === 'simd');
  });
  afterAll(() => {
    for (const k of SIMD_KERNELS) setSimdKernelEnabled(k, true);
  });
}

const grid = pairwise({
  batch: [1, 3],
  channels: [1, 3, 8],
  kernel: [1, 3, 5],
  strides: [1, 2, [2, 1]] as (number | [number, number])[],
  dilations: [1, 2],
  padding: ['valid', 'same', 'explicit'] as Pad[],
  size: ['odd', 'even'] as const,
});

interface Case {
  readonly x: [number, number, number, number];
  readonly filter: [number, number, number, number];
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | tf.backend_util.ExplicitPadding;
}

function caseOf(p: (typeof grid)[number], i: number): Case {
  const h = p.size === 'odd' ? 7 + (i % 2) * 2 : 8 + (i % 2) * 2;
  const w = h + 1 - (i % 3); // non-square, parity of h
  const ci = p.channels;
  const co = [2, 8, 3][i % 3]!;
  const pad: Case['pad'] =
    p.padding === 'explicit'
      ? [
          [0, 0],
          [i % 3, (i + 1) % 3],
          [(i + 2) % 3, i % 2],
          [0, 0],
        ]
      : p.padding;
  return { x: [p.batch, h, w, ci], filter: [p.kernel, p.kernel, ci, co], strides: p.strides, pad };
}

function outShape(c: Case): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  return info.outShape;
}

describe.each(MODES)('conv2d backprop kernels on wasm (%s) vs cpu, pairwise grid', (mode) => {
  useMode(mode);
  it('covers every pair of axis values in a handful of points', () => {
    // 3 × 3 (the two largest axes) pairs need at least 9 points; the full product has 2·3·3·3·2·3·2 = 648.
    expect(grid.length).toBeGreaterThanOrEqual(9);
    expect(grid.length).toBeLessThan(30);
  });

  grid.forEach((p, i) => {
    const c = caseOf(p, i);
    const label = `N=${p.batch} Ci=${p.channels} k=${p.kernel} s=${JSON.stringify(p.strides)} d=${p.dilations} ${p.padding} ${p.size} (x ${c.x.join('×')})`;
    it(label, () => {
      if (p.dilations > 1) {
        // tfjs itself rejects this point: the conv2d gradient asserts dilation 1 (and the backprop kernels have no
        // dilation attribute), on every backend — so check that it is rejected, identically, on both.
        const inputs = [tf.ones(c.x), tf.ones(c.filter)];
        const dy = tf.ones(c.x);
        try {
          const gradFunc = (): unknown =>
            tf.getGradient('Conv2D').gradFunc(dy, inputs, {
              strides: c.strides,
              pad: c.pad,
              dataFormat: 'NHWC',
              dilations: p.dilations,
            });
          expect(gradFunc).toThrow(/dilation rates greater than 1/);
        } finally {
          tf.dispose([...inputs, dy]);
        }
        return;
      }
      const dyShape = outShape(c);
      const xv = randomArray(
        c.x.reduce((a, b) => a * b),
        10 + i,
      );
      const fv = randomArray(
        c.filter.reduce((a, b) => a * b),
        20 + i,
      );
      const dyv = randomArray(
        dyShape.reduce((a, b) => a * b),
        30 + i,
      );
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
      const run = (): tf.Tensor[] => [
        tf.engine().runKernel<tf.Tensor>(
          'Conv2DBackpropFilter',
          { x: tf.tensor(xv, c.x), dy: tf.tensor(dyv, dyShape) },
          {
            ...attrs,
            filterShape: c.filter,
          },
        ),
        tf.engine().runKernel<tf.Tensor>(
          'Conv2DBackpropInput',
          { dy: tf.tensor(dyv, dyShape), filter: tf.tensor(fv, c.filter) },
          {
            ...attrs,
            inputShape: c.x,
          },
        ),
      ];
      const want = valuesOn('cpu', run);
      const got = valuesOn('wasm', run);
      expect(relativeError(got[0]!, want[0]!), 'Conv2DBackpropFilter').toBeLessThanOrEqual(TOL);
      expect(relativeError(got[1]!, want[1]!), 'Conv2DBackpropInput').toBeLessThanOrEqual(TOL);
    });
  });

  it('matches cpu on the Multi-LeNet shapes (36×36×1 → 5×5×10 → pool → 5×5×20 → pool), batch 2', () => {
    const n = 2;
    const conv = (
      name: 'Conv2DBackpropFilter' | 'Conv2DBackpropInput',
      x: [number, number, number, number],
      filter: [number, number, number, number],
      seed: number,
    ) => {
      const dyShape = tf.backend_util.computeConv2DInfo(x, filter, 1, 1, 'valid').outShape;
      const dyv = randomArray(
        dyShape.reduce((a, b) => a * b),
        seed,
      );
      const other = name === 'Conv2DBackpropFilter' ? x : filter;
      const ov = randomArray(
        other.reduce((a, b) => a * b),
        seed + 1,
      );
      return (): tf.Tensor =>
        name === 'Conv2DBackpropFilter'
          ? tf
              .engine()
              .runKernel<tf.Tensor>(
                name,
                { x: tf.tensor(ov, x), dy: tf.tensor(dyv, dyShape) },
                { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: filter },
              )
          : tf
              .engine()
              .runKernel<tf.Tensor>(
                name,
                { dy: tf.tensor(dyv, dyShape), filter: tf.tensor(ov, filter) },
                { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: x },
              );
    };
    const cases = [
      conv('Conv2DBackpropFilter', [n, 36, 36, 1], [5, 5, 1, 10], 1),
      conv('Conv2DBackpropFilter', [n, 16, 16, 10], [5, 5, 10, 20], 3),
      conv('Conv2DBackpropInput', [n, 36, 36, 1], [5, 5, 1, 10], 5),
      conv('Conv2DBackpropInput', [n, 16, 16, 10], [5, 5, 10, 20], 7),
    ];
    for (const run of cases) {
      expect(relativeError(valuesOn('wasm', run)[0]!, valuesOn('cpu', run)[0]!)).toBeLessThanOrEqual(TOL);
    }
  });

  it('matches cpu where the direct filter gradient runs: 5- and 7-wide filters, row padding and strides, odd channels', () => {
    const rowsOnly = (top: number, bottom: number): Case['pad'] => [
      [0, 0],
      [top, bottom],
      [0, 0],
      [0, 0],
    ];
    const cases: [
      [number, number, number, number],
      [number, number, number, number],
      number | [number, number],
      Case['pad'],
    ][] = [
      [[1, 11, 13, 3], [5, 5, 3, 3], 1, 'valid'],
      [[2, 9, 17, 1], [5, 7, 1, 5], [2, 1], rowsOnly(2, 2)],
      [[1, 10, 9, 2], [3, 5, 2, 4], 1, rowsOnly(2, 1)],
      [[1, 8, 30, 1], [2, 6, 1, 2], [3, 1], 'valid'],
    ];
    cases.forEach(([x, filter, strides, pad], i) => {
      const dyShape = tf.backend_util.computeConv2DInfo(x, filter, strides, 1, pad).outShape;
      const xv = randomArray(
        x.reduce((a, b) => a * b),
        200 + i,
      );
      const dyv = randomArray(
        dyShape.reduce((a, b) => a * b),
        210 + i,
      );
      const run = (): tf.Tensor =>
        tf
          .engine()
          .runKernel<tf.Tensor>(
            'Conv2DBackpropFilter',
            { x: tf.tensor(xv, x), dy: tf.tensor(dyv, dyShape) },
            { strides, pad, dataFormat: 'NHWC', filterShape: filter },
          );
      expect(
        relativeError(valuesOn('wasm', run)[0]!, valuesOn('cpu', run)[0]!),
        `case ${i}`,
      ).toBeLessThanOrEqual(TOL);
    });
  });

  it('handles NCHW by transposing (filter and input gradients)', () => {
    const x: [number, number, number, number] = [2, 3, 9, 8]; // NCHW
    const filter: [number, number, number, number] = [3, 3, 3, 4];
    const dyShape = [2, 4, 4, 4]; // NCHW, stride 2 'same': ceil(9/2)=5? no: see below
    const info = tf.backend_util.computeConv2DInfo([2, 9, 8, 3], filter, 2, 1, 'same');
    dyShape[2] = info.outHeight;
    dyShape[3] = info.outWidth;
    const xv = randomArray(2 * 3 * 9 * 8, 5);
    const fv = randomArray(3 * 3 * 3 * 4, 6);
    const dyv = randomArray(
      dyShape.reduce((a, b) => a * b),
      7,
    );
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW' };
    const run = (): tf.Tensor[] => [
      tf.engine().runKernel<tf.Tensor>(
        'Conv2DBackpropFilter',
        { x: tf.tensor(xv, x), dy: tf.tensor(dyv, dyShape) },
        {
          ...attrs,
          filterShape: filter,
        },
      ),
      tf.engine().runKernel<tf.Tensor>(
        'Conv2DBackpropInput',
        { dy: tf.tensor(dyv, dyShape), filter: tf.tensor(fv, filter) },
        {
          ...attrs,
          inputShape: x,
        },
      ),
    ];
    const want = valuesOn('cpu', run);
    const got = valuesOn('wasm', run);
    expect(relativeError(got[0]!, want[0]!)).toBeLessThanOrEqual(TOL);
    expect(relativeError(got[1]!, want[1]!)).toBeLessThanOrEqual(TOL);
  });
});

describe('matmul kernels on wasm vs cpu', () => {
  const mm = pairwise({
    transposeA: [false, true],
    transposeB: [false, true],
    batch: [1, 3, 'broadcast'] as (1 | 3 | 'broadcast')[],
    size: ['odd', 'even'] as const,
    fused: ['none', 'bias', 'bias+relu'] as const,
  });
  mm.forEach((p, i) => {
    it(`tA=${p.transposeA} tB=${p.transposeB} batch=${p.batch} ${p.size} fused=${p.fused}`, () => {
      const [m, k, n] = p.size === 'odd' ? [7, 13, 5] : [8, 16, 6];
      const lead = p.batch === 1 ? [] : [3];
      const aShape = [...lead, ...(p.transposeA ? [k, m] : [m, k])];
      const bShape = [...(p.batch === 3 ? [3] : []), ...(p.transposeB ? [n, k] : [k, n])];
      const av = randomArray(
        aShape.reduce((x, y) => x * y),
        40 + i,
      );
      const bv = randomArray(
        bShape.reduce((x, y) => x * y),
        50 + i,
      );
      const biasv = randomArray(n, 60 + i);
      const run = (): tf.Tensor => {
        const a = tf.tensor(av, aShape);
        const b = tf.tensor(bv, bShape);
        if (p.fused === 'none') return tf.matMul(a, b, p.transposeA, p.transposeB);
        return tf.fused.matMul({
          a,
          b,
          transposeA: p.transposeA,
          transposeB: p.transposeB,
          bias: tf.tensor(biasv, [n]),
          activation: p.fused === 'bias+relu' ? 'relu' : 'linear',
        });
      };
      const want = valuesOn('cpu', run);
      const got = valuesOn('wasm', run);
      expect(relativeError(got[0]!, want[0]!)).toBeLessThanOrEqual(TOL);
    });
  });

  it('gives the same shape as tfjs for rank-4 broadcast batches', () => {
    const run = (): tf.Tensor =>
      tf.matMul(
        tf.tensor(randomArray(2 * 3 * 4 * 5, 1), [2, 3, 4, 5]),
        tf.tensor(randomArray(6 * 5, 2), [6, 5]),
        false,
        true,
      );
    tf.setBackend('wasm');
    const shape = tf.tidy(() => run().shape);
    expect(shape).toEqual([2, 3, 4, 6]);
    expect(relativeError(valuesOn('wasm', run)[0]!, valuesOn('cpu', run)[0]!)).toBeLessThanOrEqual(TOL);
  });
});

describe.each(MODES)('MaxPoolGrad on wasm (%s) vs cpu, pairwise grid', (mode) => {
  useMode(mode);
  const pools = pairwise({
    batch: [1, 3],
    channels: [1, 3, 8],
    window: [1, 2, 3],
    strides: [1, 2, [2, 1]] as (number | [number, number])[],
    padding: ['valid', 'same'] as const,
    size: ['odd', 'even'] as const,
    values: ['random', 'ties'] as const,
  });

  /** Runs MaxPoolGrad itself (not through tf.grad), with the forward output as tfjs passes it. */
  const poolGrad =
    (xv: Float32Array, xShape: [number, number, number, number], dyv: Float32Array, attrs: tf.NamedAttrMap) =>
    (): tf.Tensor => {
      const x = tf.tensor4d(xv, xShape);
      const y = tf.engine().runKernel<tf.Tensor>('MaxPool', { x }, attrs);
      return tf
        .engine()
        .runKernel<tf.Tensor>('MaxPoolGrad', { dy: tf.tensor(dyv, y.shape), input: x, output: y }, attrs);
    };

  pools.forEach((p, i) => {
    const h = p.size === 'odd' ? 7 : 8;
    const w = h + (i % 3) - 1;
    const xShape: [number, number, number, number] = [p.batch, h, w, p.channels];
    const label = `N=${p.batch} C=${p.channels} window=${p.window} s=${JSON.stringify(p.strides)} ${p.padding} ${p.size} ${p.values} (x ${xShape.join('×')})`;
    it(label, () => {
      const attrs = { filterSize: p.window, strides: p.strides, pad: p.padding };
      const info = tf.backend_util.computePool2DInfo(xShape, p.window, p.strides, 1, p.padding);
      const size = xShape.reduce((a, b) => a * b);
      // 'ties': values in {−1, 0, 1}, so most windows hold their maximum more than once (dropout zeros do that)
      const xv = randomArray(size, 70 + i).map((v) => (p.values === 'ties' ? Math.round(v) : v));
      const dyv = randomArray(
        info.outShape.reduce((a, b) => a * b),
        80 + i,
      );
      const run = poolGrad(xv, xShape, dyv, attrs);
      const want = valuesOn('cpu', run)[0]!;
      const got = valuesOn('wasm', run)[0]!;
      expect(relativeError(got, want)).toBeLessThanOrEqual(TOL);
      // overlapping windows add their gradients: the total equals Σ dy over windows that had a maximum
      expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(
        dyv.reduce((a, b) => a + b, 0),
        3,
      );
    });
  });

  it('matches cpu on the Multi-LeNet pools (32×32×10 and 12×12×20, 2×2 stride 2), with ReLU zeros as ties', () => {
    const pools: [[number, number, number, number], number][] = [
      [[2, 32, 32, 10], 90],
      [[2, 12, 12, 20], 91],
    ];
    for (const [shape, seed] of pools) {
      const xv = randomArray(
        shape.reduce((a, b) => a * b),
        seed,
      ).map((v) => Math.max(v, 0));
      const dyv = randomArray((shape[0] * shape[1] * shape[2] * shape[3]) / 4, seed + 10);
      const run = poolGrad(xv, [...shape], dyv, { filterSize: 2, strides: 2, pad: 'valid' });
      expect(Array.from(valuesOn('wasm', run)[0]!)).toEqual(Array.from(valuesOn('cpu', run)[0]!));
    }
  });

  it('gives no gradient to windows of −∞ or NaN only and skips NaN elsewhere, as cpu does', () => {
    const xv = Float32Array.from([-Infinity, -Infinity, NaN, NaN, NaN, 1, 2, -Infinity, NaN, 3]);
    const run = poolGrad(xv, [1, 2, 5, 1], Float32Array.from([1, 1, 1, 1, 1]), {
      filterSize: [2, 1],
      strides: 1,
      pad: 'valid',
    });
    const want = valuesOn('cpu', run)[0]!;
    const got = valuesOn('wasm', run)[0]!;
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(Array.from(got)).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 1]);
  });
});

describe.each(MODES)('Sum on wasm (%s) vs cpu', (mode) => {
  useMode(mode);
  const cases: [number[], number | number[] | undefined, boolean][] = [
    [[3, 5, 7, 10], [0, 1, 2], false], // the bias gradient of a conv layer, C not a multiple of 4
    [[2, 4, 4, 8], [2, 0, 1], true], // unsorted axes, keepDims
    [[33, 7], 0, false], // a dense layer's bias gradient
    [[1, 6, 3], [0, 1], false], // batch 1
    [[4, 5, 6], [1, 2], false], // trailing axes: the stock kernel
    [[4, 5, 6], [0, 2], true], // not a prefix: the stock kernel
    [[4, 5, 6], undefined, false], // every axis: the stock kernel
  ];
  for (const [shape, axis, keepDims] of cases) {
    it(`x ${shape.join('×')} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, () => {
      const xv = randomArray(
        shape.reduce((a, b) => a * b),
        shape.length * 7 + shape[0]!,
      );
      const run = (): tf.Tensor => tf.sum(tf.tensor(xv, shape), axis, keepDims);
      const shapeOn = (b: string): number[] => {
        tf.setBackend(b);
        return tf.tidy(() => run().shape);
      };
      expect(shapeOn('wasm')).toEqual(shapeOn('cpu'));
      expect(relativeError(valuesOn('wasm', run)[0]!, valuesOn('cpu', run)[0]!)).toBeLessThanOrEqual(TOL);
    });
  }
  it('leaves int32 sums to the stock kernel', () => {
    const run = (): tf.Tensor => tf.sum(tf.tensor([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), 0);
    expect(Array.from(valuesOn('wasm', run)[0]!)).toEqual([9, 12]);
  });
});
