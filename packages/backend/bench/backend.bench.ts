/**
 * `pnpm bench`: training-step speed of wasm + multitask's training kernels against the stock tfjs cpu backend
 * (goals: Multi-LeNet ≥ 20×, MLP ≥ 10×), where the time goes (kernels per step, time per kernel), and reference
 * rows (matmul GFLOP/s vs numpy/OpenBLAS, the Multi-LeNet step in PyTorch) — all ratios from this one run.
 * Wall time and process CPU time are both reported: on a shared machine CPU time is the steadier of the two.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { cpus } from 'node:os';
import { describe, it } from 'vitest';
import { registerTrainingKernels, unregisterTrainingKernels } from '../src/index.ts';
import { multiLeNet, twoHeadMlp, type BenchModel } from './models.ts';
import { numpyMatmulGflops, torchMultiLeNetStepMs } from './reference.ts';

interface Timing {
  /** Median wall time per step, ms. */
  readonly wallMs: number;
  /** Mean process CPU time per step, ms. */
  readonly cpuMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeSteps(model: BenchModel, warmup: number, steps: number): Timing {
  for (let i = 0; i < warmup; i++) model.step();
  const walls: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    model.step();
    walls.push(performance.now() - t);
  }
  const c = process.cpuUsage(c0);
  return { wallMs: median(walls), cpuMs: (c.user + c.system) / 1000 / steps };
}

type Config = 'cpu stock' | 'cpu + conv kernel' | 'wasm stock' | 'wasm + kernels';

async function use(config: Config): Promise<void> {
  const backend = config.startsWith('cpu') ? 'cpu' : 'wasm';
  await tf.setBackend(backend);
  await tf.ready();
  unregisterTrainingKernels('cpu');
  unregisterTrainingKernels('wasm');
  if (config === 'cpu + conv kernel') registerTrainingKernels('cpu');
  if (config === 'wasm + kernels') registerTrainingKernels('wasm');
}

async function measure(
  config: Config,
  make: () => BenchModel,
  warmup: number,
  steps: number,
): Promise<Timing | string> {
  await use(config);
  const model = make();
  try {
    return timeSteps(model, warmup, steps);
  } catch (e) {
    return `fails: ${(e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''}`;
  } finally {
    model.dispose();
  }
}

const fmt = (x: number, d = 1): string => x.toFixed(d);

interface ProfileRow {
  readonly kernels: number;
  readonly kernelMs: number;
  readonly stepMs: number;
  readonly top: string;
}

async function profileStep(config: Config, make: () => BenchModel): Promise<ProfileRow> {
  await use(config);
  const model = make();
  try {
    for (let i = 0; i < 3; i++) model.step();
    const t = performance.now();
    const info = await tf.profile(() => {
      model.step();
    });
    const stepMs = performance.now() - t;
    const by = new Map<string, { n: number; ms: number }>();
    let kernelMs = 0;
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      kernelMs += ms;
      const e = by.get(k.name) ?? { n: 0, ms: 0 };
      e.n += 1;
      e.ms += ms;
      by.set(k.name, e);
    }
    const top = [...by]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 6)
      .map(([name, e]) => `${name}×${e.n} ${fmt(e.ms)}ms`)
      .join(', ');
    return { kernels: info.kernels.length, kernelMs, stepMs, top };
  } finally {
    model.dispose();
  }
}

function gflops(n: number, f: () => tf.Tensor): number {
  f().dispose();
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = f();
    r.dataSync();
    best = Math.min(best, performance.now() - t);
    r.dispose();
  }
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

