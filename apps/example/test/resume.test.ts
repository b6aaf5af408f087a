import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExperimentReport } from '@multitask/eval';
import { testBackendName } from '@multitask/test-utils';
import { afterAll, describe, expect, test } from 'vitest';
import { Rng } from '@multitask/core';
import { loadConfig, main, runComparison, runExperiment, type ExperimentResult } from '../src/index.ts';
import { RunInterrupted } from '../src/experiment.ts';

const configs = join(dirname(fileURLToPath(import.meta.url)), '..', 'configs');
const dir = mkdtempSync(join(tmpdir(), 'multitask-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small penguins config (16-unit MLP), pinned to the test backend. */
function config(): string {
  const c = JSON.parse(readFileSync(join(configs, 'penguins.json'), 'utf8')) as Record<string, unknown>;
  c.backend = testBackendName();
  (c.backbone as { options: { units: number[] } }).options.units = [16];
  const file = join(dir, 'penguins-small.json');
  writeFileSync(file, JSON.stringify(c));
  return file;
}

async function run(
  argv: string[],
  abortWhen?: (stdout: string) => boolean,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const controller = new AbortController();
  const code = await main(argv, {
    stdout: (t) => {
      out += t;
      if (abortWhen?.(out) === true && !controller.signal.aborted) controller.abort();
    },
    stderr: (t) => (err += t),
    signal: controller.signal,
  });
  return { code, out, err };
}

/** Everything but wall-clock times. */
function timeless(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(timeless);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'seconds' && k !== 'createdAt')
        .map(([k, v]) => [k, timeless(v)]),
    );
  }
  return value;
}

