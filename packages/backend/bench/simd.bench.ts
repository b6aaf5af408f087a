/**
 * The SIMD kernels against their composed fallbacks, as ratios of CPU time measured in one run:
 *  1. each kernel alone on the Multi-LeNet B = 256 shapes, SIMD and fallback alternating in one process (fresh inputs
 *     per call: tfjs-wasm caches XNNPACK's packed operands per tensor), median of 7;
 *  2. the whole Multi-LeNet training step (Adam), fallback vs SIMD in alternating child processes, `MULTITASK_SIMD_PAIRS`
 *     pairs (default 3): per-pair CPU-time ratios and their median.
 *
 *   npx vitest run --config vitest.bench.config.ts bench/simd.bench.ts
 *
 * A child (MULTITASK_SIMD_CHILD = comma-separated kernels to switch OFF, or 'none') prints one `@@simd-step` line.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadSimdKernels, selectBackend } from '../src/index.ts';
import { setSimdKernelEnabled, type SimdKernelName } from '../src/internal/simd.ts';
import { runBenchChild } from './child.ts';
import { multiLeNet } from './models.ts';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';

const child = process.env.MULTITASK_SIMD_CHILD;
const KERNELS: readonly SimdKernelName[] = [
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'MaxPoolGrad',
  'Sum',
];
const BATCH = Number(process.env.MULTITASK_SIMD_BATCH ?? 256);
const STEPS = 8;

function cpuMs(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

async function wasm(): Promise<void> {
  tf.enableProdMode();
  await selectBackend({ prefer: 'wasm', strict: true });
  const simd = await loadSimdKernels();
  expect(simd.active, simd.reason).toBe(true);
}

describe.skipIf(child === undefined)('child: one training-step measurement', () => {
  it('times the step', async () => {
    await wasm();
    const off = child === 'none' ? [] : (child!.split(',') as SimdKernelName[]);
    for (const k of off) setSimdKernelEnabled(k, false);
    const model = multiLeNet(BATCH);
    try {
      for (let i = 0; i < 3; i++) model.step();
      const ms = cpuMs(() => {
        for (let i = 0; i < STEPS; i++) model.step();
      });
      console.log(`@@simd-step ${JSON.stringify({ off, cpuMs: ms / STEPS })}`);
    } finally {
      model.dispose();
    }
  });
});

/** One kernel call on fresh random inputs of the given shapes; returns CPU ms of the kernel alone. */
function timeKernel(
  name: string,
  shapes: Record<string, number[]>,
  attrs: tf.NamedAttrMap,
  seed: number,
): number {
  const inputs: Record<string, tf.Tensor> = {};
  let s = seed;
  for (const [k, shape] of Object.entries(shapes)) inputs[k] = tf.randomUniform(shape, -1, 1, 'float32', s++);
  if (name === 'MaxPoolGrad')
    inputs.output = tf.engine().runKernel<tf.Tensor>('MaxPool', { x: inputs.input! }, attrs);
  let out: tf.Tensor | undefined;
  const ms = cpuMs(() => {
    out = tf.engine().runKernel<tf.Tensor>(name, inputs, attrs); // wasm kernels are synchronous
  });
  tf.dispose([out!, ...Object.values(inputs)]);
  return ms;
}