describe('backend benchmark', () => {
  it('prints speed ratios, kernel profiles and reference rows', async () => {
    tf.enableProdMode();
    const load = (await import('node:os')).loadavg()[0] ?? 0;
    console.log(
      `cores: ${cpus().length}, 1-min load average at start: ${fmt(load, 2)} (ratios below come from this one run)`,
    );

    // 1. Training steps. wasm is measured before and after cpu; its row is the better of the two blocks.
    const lenet = (): BenchModel => multiLeNet(64);
    const mlp = (): BenchModel => twoHeadMlp(128);
    const rows: Record<string, string | number>[] = [];
    for (const [name, make, cpuSteps, wasmSteps] of [
      ['Multi-LeNet 36×36, B=64, Adam', lenet, 2, 15],
      ['MLP 784-256-256 + 2 heads, B=128, Adam', mlp, 5, 40],
    ] as const) {
      const wasmA = await measure('wasm + kernels', make, 3, wasmSteps);
      const cpu = await measure('cpu stock', make, 1, cpuSteps);
      const cpuConv = await measure('cpu + conv kernel', make, 1, cpuSteps + 1);
      const wasmStock = await measure('wasm stock', make, 2, Math.ceil(wasmSteps / 4));
      const wasmB = await measure('wasm + kernels', make, 3, wasmSteps);
      const wasm =
        typeof wasmA === 'string'
          ? wasmB
          : typeof wasmB === 'string'
            ? wasmA
            : wasmA.cpuMs < wasmB.cpuMs
              ? wasmA
              : wasmB;
      const ratio = (t: Timing | string, key: keyof Timing): string =>
        typeof t === 'string' || typeof wasm === 'string' ? '—' : `${fmt(t[key] / wasm[key])}×`;
      for (const [config, t] of [
        ['cpu stock', cpu],
        ['cpu + conv kernel', cpuConv],
        ['wasm stock', wasmStock],
        ['wasm + kernels', wasm],
      ] as const) {
        rows.push({
          model: name,
          config,
          'steps/s (wall)': typeof t === 'string' ? t : fmt(1000 / t.wallMs, 2),
          'ms/step wall': typeof t === 'string' ? '—' : fmt(t.wallMs),
          'ms/step CPU': typeof t === 'string' ? '—' : fmt(t.cpuMs),
          'wasm+kernels speed-up (wall)': ratio(t, 'wallMs'),
          'speed-up (CPU time)': ratio(t, 'cpuMs'),
        });
      }
    }
    console.log('\nTraining step: wasm + multitask kernels vs the stock tfjs backends');
    console.table(rows);

    // 2. Where the time goes.
    const prof: Record<string, string | number>[] = [];
    for (const [name, config, make] of [
      ['Multi-LeNet', 'wasm + kernels', lenet],
      [
        'Multi-LeNet, fused conv/dense ops',
        'wasm + kernels',
        (): BenchModel => multiLeNet(64, { fused: true }),
      ],
      [
        'Multi-LeNet, fused + SGD',
        'wasm + kernels',
        (): BenchModel => multiLeNet(64, { fused: true, optimizer: 'sgd' }),
      ],
      ['MLP', 'wasm stock', mlp],
      ['MLP', 'wasm + kernels', mlp],
      ['MLP, fused dense ops', 'wasm + kernels', (): BenchModel => twoHeadMlp(128, { fused: true })],
      [
        'MLP, fused + SGD',
        'wasm + kernels',
        (): BenchModel => twoHeadMlp(128, { fused: true, optimizer: 'sgd' }),
      ],
    ] as const) {
      const p = await profileStep(config, make);
      prof.push({
        model: name,
        config,
        'kernels/step': p.kernels,
        'kernel ms': fmt(p.kernelMs),
        'µs/kernel': fmt((p.kernelMs * 1000) / p.kernels, 0),
        'profiled step ms': fmt(p.stepMs),
        'top kernels (count, total ms)': p.top,
      });
    }
    console.log('\nWhere the time goes (tf.profile of one step; profiling adds overhead to the step time)');
    console.table(prof);

    // 3. matmul GFLOP/s vs numpy.
    await use('wasm + kernels');
    const n = 1024;
    const a = tf.randomUniform([n, n], 0, 1, 'float32', 1);
    const b = tf.randomUniform([n, n], 0, 1, 'float32', 2);
    const mm: Record<string, string | number>[] = [];
    const ours = {
      nn: gflops(n, () => tf.matMul(a, b)),
      ta: gflops(n, () => tf.matMul(a, b, true, false)),
      tb: gflops(n, () => tf.matMul(a, b, false, true)),
    };
    await use('wasm stock');
    const stock = {
      ta: gflops(n, () => tf.matMul(a, b, true, false)),
      tb: gflops(n, () => tf.matMul(a, b, false, true)),
    };
    tf.dispose([a, b]);
    const np1 = numpyMatmulGflops(n, 1);
    const npAll = numpyMatmulGflops(n, cpus().length);
    mm.push({
      case: `${n}² NN`,
      'wasm + kernels': fmt(ours.nn),
      'wasm stock': fmt(ours.nn),
      'numpy 1 thread': np1 === null ? 'skipped (no numpy)' : fmt(np1),
      [`numpy ${cpus().length} threads`]: npAll === null ? '—' : fmt(npAll),
      'wasm / numpy 1 thread': np1 === null ? '—' : `${fmt((100 * ours.nn) / np1, 0)} %`,
    });
    mm.push({
      case: `${n}² transposeA`,
      'wasm + kernels': fmt(ours.ta),
      'wasm stock': fmt(stock.ta),
      'numpy 1 thread': '',
      [`numpy ${cpus().length} threads`]: '',
      'wasm / numpy 1 thread': np1 === null ? '—' : `${fmt((100 * ours.ta) / np1, 0)} %`,
    });
    mm.push({
      case: `${n}² transposeB`,
      'wasm + kernels': fmt(ours.tb),
      'wasm stock': fmt(stock.tb),
      'numpy 1 thread': '',
      [`numpy ${cpus().length} threads`]: '',
      'wasm / numpy 1 thread': np1 === null ? '—' : `${fmt((100 * ours.tb) / np1, 0)} %`,
    });
    console.log('\nmatmul float32 GFLOP/s (best of 5; wasm is single-threaded)');
    console.table(mm);

    // 4. PyTorch reference for the Multi-LeNet step, same thread count as wasm (1).
    const torch1 = torchMultiLeNetStepMs(1, 30);
    if (torch1 === null) {
      console.log('\nPyTorch row skipped: torch is not importable by python3.');
    } else {
      await use('wasm + kernels');
      const ours1 = await measure('wasm + kernels', lenet, 3, 30);
      const oursMs = typeof ours1 === 'string' ? NaN : ours1.wallMs;
      console.log('\nMulti-LeNet step, 1 thread each (median wall ms)');
      console.table([
        {
          'PyTorch (1 thread)': fmt(torch1),
          'wasm + kernels': fmt(oursMs),
          'wasm time / PyTorch time': `${fmt(oursMs / torch1, 2)}×`,
        },
      ]);
    }
  });
});
