import { describe, expect, it } from 'vitest';
import { Rng } from '@multitask/core';
import { taskSchedule } from '../src/index.ts';

function frequencies(pick: (step: number, rng: Rng) => number, k: number, draws = 10_000): number[] {
  const rng = new Rng(42);
  const counts = new Array<number>(k).fill(0);
  for (let s = 0; s < draws; s++) counts[pick(s, rng)]! += 1;
  return counts.map((c) => c / draws);
}

describe('taskSchedule', () => {
  const sizes = [6000, 3000, 1000];

  it('proportional: frequencies within 2 % of size shares over 10k draws', () => {
    // expected shares: 6000/10000, 3000/10000, 1000/10000
    const f = frequencies(taskSchedule('proportional', sizes).pick, 3);
    [0.6, 0.3, 0.1].forEach((p, i) => expect(Math.abs(f[i]! - p)).toBeLessThan(0.02));
  });

  it('temperature: p ∝ n^(1/T) within 2 % over 10k draws; T → ∞ tends to uniform', () => {
    // T = 2: √6000 : √3000 : √1000 = 77.460 : 54.772 : 31.623 (sum 163.855) → 0.4727, 0.3343, 0.1930
    const s = taskSchedule({ type: 'temperature', temperature: 2 }, sizes);
    const f = frequencies(s.pick, 3);
    [0.4727, 0.3343, 0.193].forEach((p, i) => {
      expect(s.probabilities[i]).toBeCloseTo(p, 3);
      expect(Math.abs(f[i]! - p)).toBeLessThan(0.02);
    });
    const hot = taskSchedule({ type: 'temperature', temperature: 1e6 }, sizes);
    hot.probabilities.forEach((p) => expect(p).toBeCloseTo(1 / 3, 4));
    const fh = frequencies(hot.pick, 3);
    fh.forEach((p) => expect(Math.abs(p - 1 / 3)).toBeLessThan(0.02));
    // T = 1 is proportional
    taskSchedule({ type: 'temperature', temperature: 1 }, sizes).probabilities.forEach((p, i) =>
      expect(p).toBeCloseTo([0.6, 0.3, 0.1][i]!, 10),
    );
  });

  it('round-robin cycles; sequential runs blocks of batch counts', () => {
    const rr = taskSchedule('round-robin', sizes);
    const rng = new Rng(1);
    expect(Array.from({ length: 7 }, (_, s) => rr.pick(s, rng))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    const f = frequencies(rr.pick, 3);
    f.forEach((p) => expect(Math.abs(p - 1 / 3)).toBeLessThan(0.02));
    const seq = taskSchedule('sequential', [3, 1, 2]);
    expect(Array.from({ length: 7 }, (_, s) => seq.pick(s, rng))).toEqual([0, 0, 0, 1, 2, 2, 0]);
  });

  it('rejects bad temperatures and empty tasks', () => {
    expect(() => taskSchedule({ type: 'temperature', temperature: 0 }, sizes)).toThrow(/temperature/);
    expect(() => taskSchedule('proportional', [10, 0])).toThrow(/positive/);
  });
});
