/**
 * `pnpm bench`, the engines table: Multi-LeNet and the two-head MLP training step (Adam), B = 64 and 256, on wasm +
 * multitask's kernels, tfjs-node with 1 and 2 intra-op threads, cpu (B = 64 only) and — where python has torch
 * (MULTITASK_BENCH_PYTHON, else python3) — PyTorch with 1 and 2 threads as reference rows. Every engine runs in a
 * child process of its own (TensorFlow reads its thread counts at load), one after the other, in this one run.
 * tfjs-node rows are skipped when its addon is not built (`pnpm native`).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { runBenchChild } from './child.ts';
import type { EngineCase } from './engine-step.bench.ts';

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const CASES: readonly (readonly ['lenet' | 'mlp', number])[] = [
  ['lenet', 64],
  ['lenet', 256],
  ['mlp', 64],
  ['mlp', 256],
];
const NAMES = { lenet: 'Multi-LeNet 36×36', mlp: 'MLP 784-256-256' } as const;

/** Runs engine-step.bench.ts in a child with `env`; returns timings keyed "model/batch", or a reason. */
function runEngine(env: Record<string, string>, cases: EngineCase[]): Map<string, Timing> | string {
  const r = runBenchChild(
    'bench/engine-step.bench.ts',
    { ...env, MULTITASK_BENCH_CASES: JSON.stringify(cases), TF_CPP_MIN_LOG_LEVEL: '2' },
    1_200_000,
  );
  const out = r.output;
  // vitest may put colour codes before a test's first output line: match anywhere in the line
  const lines = [...out.matchAll(/@@engine-step (\{.*\})/g)].map((m) => m[1]!);
  if (lines.length === 0) {
    const why = out.split('\n').find((l) => /Error|could not start/.test(l)) ?? `exit ${String(r.status)}`;
    return why.trim().slice(0, 160);
  }
  const m = new Map<string, Timing>();
  for (const l of lines) {
    const o = JSON.parse(l) as EngineCase & Timing;
    m.set(`${o.model}/${o.batch}`, { wallMs: o.wallMs, cpuMs: o.cpuMs });
  }
  return m;
}

function torchStep(python: string, model: string, batch: number, threads: number): Timing | null {
  const r = spawnSync(
    python,
    [
      join(here, 'reference/step.py'),
      '--model',
      model,
      '--batch',
      String(batch),
      '--threads',
      String(threads),
      '--steps',
      '20',
    ],
    { encoding: 'utf8', timeout: 600_000 },
  );
  if (r.status !== 0) return null;
  const o = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { wall_ms: number; cpu_ms: number };
  return { wallMs: o.wall_ms, cpuMs: o.cpu_ms };
}

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

describe.skipIf(process.env.MULTITASK_BENCH_ENGINE !== undefined)('engines', () => {
  it('prints one table: ms per training step on every engine, and the ratio to PyTorch with 1 thread', () => {
    console.log(
      `1-min load average at start: ${loadavg()[0]!.toFixed(2)} (every row below is from this one run)`,
    );
    const steps = (model: string, batch: number, engine: string): number =>
      engine === 'cpu' ? (model === 'lenet' ? 2 : 5) : batch === 256 ? 8 : 15;
    const all = (engine: string, batches: number[]): EngineCase[] =>
      CASES.filter(([, b]) => batches.includes(b)).map(([model, batch]) => ({
        model,
        batch,
        steps: steps(model, batch, engine),
      }));
    const engines: [string, Map<string, Timing> | string][] = [
      ['wasm + kernels', runEngine({ MULTITASK_BENCH_ENGINE: 'wasm' }, all('wasm', [64, 256]))],
      [
        'tfjs-node, 1 thread',
        runEngine(
          { MULTITASK_BENCH_ENGINE: 'tensorflow', TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' },
          all('tensorflow', [64, 256]),
        ),
      ],
      [
        'tfjs-node, 2 threads',
        runEngine(
          { MULTITASK_BENCH_ENGINE: 'tensorflow', TF_NUM_INTRAOP_THREADS: '2', TF_NUM_INTEROP_THREADS: '2' },
          all('tensorflow', [64, 256]),
        ),
      ],
      ['cpu + conv kernel', runEngine({ MULTITASK_BENCH_ENGINE: 'cpu' }, all('cpu', [64]))],
    ];
    const python = process.env.MULTITASK_BENCH_PYTHON ?? 'python3';
    for (const threads of [1, 2]) {
      const m = new Map<string, Timing>();
      for (const [model, batch] of CASES) {
        const t = torchStep(python, model, batch, threads);
        if (t !== null) m.set(`${model}/${batch}`, t);
      }
      engines.push([
        `PyTorch, ${threads} thread${threads > 1 ? 's' : ''} (reference)`,
        m.size > 0 ? m : `skipped: ${python} cannot import torch`,
      ]);
    }
    const torch1 = engines.find(([n]) => n.startsWith('PyTorch, 1'))![1];
    const rows: Record<string, string>[] = [];
    for (const [model, batch] of CASES) {
      for (const [name, res] of engines) {
        const key = `${model}/${batch}`;
        const t = typeof res === 'string' ? undefined : res.get(key);
        if (typeof res !== 'string' && t === undefined) continue; // cpu: B = 64 only
        const ref = typeof torch1 === 'string' ? undefined : torch1.get(key);
        rows.push({
          model: `${NAMES[model]}, B=${batch}`,
          engine: name,
          'ms/step wall (median)': t === undefined ? (res as string) : fmt(t.wallMs),
          'ms/step CPU': t === undefined ? '—' : fmt(t.cpuMs),
          '× PyTorch 1 thread (wall)':
            t === undefined || ref === undefined ? '—' : `${(t.wallMs / ref.wallMs).toFixed(2)}×`,
          '× PyTorch 1 thread (CPU)':
            t === undefined || ref === undefined ? '—' : `${(t.cpuMs / ref.cpuMs).toFixed(2)}×`,
        });
      }
    }
    console.log('\nTraining step (Adam, two softmax heads), every engine, same run');
    console.table(rows);
  });
});
