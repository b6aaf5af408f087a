/**
 * Cost of `weights()` (plain numbers, no tensors) per Gramian strategy at T = 2, 4, 8, and of `aggregate()` for
 * the Jacobian aggregators (n = 4096, cpu backend). Problems: random full-rank Jacobians (seeded), 8 different
 * Gramians per T cycled. Prints µs per call and the ratio to MGDA at the same T, measured in this one run.
 * Run: `npx vitest run --config vitest.bench.config.ts bench/strategies.bench.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { Rng, type GradientContext, type GramianWeighting, type JacobianAggregator } from '@multitask/core';
import {
  alignedMtlWeighting,
  cagradWeighting,
  dualprojWeighting,
  fairgradWeighting,
  graddropAggregator,
  gradvacAggregator,
  imtlGWeighting,
  mgdaWeighting,
  nashMtlWeighting,
  pcgradWeighting,
  upgradWeighting,
} from '../src/index.ts';
import { gramianFromRows, randomJacobian } from '../src/testing/index.ts';

const gramianStrategies: Record<string, () => GramianWeighting> = {
  mgda: () => mgdaWeighting(),
  pcgrad: () => pcgradWeighting(),
  cagrad: () => cagradWeighting(),
  'imtl-g': () => imtlGWeighting(),
  'aligned-mtl': () => alignedMtlWeighting(),
  upgrad: () => upgradWeighting(),
  dualproj: () => dualprojWeighting(),
  'nash-mtl': () => nashMtlWeighting(),
  fairgrad: () => fairgradWeighting({ alpha: 2 }),
  gradvac: () => gradvacAggregator(),
};

const context = (t: number, rng: Rng): GradientContext => ({
  step: 0,
  epoch: 0,
  tasks: Array.from({ length: t }, (_, i) => `t${i}`),
  rng,
  losses: new Array<number>(t).fill(1),
  mode: 'parameters',
});

function timeIt(fn: () => void, minMs = 150): number {
  for (let i = 0; i < 5; i++) fn(); // warm-up
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    fn();
    calls++;
  }
  return ((performance.now() - start) * 1000) / calls; // µs per call
}

it('weights() cost per Gramian strategy (plain numbers)', () => {
  const rows: Record<string, string | number>[] = [];
  for (const t of [2, 4, 8]) {
    const gs = Array.from({ length: 8 }, (_, k) =>
      gramianFromRows(randomJacobian(new Rng(100 + k), { tasks: t, dim: 64 })),
    );
    const rng = new Rng(1);
    const ctx = context(t, rng);
    const results: Record<string, number> = {};
    for (const [name, make] of Object.entries(gramianStrategies)) {
      const s = make();
      let k = 0;
      results[name] = timeIt(() => s.weights(gs[k++ % gs.length]!, ctx));
    }
    for (const [name, us] of Object.entries(results)) {
      rows.push({
        T: t,
        strategy: name,
        'µs/call': Number(us.toFixed(2)),
        'vs mgda': Number((us / results.mgda!).toFixed(2)),
      });
    }
  }
  console.table(rows);
});

it('aggregate() cost per Jacobian aggregator (cpu backend, n = 4096)', () => {
  const rows: Record<string, string | number>[] = [];
  const aggregators: Record<string, () => JacobianAggregator> = {
    graddrop: graddropAggregator,
  };
  for (const t of [2, 4, 8]) {
    const j = tf.tensor2d(randomJacobian(new Rng(7), { tasks: t, dim: 4096 }));
    const ctx = context(t, new Rng(3));
    const sum = timeIt(() => {
      const d = tf.sum(j, 0);
      d.dataSync();
      d.dispose();
    });
    for (const [name, make] of Object.entries(aggregators)) {
      const a = make();
      const us = timeIt(() => {
        const d = tf.tidy(() => a.aggregate(j, ctx));
        d.dataSync();
        d.dispose();
      });
      rows.push({
        T: t,
        aggregator: name,
        'µs/call': Number(us.toFixed(1)),
        'vs plain sum': Number((us / sum).toFixed(2)),
      });
    }
    j.dispose();
  }
  console.table(rows);
});
