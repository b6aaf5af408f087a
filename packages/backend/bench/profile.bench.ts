/**
 * Kernel profiles of one training step (`tf.profile`): Multi-LeNet and the two-head MLP at B = 256 (and 64), on
 * wasm + multitask's kernels and on tfjs-node with one thread, each engine in a child process of its own. Writes a
 * markdown file (kernel names, counts, ms per kernel, share of the step) — the committed artefacts in
 * bench/profiles/. Does nothing unless MULTITASK_PROFILE names the output:
 *
 *   MULTITASK_PROFILE=after npx vitest run --config vitest.bench.config.ts bench/profile.bench.ts
 *     → bench/profiles/after.md
 *
 * Kernel times are the engine's own per-kernel timer (wall time), then, in separate steps, CPU time per kernel and
 * input shapes (steadier on a loaded machine); a composed kernel (e.g. the wasm Conv2DBackpropFilter) is timed as
 * one kernel, its inner kernels are not listed.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { runBenchChild } from './child.ts';
import { selectBackend, type BackendName } from '../src/index.ts';
import { multiLeNet, twoHeadMlp, type BenchModel } from './models.ts';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';

const here = dirname(fileURLToPath(import.meta.url));
const label = process.env.MULTITASK_PROFILE;
const engine = process.env.MULTITASK_PROFILE_ENGINE as BackendName | undefined;
const CASES: readonly (readonly ['lenet' | 'mlp', number])[] = [
  ['lenet', 256],
  ['mlp', 256],
  ['lenet', 64],
  ['mlp', 64],
];
const PROFILED_STEPS = 5;

interface KernelStat {
  readonly name: string;
  readonly count: number;
  readonly ms: number;
}
/** CPU time per kernel (process user + system around each top-level kernel call), per step. */
interface CpuKernelStat {
  readonly kernel: string;
  readonly count: number;
  readonly cpuMs: number;
}

interface CaseProfile {
  readonly model: string;
  readonly batch: number;
  readonly kernels: number;
  readonly kernelMs: number;
  readonly stepMs: number;
  /** Process CPU time (user + system) per profiled step. */
  readonly cpuMs: number;
  readonly byName: KernelStat[];
  /** Filled by {@link cpuProfile}: CPU ms per step by kernel and input shapes, and the step's CPU outside kernels. */
  cpuByKernel?: CpuKernelStat[];
  cpuStepMs?: number;
}

/** Profiles PROFILED_STEPS steps after 3 warm-up steps; per-step averages. */
async function profileCase(make: () => BenchModel): Promise<Omit<CaseProfile, 'model' | 'batch'>> {
  const model = make();
  try {
    for (let i = 0; i < 3; i++) model.step();
    const by = new Map<string, { n: number; ms: number }>();
    let kernels = 0;
    let kernelMs = 0;
    const t = performance.now();
    const c0 = process.cpuUsage();
    for (let s = 0; s < PROFILED_STEPS; s++) {
      const info = await tf.profile(() => {
        model.step();
      });
      for (const k of info.kernels) {
        const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        kernels += 1;
        kernelMs += ms;
        const e = by.get(k.name) ?? { n: 0, ms: 0 };
        e.n += 1;
        e.ms += ms;
        by.set(k.name, e);
      }
    }
    const stepMs = (performance.now() - t) / PROFILED_STEPS;
    const cpu = process.cpuUsage(c0);
    const cpuMs = (cpu.user + cpu.system) / 1000 / PROFILED_STEPS;
    const byName = [...by]
      .map(([name, e]) => ({ name, count: e.n / PROFILED_STEPS, ms: e.ms / PROFILED_STEPS }))
      .sort((a, b) => b.ms - a.ms);
    return { kernels: kernels / PROFILED_STEPS, kernelMs: kernelMs / PROFILED_STEPS, stepMs, cpuMs, byName };
  } finally {
    model.dispose();
  }
}

/**
 * Wraps every kernel of the active backend so that its top-level calls add their process CPU time to a table keyed
 * by kernel name and input shapes (a kernel called from inside another counts for the outer one). tf.profile's
 * timer gives wall time, which a loaded machine inflates unevenly; CPU time is steadier.
 */
function cpuProfile(make: () => BenchModel, steps: number): { byKernel: CpuKernelStat[]; stepMs: number } {
  const backendName = tf.getBackend();
  const acc = new Map<string, { n: number; us: number }>();
  let depth = 0;
  const originals = tf.getKernelsForBackend(backendName);
  for (const cfg of originals) {
    const inner = cfg.kernelFunc;
    tf.unregisterKernel(cfg.kernelName, backendName);
    tf.registerKernel({
      ...cfg,
      kernelFunc: (args) => {
        if (depth > 0) return inner(args);
        depth++;
        const c = process.cpuUsage();
        try {
          return inner(args);
        } finally {
          depth--;
          const d = process.cpuUsage(c);
          const shapes = Object.values(args.inputs)
            .map((t) => (t === undefined ? '' : t.shape.join('×')))
            .join(', ');
          const key = `${cfg.kernelName} (${shapes})`;
          const e = acc.get(key) ?? { n: 0, us: 0 };
          e.n += 1;
          e.us += d.user + d.system;
          acc.set(key, e);
        }
      },
    });
  }
  const model = make();
  try {
    for (let i = 0; i < 3; i++) model.step();
    acc.clear();
    const c0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) model.step();
    const d0 = process.cpuUsage(c0);
    const byKernel = [...acc]
      .map(([kernel, e]) => ({ kernel, count: e.n / steps, cpuMs: e.us / 1000 / steps }))
      .sort((a, b) => b.cpuMs - a.cpuMs);
    return { byKernel, stepMs: (d0.user + d0.system) / 1000 / steps };
  } finally {
    model.dispose();
    for (const cfg of originals) {
      tf.unregisterKernel(cfg.kernelName, backendName);
      tf.registerKernel(cfg);
    }
  }
}

