/**
 * `pnpm bench`: step cost of each loss-weighting strategy against static (equal) weighting, in a hand-written
 * tfjs loop on the same small multi-task MLP (input 32 → 64 → 64, T linear regression heads, batch 64, Adam).
 * A step is `tf.variableGrads(() => strategy.combine(losses))` + `applyGradients` + the strategy's `afterStep`
 * (FAMO's needs the losses after the update: their recomputation, one extra forward pass, is *not* included —
 * it is the trainer's price for FAMO and is reported separately as "famo + re-forward").
 * Blocks of steps of every strategy are interleaved so they all see the same machine load; the table prints the
 * median step time and its ratio to static for T = 2 and T = 8.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import { Rng, type LossWeighting } from '@multitask/core';
import { describe, it } from 'vitest';
import {
  dynamicWeightAverage,
  famoWeighting,
  geometricLossWeighting,
  randomLossWeighting,
  staticWeighting,
  uncertaintyWeighting,
} from '../src/index.ts';
import { registerGradients } from '@multitask/core';

registerGradients(); // tfjs-core registers no gradients by itself (explicit, once per process)

const B = 64;
const D = 32;
const H = 64;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function init(rng: Rng, shape: [number, number]): Variable {
  return tf.tidy(() =>
    tf.variable(tf.randomNormal(shape, 0, Math.sqrt(1 / shape[0]), 'float32', rng.opSeed())),
  );
}

interface Candidate {
  readonly label: string;
  readonly make: () => LossWeighting;
  readonly reForward?: boolean;
}

const candidates: readonly Candidate[] = [
  { label: 'static', make: () => staticWeighting() },
  { label: 'uncertainty', make: () => uncertaintyWeighting() },
  { label: 'dwa', make: () => dynamicWeightAverage() },
  { label: 'rlw', make: () => randomLossWeighting() },
  { label: 'gls', make: () => geometricLossWeighting() },
  { label: 'famo', make: () => famoWeighting() },
  { label: 'famo + re-forward', make: () => famoWeighting(), reForward: true },
];

function run(T: number, rounds: number, block: number): Record<string, string | number>[] {
  const rng = new Rng(1);
  const tasks = Array.from({ length: T }, (_, i) => `t${i}`);
  const x = tf.randomNormal([B, D], 0, 1, 'float32', rng.opSeed());
  const ys = tasks.map(() => tf.randomNormal([B, 1], 0, 1, 'float32', rng.opSeed()));
  const setups = candidates.map((c) => {
    const shared = [init(rng, [D, H]), init(rng, [H, H])];
    const heads = tasks.map(() => init(rng, [H, 1]));
    const strategy = c.make();
    const optimizer = tf.train.adam(1e-3);
    return { c, shared, heads, strategy, optimizer, times: [] as number[], step: 0 };
  });
  type Setup = (typeof setups)[number];
  const lossesOf = (s: Setup): Scalar[] => {
    const z = tf.relu(tf.matMul(tf.relu(tf.matMul(x, s.shared[0]!)), s.shared[1]!));
    return s.heads.map((h, k) => tf.mean<Scalar>(tf.square(tf.sub(tf.matMul(z, h), ys[k]!))));
  };
  const step = (s: Setup): void => {
    const context = { step: s.step, epoch: 0, tasks, rng };
    const before = tf.tidy(() => {
      let values: Tensor[] = [];
      const vars = [...s.shared, ...s.heads, ...(s.strategy.variables ?? [])];
      const { grads } = tf.variableGrads(() => {
        const losses = lossesOf(s);
        values = losses.map((l) => tf.keep(tf.clone(l)));
        return s.strategy.combine(losses, context);
      }, vars);
      s.optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      return values;
    });
    const losses = before.map((t) => t.dataSync()[0]!);
    tf.dispose(before);
    let lossesAfter: number[] | undefined;
    if (s.strategy.needsLossesAfterStep === true) {
      lossesAfter =
        s.c.reForward === true
          ? tf.tidy(() => lossesOf(s).map((l) => l.dataSync()[0]!))
          : losses.map((l) => l * 0.99);
    }
    s.strategy.afterStep?.({ ...context, losses, ...(lossesAfter === undefined ? {} : { lossesAfter }) });
    s.step++;
  };
  for (const s of setups) for (let i = 0; i < 3; i++) step(s); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const s of setups) {
      const t0 = performance.now();
      for (let i = 0; i < block; i++) step(s);
      s.times.push((performance.now() - t0) / block);
    }
  }
  const base = median(setups[0]!.times);
  const rows = setups.map((s) => ({
    T,
    strategy: s.c.label,
    'median step (ms)': Number(median(s.times).toFixed(3)),
    'ratio to static': Number((median(s.times) / base).toFixed(3)),
  }));
  for (const s of setups) {
    s.strategy.dispose();
    s.optimizer.dispose();
    tf.dispose([...s.shared, ...s.heads]);
  }
  tf.dispose([x, ...ys]);
  return rows;
}

/** `combine` plus its backward pass alone, on T scalar losses (no model): µs per call, interleaved blocks. */
function combineOnly(T: number, rounds: number, block: number): Record<string, string | number>[] {
  const tasks = Array.from({ length: T }, (_, i) => `t${i}`);
  const rng = new Rng(2);
  const losses = tasks.map((_, i) => tf.scalar(0.5 + i));
  const setups = candidates
    .filter((c) => c.reForward !== true)
    .map((c) => ({ c, strategy: c.make(), times: [] as number[] }));
  const call = (s: (typeof setups)[number]): void => {
    tf.tidy(() => {
      const f = (...ls: Tensor[]): Scalar =>
        s.strategy.combine(ls as Scalar[], { step: 0, epoch: 0, tasks, rng });
      const grads = tf.grads(f)(losses);
      grads[0]!.dataSync();
    });
  };
  for (const s of setups) for (let i = 0; i < 5; i++) call(s);
  for (let r = 0; r < rounds; r++) {
    for (const s of setups) {
      const t0 = performance.now();
      for (let i = 0; i < block; i++) call(s);
      s.times.push(((performance.now() - t0) / block) * 1000);
    }
  }
  const base = median(setups[0]!.times);
  const rows = setups.map((s) => ({
    T,
    strategy: s.c.label,
    'combine + backward (µs)': Math.round(median(s.times)),
    'ratio to static': Number((median(s.times) / base).toFixed(2)),
  }));
  for (const s of setups) s.strategy.dispose();
  tf.dispose(losses);
  return rows;
}

describe('loss-weighting cost vs static (cpu backend)', () => {
  it('prints the step table (MLP 32→64→64, B = 64)', () => {
    console.table([...run(2, 10, 10), ...run(8, 10, 10)]);
  });
  it('prints the combine-only table', () => {
    console.table([...combineOnly(2, 20, 50), ...combineOnly(8, 20, 50), ...combineOnly(32, 20, 50)]);
  });
});