describe.skipIf(child !== undefined)('SIMD kernels vs their fallbacks', () => {
  it('kernel by kernel, then the whole step', async () => {
    await wasm();
    const b = BATCH;
    const cases: [SimdKernelName, string, Record<string, number[]>, tf.NamedAttrMap][] = [
      [
        'Conv2DBackpropInput',
        'conv2 dx (dy 12×12×20, filter 5×5×10×20)',
        { dy: [b, 12, 12, 20], filter: [5, 5, 10, 20] },
        { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: [b, 16, 16, 10] },
      ],
      [
        'Conv2DBackpropFilter',
        'conv1 dW (x 36×36×1, dy 32×32×10)',
        { x: [b, 36, 36, 1], dy: [b, 32, 32, 10] },
        { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 1, 10] },
      ],
      [
        'Conv2DBackpropFilter',
        'conv2 dW (x 16×16×10, dy 12×12×20)',
        { x: [b, 16, 16, 10], dy: [b, 12, 12, 20] },
        { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 10, 20] },
      ],
      [
        'Conv2DBackpropFilter',
        'conv1 with same padding (x 32×32×1, dy 32×32×10)',
        { x: [b, 32, 32, 1], dy: [b, 32, 32, 10] },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [5, 5, 1, 10] },
      ],
      [
        'Conv2DBackpropFilter',
        'conv2 with same padding (x 16×16×10, dy 16×16×20)',
        { x: [b, 16, 16, 10], dy: [b, 16, 16, 20] },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [5, 5, 10, 20] },
      ],
      [
        'Conv2DBackpropFilter',
        'B = 64, 3×3 same, x 32×32×3, dy 32×32×32 (a CIFAR stem)',
        { x: [64, 32, 32, 3], dy: [64, 32, 32, 32] },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 32] },
      ],
      [
        'Conv2DBackpropFilter',
        'B = 64, 3×3 valid, x 34×34×3, dy 32×32×32',
        { x: [64, 34, 34, 3], dy: [64, 32, 32, 32] },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 32] },
      ],
      [
        'Conv2DBackpropFilter',
        'B = 64, 3×3 valid, x 18×18×16, dy 16×16×32',
        { x: [64, 18, 18, 16], dy: [64, 16, 16, 32] },
        { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 16, 32] },
      ],
      [
        'Conv2DBackpropFilter',
        'B = 64, 5×5 valid, x 20×20×16, dy 16×16×32',
        { x: [64, 20, 20, 16], dy: [64, 16, 16, 32] },
        { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 16, 32] },
      ],
      [
        'MaxPoolGrad',
        'pool1 (x 32×32×10)',
        { input: [b, 32, 32, 10], dy: [b, 16, 16, 10] },
        { filterSize: 2, strides: 2, pad: 'valid' },
      ],
      [
        'Sum',
        `bias gradient conv1 (${b}·32·32 × 10)`,
        { x: [b, 32, 32, 10] },
        { axis: [0, 1, 2], keepDims: false },
      ],
      [
        'Sum',
        `bias gradient conv2 (${b}·12·12 × 20)`,
        { x: [b, 12, 12, 20] },
        { axis: [0, 1, 2], keepDims: false },
      ],
      [
        'MaxPoolGrad',
        'pool2 (x 12×12×20)',
        { input: [b, 12, 12, 20], dy: [b, 6, 6, 20] },
        { filterSize: 2, strides: 2, pad: 'valid' },
      ],
    ];
    const rows: string[] = [];
    for (const [kernel, label, shapes, attrs] of cases) {
      const on: number[] = [];
      const offMs: number[] = [];
      for (let r = 0; r < 8; r++) {
        setSimdKernelEnabled(kernel, false);
        const a = timeKernel(kernel, shapes, attrs, 100 + 10 * r);
        setSimdKernelEnabled(kernel, true);
        const c = timeKernel(kernel, shapes, attrs, 105 + 10 * r);
        if (r > 0) {
          offMs.push(a);
          on.push(c);
        }
      }
      rows.push(
        `| ${kernel} | ${label} | ${median(offMs).toFixed(1)} | ${median(on).toFixed(1)} | ${(median(on) / median(offMs)).toFixed(2)}× |`,
      );
    }
    console.log(
      `\nKernels alone, B = ${b}, CPU ms, median of 7 alternating calls (shared machine):\n| kernel | case | fallback | SIMD | ratio |\n|---|---|---|---|---|\n${rows.join('\n')}`,
    );

    const pairs = Number(process.env.MULTITASK_SIMD_PAIRS ?? 3);
    const variants = (process.env.MULTITASK_SIMD_VARIANTS ?? KERNELS.join(',')).split(';');
    const runChild = (off: string): number => {
      const r = runBenchChild('bench/simd.bench.ts', { MULTITASK_SIMD_CHILD: off }, 600_000);
      const m = /@@simd-step (\{.*\})/.exec(r.output);
      if (m === null) throw new Error(`child failed: ${r.stderr.slice(0, 400)}`);
      return (JSON.parse(m[1]!) as { cpuMs: number }).cpuMs;
    };
    for (const offList of pairs > 0 ? variants : []) {
      const ratios: string[] = [];
      const values: number[] = [];
      for (let p = 0; p < pairs; p++) {
        const before = runChild(offList);
        const after = runChild('none');
        values.push(after / before);
        ratios.push(`${before.toFixed(0)} → ${after.toFixed(0)}`);
      }
      console.log(
        `\nMulti-LeNet B = ${b} step, CPU ms, SIMD off for [${offList}] → all SIMD on, alternating children: ${ratios.join(', ')}; ratios ${values.map((v) => v.toFixed(2)).join(', ')} (median ${median(values).toFixed(2)}×)`,
      );
    }
  });
});