const f2 = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function markdown(engineTitle: string, profiles: readonly CaseProfile[]): string {
  const out: string[] = [];
  for (const p of profiles) {
    out.push(
      `### ${engineTitle} — ${p.model === 'lenet' ? 'Multi-LeNet 36×36' : 'MLP 784-256-256'}, B = ${p.batch}`,
      '',
      `${f2(p.kernels)} kernels per step, ${f2(p.kernelMs)} ms in kernels, ${f2(p.stepMs)} ms per profiled step (wall), ${f2(p.cpuMs)} ms CPU (process user + system).`,
      '',
      '| kernel | per step | ms per step | µs per call | share of kernel time |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    const top = p.byName.slice(0, 14);
    for (const k of top) {
      out.push(
        `| ${k.name} | ${f2(k.count)} | ${f2(k.ms)} | ${((k.ms * 1000) / k.count).toFixed(0)} | ${((100 * k.ms) / p.kernelMs).toFixed(1)} % |`,
      );
    }
    const rest = p.byName.slice(top.length);
    if (rest.length > 0) {
      const n = rest.reduce((s, k) => s + k.count, 0);
      const ms = rest.reduce((s, k) => s + k.ms, 0);
      out.push(
        `| ${rest.length} other kernels | ${f2(n)} | ${f2(ms)} | ${((ms * 1000) / n).toFixed(0)} | ${((100 * ms) / p.kernelMs).toFixed(1)} % |`,
      );
    }
    out.push('');
    if (p.cpuByKernel !== undefined && p.cpuStepMs !== undefined) {
      const inKernels = p.cpuByKernel.reduce((a, k) => a + k.cpuMs, 0);
      out.push(
        `CPU time by kernel and input shapes (kernels wrapped with \`process.cpuUsage\`, separate steps): ${f2(p.cpuStepMs)} ms CPU per step, ${f2(inKernels)} ms in kernels, ${f2(p.cpuStepMs - inKernels)} ms outside (engine, tape, optimizer bookkeeping, JavaScript random numbers).`,
        '',
        '| kernel (input shapes) | per step | CPU ms per step | share of step |',
        '| --- | ---: | ---: | ---: |',
      );
      for (const k of p.cpuByKernel.slice(0, 12)) {
        out.push(
          `| ${k.kernel} | ${f2(k.count)} | ${f2(k.cpuMs)} | ${((100 * k.cpuMs) / p.cpuStepMs).toFixed(1)} % |`,
        );
      }
      out.push('');
    }
  }
  return out.join('\n');
}

describe.skipIf(engine === undefined)('profile one engine (child)', () => {
  it('prints the profiles as JSON', async () => {
    tf.enableProdMode();
    await selectBackend({ prefer: engine!, strict: true });
    expect(tf.getBackend()).toBe(engine);
    const profiles: CaseProfile[] = [];
    for (const [model, batch] of CASES) {
      const make = (): BenchModel => (model === 'lenet' ? multiLeNet(batch) : twoHeadMlp(batch));
      const p: CaseProfile = { model, batch, ...(await profileCase(make)) };
      const cpu = cpuProfile(make, PROFILED_STEPS);
      p.cpuByKernel = cpu.byKernel;
      p.cpuStepMs = cpu.stepMs;
      profiles.push(p);
    }
    console.log(`@@profile ${JSON.stringify(profiles)}`);
  });
});

describe.skipIf(label === undefined || engine !== undefined)('profiles', () => {
  it(`writes bench/profiles/${label ?? ''}.md`, () => {
    const load0 = loadavg()[0]!;
    const sections: string[] = [];
    for (const [name, title, env] of [
      ['wasm', 'wasm + kernels', {}],
      [
        'tensorflow',
        'tfjs-node, 1 thread',
        { TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1', TF_CPP_MIN_LOG_LEVEL: '2' },
      ],
    ] as const) {
      const r = runBenchChild(
        'bench/profile.bench.ts',
        { ...env, MULTITASK_PROFILE_ENGINE: name },
        1_200_000,
      );
      const m = /@@profile (\[.*\])/.exec(r.output);
      if (m === null) {
        sections.push(
          `### ${title}\n\nnot profiled (exit ${String(r.status)}; \`pnpm native\` builds tfjs-node)\n`,
        );
        continue;
      }
      sections.push(markdown(title, JSON.parse(m[1]!) as CaseProfile[]));
    }
    const text = [
      `# Training-step kernel profiles: ${label!}`,
      '',
      'Written by `MULTITASK_PROFILE=' +
        label! +
        ' npx vitest run --config vitest.bench.config.ts bench/profile.bench.ts` (packages/backend).',
      `Adam, two softmax heads, fixed random batch; \`tf.profile\` of ${PROFILED_STEPS} steps after 3 warm-up steps,`,
      'per-step averages. Kernel times are wall times from the engine timer; the machine is shared (2 vCPU,',
      `1-min load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at the end), so compare shares and`,
      `ratios within one file rather than absolute times. ${cpus()[0]?.model ?? ''}, Node ${process.version}.`,
      '',
      ...sections,
    ].join('\n');
    mkdirSync(join(here, 'profiles'), { recursive: true });
    writeFileSync(join(here, 'profiles', `${label!}.md`), text);
    console.log(text);
  });
});
