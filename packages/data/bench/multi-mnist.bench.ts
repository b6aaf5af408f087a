/**
 * MultiMNIST loading and batch production. Prints: time to read MNIST (60k + 10k) and build both sets, and
 * the time to produce one B=64 batch (render + tensors), against the lab's ~60 ms Multi-LeNet step on wasm
 * (LAB-NOTES.md §3: LeNet 36², B=64, wasm + all patches: 58–64 ms).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { disposeBatch, type Batch } from '@multitask/core';
import { multiDigitSource } from '../src/index.ts';
import { loadMnist, loadMultiMnist } from '../src/node/index.ts';

const LAB_STEP_MS = 60;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

it('MultiMNIST: load + build time and batch production time', async () => {
  const t0 = performance.now();
  const [train, test] = await Promise.all([
    loadMultiMnist('train', { seed: 1 }),
    loadMultiMnist('test', { seed: 2 }),
  ]);
  const loadMs = performance.now() - t0;
  expect(train.size + test.size).toBe(70000);

  const mnist = await loadMnist('train');
  const t1 = performance.now();
  multiDigitSource({ left: mnist, seed: 3 });
  const buildOnlyMs = performance.now() - t1;

  const rows: Record<string, string | number>[] = [];
  for (const [label, src] of [
    ['36×36, max', train],
    ['28×28 (resized), max', multiDigitSource({ left: mnist, seed: 1, size: 28 })],
    ['36×36, sum, maxShift 2', multiDigitSource({ left: mnist, seed: 1, overlap: 'sum', maxShift: 2 })],
  ] as const) {
    const times: number[] = [];
    let n = 0;
    const cpu0 = process.cpuUsage();
    let last = performance.now();
    for await (const step of src.batches({ batchSize: 64, shuffle: true, seed: 1 })) {
      const now = performance.now();
      times.push(now - last);
      disposeBatch(step as Batch);
      if (++n === 300) break;
      last = performance.now();
    }
    const cpu = process.cpuUsage(cpu0);
    const cpuPerBatch = (cpu.user + cpu.system) / 1000 / times.length;
    const med = median(times);
    rows.push({
      set: label,
      'batch B=64 median ms': med.toFixed(3),
      'mean ms': (times.reduce((a, b) => a + b, 0) / times.length).toFixed(3),
      'p95 ms': [...times].sort((a, b) => a - b)[Math.floor(times.length * 0.95)]!.toFixed(3),
      'CPU ms per batch': cpuPerBatch.toFixed(3),
      'CPU share of a 60 ms step': `${((100 * cpuPerBatch) / LAB_STEP_MS).toFixed(2)} %`,
    });
  }
  console.log(`backend: ${tf.getBackend()}`);
  console.table([
    { what: 'read MNIST 60k+10k and build MultiMNIST train+test', ms: loadMs.toFixed(1) },
    { what: 'build MultiMNIST train from loaded MNIST (pairing)', ms: buildOnlyMs.toFixed(1) },
  ]);
  console.table(rows);
});