describe('multitask train --out: a checkpoint every epoch, --resume, interruption', () => {
  test('interrupted after epoch 2, resumed: the same result as an uninterrupted run', async () => {
    const file = config();
    const full = join(dir, 'full');
    const a = await run(['train', '--config', file, '--epochs', '4', '--seed', '5', '--out', full, '--json']);
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    const parted = join(dir, 'parted');
    const args = ['train', '--config', file, '--epochs', '4', '--seed', '5', '--out', parted];
    const b = await run(args, (out) => out.includes('epoch    2/4'));
    expect(b.code).toBe(130);
    expect(b.err).toMatch(
      /interrupted at step \d+; 2 completed epoch\(s\) are saved in .*parted\/checkpoint/,
    );
    // The stop came on the first step of epoch 3: that step is saved too, and resuming continues after it.
    expect(b.err).toContain('with 1 batch(es) of epoch 3 (--resume continues at the next batch)');
    expect(b.err).toContain(`multitask train ${args.slice(1).join(' ')} --resume`);
    expect(existsSync(join(parted, 'result.json'))).toBe(false);
    const again = await run(args);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/holds a checkpoint of an earlier run \(2 epochs done\) — pass --resume/);
    mkdirSync(join(parted, '.write-killed'));
    writeFileSync(join(parted, '.write-killed', 'result.json'), '{"partial');
    const c = await run([...args, '--resume', '--json']);
    expect(c.err).toBe('');
    expect(c.code).toBe(0);
    const whole = JSON.parse(readFileSync(join(full, 'result.json'), 'utf8')) as ExperimentResult;
    const resumed = JSON.parse(readFileSync(join(parted, 'result.json'), 'utf8')) as ExperimentResult;
    expect(resumed.steps).toBe(whole.steps);
    expect(timeless(resumed)).toEqual(timeless(whole));
    // Resuming a finished run evaluates again and gives the same result.
    const d = await run([...args, '--resume', '--json']);
    expect(timeless(JSON.parse(d.out))).toEqual(timeless(whole));
    expect(readdirSync(parted).sort()).toEqual(['checkpoint', 'result.json']);
  });

  test('SIGINT/SIGTERM to the process: stop after the step, exit 130, handlers removed afterwards', async () => {
    const file = config();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const listeners = process.listenerCount(signal);
      const outDir = join(dir, `signal-${signal}`);
      let out = '';
      let err = '';
      let sent = false;
      const code = await main(['train', '--config', file, '--epochs', '4', '--out', outDir], {
        stdout: (t) => {
          out += t;
          if (!sent && out.includes('epoch    1/4')) {
            sent = true;
            process.emit(signal, signal);
          }
        },
        stderr: (t) => (err += t),
      });
      expect(code).toBe(130);
      expect(err).toContain(`multitask: ${signal} — stopping after the current step`);
      expect(err).toMatch(/1 completed epoch\(s\) are saved in/);
      expect(process.listenerCount(signal)).toBe(listeners);
    }
  });

  test('--out is checked before training: a file, result.json a directory, a read-only directory', async () => {
    const file = config();
    const plain = join(dir, 'plain-file');
    writeFileSync(plain, 'x');
    const r1 = await run(['train', '--config', file, '--out', plain]);
    expect(r1.code).toBe(1);
    expect(r1.err).toMatch(/--out .*plain-file: is a file, not a directory/);
    expect(r1.out).not.toMatch(/epoch/);
    const r2 = await run(['train', '--config', file, '--out', join(plain, 'sub')]);
    expect(r2.err).toMatch(/--out .*plain-file\/sub: cannot be created \(ENOTDIR\)/);
    const odd = join(dir, 'odd');
    mkdirSync(join(odd, 'result.json'), { recursive: true });
    const r3 = await run(['train', '--config', file, '--out', odd]);
    expect(r3.err).toMatch(/result\.json is a directory, where a result file goes/);
    const cmp = join(dir, 'odd-compare');
    mkdirSync(join(cmp, 'report.html'), { recursive: true });
    const r4 = await run(['compare', '--config', file, '--strategies', 'static', '--out', cmp]);
    expect(r4.err).toMatch(/report\.html is a directory/);
    expect(r4.out).not.toMatch(/strategy static:/);
    if (process.getuid?.() !== 0) {
      const ro = join(dir, 'read-only');
      mkdirSync(ro);
      chmodSync(ro, 0o500);
      const r5 = await run(['train', '--config', file, '--out', ro]);
      expect(r5.err).toMatch(/is not writable \(EACCES\)/);
      chmodSync(ro, 0o700);
    }
  });

  test('--seed -1, --seed 1e16, --resume without --out: one-line usage errors', async () => {
    const file = config();
    const neg = await run(['train', '--config', file, '--seed', '-1']);
    expect(neg.code).toBe(2);
    expect(neg.err.split('\n')[0]).toBe('multitask: --seed must be an integer ≥ 1, got "-1".');
    const big = await run(['train', '--config', file, '--seed', '1e16']);
    expect(big.err.split('\n')[0]).toBe('multitask: --seed must be at most 9007199254740991, got "1e16".');
    const hex = await run(['train', '--config', file, '--epochs', '0x10']);
    expect(hex.err.split('\n')[0]).toBe('multitask: --epochs must be an integer ≥ 1, got "0x10".');
    const noOut = await run(['train', '--config', file, '--resume']);
    expect(noOut.err.split('\n')[0]).toBe('multitask: --resume needs --out DIR (the run to continue).');
  });
});

