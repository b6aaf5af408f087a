import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { StepEvent, TrainingControl } from '@multitask/core';
import { testBackendName } from '@multitask/test-utils';
import { describe, expect, test } from 'vitest';
import { parseConfig, runExperiment } from '../src/index.ts';
import { formatDuration, progressReporter, type ProgressOptions } from '../src/progress.ts';

const control: TrainingControl = { stop: () => undefined };

/** Drives a reporter through `epochs` epochs of `steps` steps with a fake clock advancing `ms` per step. */
function drive(
  options: Omit<ProgressOptions, 'write' | 'now'>,
  plan: { epochs: number; steps: number; ms: number; firstEpoch?: number; announce?: number },
): string[] {
  const writes: string[] = [];
  let clock = 1_000_000;
  const r = progressReporter({ ...options, write: (t) => writes.push(t), now: () => clock });
  r.onTrainBegin!({ epochs: plan.announce ?? plan.epochs, tasks: ['left', 'right'] });
  const first = plan.firstEpoch ?? 0;
  let step = first * plan.steps;
  for (let e = first; e < first + plan.epochs; e++) {
    for (let s = 0; s < plan.steps; s++) {
      clock += plan.ms;
      const event: StepEvent = { step, epoch: e, losses: { left: 0.5 + s, right: 1 }, totalLoss: 0, rows: 8 };
      r.onStepEnd!(event, control);
      step++;
    }
    r.onEpochEnd!({ epoch: e, trainLosses: { left: 0.5, right: 1 }, step, seconds: 1 }, control);
  }
  r.onTrainEnd!({ epochs: plan.epochs, steps: step, stoppedEarly: false });
  return writes;
}

describe('progressReporter', () => {
  test('not a terminal: exactly one plain line per epoch, with run i/N, steps, losses, elapsed and ETA', () => {
    const writes = drive(
      { tty: false, run: { index: 2, total: 3 }, label: 'strategy mgda, seed 1', stepsPerEpoch: 4 },
      { epochs: 2, steps: 4, ms: 1000 },
    );
    expect(writes).toEqual([
      '[run 2/3 · strategy mgda, seed 1] epoch 1/2 · step 4/4 · loss left 0.5000 right 1.0000 · 0:04 elapsed · ETA 0:04 (series 0:12)\n',
      '[run 2/3 · strategy mgda, seed 1] epoch 2/2 · step 4/4 · loss left 0.5000 right 1.0000 · 0:08 elapsed · ETA 0:00 (series 0:08)\n',
    ]);
    expect(writes.join('').includes('\r') || writes.join('').includes('\u001b')).toBe(false);
  });

  test('a terminal: the line is rewritten in place, at most every intervalMs, with the epoch running mean, then closed', () => {
    const writes = drive(
      { tty: true, stepsPerEpoch: 10, intervalMs: 250 },
      { epochs: 1, steps: 10, ms: 100 },
    );
    const stepLines = writes.slice(0, -2);
    // Steps at t = 100…1000 ms after a start at 0: the first is written, then one whenever ≥ 250 ms have passed.
    expect(stepLines).toHaveLength(4);
    for (const w of writes.slice(0, -1)) {
      expect(w.startsWith('\r')).toBe(true);
      expect(w.endsWith('\x1b[K')).toBe(true);
    }
    // Step 1 shows loss 0.5; the write at step 4 shows the running mean of 0.5, 1.5, 2.5, 3.5.
    expect(stepLines[0]).toContain(
      'epoch 1/1 · step 1/10 · loss left 0.5000 right 1.0000 · 0:00 elapsed · ETA 0:01',
    );
    expect(stepLines[1]).toContain('step 4/10 · loss left 2.0000');
    expect(writes.at(-2)).toContain('step 10/10 · loss left 0.5000 right 1.0000 · 0:01 elapsed · ETA 0:00');
    expect(writes.at(-1)).toBe('\n');
  });

  test('without stepsPerEpoch the ETA appears once the first epoch has shown the epoch length', () => {
    const writes = drive({ tty: false }, { epochs: 3, steps: 5, ms: 2000 });
    expect(writes[0]).toContain('epoch 1/3 · step 5/5 · ');
    expect(writes[0]).toContain('ETA 0:20'); // learned at the end of epoch 1: 10 steps left × 2 s
    expect(writes[1]).toContain('step 5/5');
    expect(writes[2]).toContain('0:30 elapsed · ETA 0:00');
  });

  test('a resumed run counts epochs from where it starts and estimates from its own steps', () => {
    const writes = drive(
      { tty: false, stepsPerEpoch: 4 },
      { epochs: 1, steps: 4, ms: 500, firstEpoch: 2, announce: 1 },
    );
    expect(writes).toEqual([
      'epoch 3/3 · step 4/4 · loss left 0.5000 right 1.0000 · 0:02 elapsed · ETA 0:00\n',
    ]);
  });

  test('formatDuration', () => {
    expect([0, 59.6, 61, 3725, -1, Infinity].map(formatDuration)).toEqual([
      '0:00',
      '1:00',
      '1:01',
      '1:02:05',
      '—',
      '—',
    ]);
  });

  test('as a trainer callback in a real run: one line per epoch on a non-terminal, no tensor leaked', async () => {
    const configs = join(dirname(fileURLToPath(import.meta.url)), '..', 'configs');
    const raw = JSON.parse(readFileSync(join(configs, 'penguins.json'), 'utf8')) as {
      backend?: string;
      training: Record<string, unknown>;
    };
    raw.backend = testBackendName();
    raw.training.epochs = 2;
    const config = parseConfig(raw, 'penguins.json');
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const progress = progressReporter({ write: (t) => lines.push(t), tty: false, label: 'penguins' });
    const result = await runExperiment(config, { callbacks: [progress] });
    expect(lines).toHaveLength(2);
    const perEpoch = result.steps / 2;
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\[penguins\\] epoch 1/2 · step ${perEpoch}/${perEpoch} · loss species \\d\\.\\d{4} sex \\d\\.\\d{4} body_mass \\d\\.\\d{4} · 0:\\d\\d elapsed · ETA \\d:\\d\\d\\n$`,
      ),
    );
    expect(lines[1]).toContain(
      `epoch 2/2 · step ${perEpoch}/${perEpoch} · loss species ${result.history[1]!.trainLosses.species!.toFixed(4)}`,
    );
    expect(progress.lastLine).toBe(lines[1]!.trimEnd());
    expect(tf.memory().numTensors).toBe(before);
  });
});
