/** Test helpers: pairwise grids, running one computation on a given backend, and error measures. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * A pairwise covering of the cartesian product of `axes`: every pair of values of every two axes occurs in at
 * least one returned point. Greedy (deterministic): repeatedly take the point of the full product that covers the
 * most uncovered pairs.
 */
export function pairwise<T extends Record<string, readonly unknown[]>>(
  axes: T,
): { [K in keyof T]: T[K][number] }[] {
  const keys = Object.keys(axes);
  const all: number[][] = [[]];
  for (const k of keys) {
    const n = axes[k]!.length;
    const next: number[][] = [];
    for (const p of all) for (let i = 0; i < n; i++) next.push([...p, i]);
    all.splice(0, all.length, ...next);
  }
  const pairKey = (a: number, i: number, b: number, j: number): string => `${a}:${i}|${b}:${j}`;
  const uncovered = new Set<string>();
  for (let a = 0; a < keys.length; a++)
    for (let b = a + 1; b < keys.length; b++)
      for (let i = 0; i < axes[keys[a]!]!.length; i++)
        for (let j = 0; j < axes[keys[b]!]!.length; j++) uncovered.add(pairKey(a, i, b, j));
  const chosen: number[][] = [];
  while (uncovered.size > 0) {
    let best = all[0]!;
    let bestGain = -1;
    for (const p of all) {
      let gain = 0;
      for (let a = 0; a < keys.length; a++)
        for (let b = a + 1; b < keys.length; b++) if (uncovered.has(pairKey(a, p[a]!, b, p[b]!))) gain++;
      if (gain > bestGain) {
        bestGain = gain;
        best = p;
      }
    }
    for (let a = 0; a < keys.length; a++)
      for (let b = a + 1; b < keys.length; b++) uncovered.delete(pairKey(a, best[a]!, b, best[b]!));
    chosen.push(best);
  }
  return chosen.map(
    (p) => Object.fromEntries(keys.map((k, i) => [k, axes[k]![p[i]!]])) as { [K in keyof T]: T[K][number] },
  );
}

/** Runs `f` with `backend` active and returns copies of the values of the tensors it returns. */
export function valuesOn(backend: string, f: () => tf.Tensor | tf.Tensor[]): Float32Array[] {
  const previous = tf.getBackend();
  tf.setBackend(backend);
  try {
    const out = tf.tidy(f);
    const list = Array.isArray(out) ? out : [out];
    const values = list.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(list);
    return values;
  } finally {
    tf.setBackend(previous);
  }
}

/** ‖got − want‖∞ / max(‖want‖∞, 1e-6): the relative error the tests bound. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return Number.isNaN(diff) ? Infinity : diff / scale;
}

/** A deterministic pseudo-random array in [-1, 1) (mulberry32), independent of any backend. */
export function randomArray(size: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}