describe('multitask compare --out: every run a unit, --resume continues the series', () => {
  test('interrupted mid-series (inside a run), resumed: the same report as an uninterrupted series', async () => {
    const base = loadConfig(config());
    const cfg = { ...base, training: { ...base.training, epochs: 3, seed: 6 } };
    const strategies = ['static', 'uncertainty', 'mgda'];
    const whole = await runComparison(cfg, { strategies, baselines: true, out: join(dir, 'series-full') });
    const out = join(dir, 'series-parted');
    const controller = new AbortController();
    let epochs = 0;
    await expect(
      runComparison(cfg, {
        strategies,
        baselines: true,
        out,
        signal: controller.signal,
        hooks: {
          onEpoch: () => {
            // Stop inside the second run, after its first epoch.
            if (++epochs === 4) controller.abort();
          },
        },
      }),
    ).rejects.toThrow(
      /interrupted at step \d+; the checkpoint in .*strategy-uncertainty-seed-6\/checkpoint holds 1 completed/,
    );
    expect(readdirSync(join(out, 'runs')).sort()).toEqual([
      'strategy-static-seed-6',
      'strategy-uncertainty-seed-6',
    ]);
    expect(existsSync(join(out, 'runs', 'strategy-static-seed-6', 'run.json'))).toBe(true);
    const resumedFrom: number[] = [];
    const resumed = await runComparison(cfg, {
      strategies,
      baselines: true,
      out,
      resume: true,
      hooks: { onResume: (r) => void resumedFrom.push(r.epoch) },
    });
    expect(resumedFrom).toEqual([1]);
    expect(timeless(resumed)).toEqual(timeless(whole));
    // Without --resume, an existing series is refused rather than overwritten.
    await expect(runComparison(cfg, { strategies, out })).rejects.toThrow(
      /holds a finished run of an earlier series — pass --resume/,
    );
  });

  test('the CLI: killed between runs, rerun with --resume skips the finished run and writes the same report', async () => {
    const file = config();
    const args = ['compare', '--config', file, '--strategies', 'static,mgda', '--epochs', '2', '--seed', '3'];
    const fullDir = join(dir, 'cli-full');
    const a = await run([...args, '--out', fullDir]);
    expect(a.code).toBe(0);
    const out = join(dir, 'cli-parted');
    const b = await run([...args, '--out', out], (o) => o.includes('strategy static:'));
    expect(b.code).toBe(130);
    expect(b.err).toMatch(/Continue the series with:\n {2}multitask compare .* --resume\n/);
    const c = await run([...args, '--out', out, '--resume']);
    expect(c.code).toBe(0);
    const report = (d: string): ExperimentReport =>
      (JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')) as { report: ExperimentReport }).report;
    expect(timeless(report(out))).toEqual(timeless(report(fullDir)));
    expect(c.out).toMatch(/\| strategy \|[\s\S]*report written to/);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('stopped at random steps inside epochs, resumed each time', () => {
  test.each(['uncertainty', 'mgda'])(
    '%s: the same result and bit-identical final weights as an uninterrupted run',
    async (strategy) => {
      const base = loadConfig(config());
      const cfg = {
        ...base,
        strategy: { name: strategy, options: {} },
        training: { ...base.training, epochs: 3, seed: 8 },
      };
      const full = join(dir, `steps-${strategy}-full`);
      const whole = await runExperiment(cfg, {}, { dir: full, resume: false });
      const stepsPerEpoch = whole.steps / 3;
      const rng = new Rng(strategy.length);
      const parted = join(dir, `steps-${strategy}-parted`);
      const stops: { step: number; epoch: number; batches: number }[] = [];
      let resumedAt: { epoch: number; batches: number; step: number }[] = [];
      let result: ExperimentResult | undefined;
      for (let attempt = 0; attempt < 8 && result === undefined; attempt++) {
        const controller = new AbortController();
        // Stop a random number of steps after this start (fewer than an epoch), until 4 stops were made.
        const after = stops.length < 4 ? 1 + rng.int(stepsPerEpoch - 1) : Infinity;
        let seen = 0;
        try {
          result = await runExperiment(
            cfg,
            {
              callbacks: [
                {
                  onStepEnd: () => {
                    if (++seen === after) controller.abort();
                  },
                },
              ],
              onResume: (r) => void resumedAt.push(r),
            },
            { dir: join(parted, 'checkpoint'), resume: attempt > 0, signal: controller.signal },
          );
        } catch (e) {
          if (!(e instanceof RunInterrupted)) throw e;
          stops.push({ step: e.step, epoch: e.epoch, batches: e.batches });
        }
      }
      expect(stops).toHaveLength(4);
      // Each resume started exactly where the stop before it saved: the epochs and the batches of the next one.
      resumedAt = resumedAt.map(({ epoch, batches, step }) => ({ epoch, batches, step }));
      expect(resumedAt).toEqual(stops.map((s) => ({ epoch: s.epoch, batches: s.batches, step: s.step })));
      expect(stops.filter((s) => s.batches > 0).length).toBeGreaterThanOrEqual(3);
      expect(result).toBeDefined();
      expect(timeless(result)).toEqual(timeless(whole));
      // The last epoch's checkpoint holds the final weights (and optimizer state): byte for byte the same.
      const weights = (d: string): Buffer => readFileSync(join(d, 'weights.bin'));
      expect(weights(join(parted, 'checkpoint')).equals(weights(full))).toBe(true);
      console.log(
        `CLI resume (${strategy}): stopped at steps ${stops.map((s) => s.step).join(', ')} (${stops.filter((s) => s.batches > 0).length} inside an epoch); result and final weights identical`,
      );
    },
  );
});
