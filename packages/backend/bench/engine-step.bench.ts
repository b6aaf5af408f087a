/**
 * Child of engines.bench.ts: times the bench models on ONE engine in a process of its own (TensorFlow reads its
 * thread counts once, at load). Does nothing unless MULTITASK_BENCH_ENGINE is set; prints one `@@engine-step` JSON
 * line per case.
 *
 *   MULTITASK_BENCH_ENGINE=tensorflow TF_NUM_INTRAOP_THREADS=1 MULTITASK_BENCH_CASES='[{"model":"lenet","batch":64,"steps":10}]' \
 *     npx vitest run --config vitest.bench.config.ts bench/engine-step.bench.ts
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend, type BackendName } from '../src/index.ts';
import { multiLeNet, twoHeadMlp, type BenchModel } from './models.ts';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js'; // the backend package does not depend on core

/** One measurement asked of this child. */
export interface EngineCase {
  readonly model: 'lenet' | 'mlp';
  readonly batch: number;
  readonly steps: number;
}

const engine = process.env.MULTITASK_BENCH_ENGINE as BackendName | undefined;

describe.skipIf(engine === undefined)('one engine', () => {
  it('times the asked cases', async () => {
    tf.enableProdMode();
    const s = await selectBackend({ prefer: engine!, strict: true });
    expect(tf.getBackend()).toBe(engine);
    const cases = JSON.parse(process.env.MULTITASK_BENCH_CASES ?? '[]') as EngineCase[];
    for (const c of cases) {
      const model: BenchModel = c.model === 'lenet' ? multiLeNet(c.batch) : twoHeadMlp(c.batch);
      try {
        for (let i = 0; i < Math.min(3, c.steps); i++) model.step();
        const walls: number[] = [];
        const c0 = process.cpuUsage();
        for (let i = 0; i < c.steps; i++) {
          const t = performance.now();
          model.step();
          walls.push(performance.now() - t);
        }
        const cpu = process.cpuUsage(c0);
        walls.sort((a, b) => a - b);
        const out = {
          ...c,
          engine,
          threads: s.threads,
          wallMs: walls[Math.floor(walls.length / 2)]!,
          cpuMs: (cpu.user + cpu.system) / 1000 / c.steps,
        };
        console.log(`@@engine-step ${JSON.stringify(out)}`);
      } finally {
        model.dispose();
      }
    }
  });
});
