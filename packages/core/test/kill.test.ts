/**
 * Kill test: a small run (tiny MLP, Adam, dropout, shuffling) in child processes, SIGKILLed at random moments and
 * at forced moments of the checkpoint write (between the renames); every restart resumes from the newest intact
 * checkpoint and the run ends with weights bit-identical to an uninterrupted run. The children run a transpiled
 * copy of the sources (TypeScript's transpileModule), so each starts in well under a second.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '../src/index.ts';
import { findCheckpoint } from '../src/node/index.ts';

const coreDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const backendDir = join(coreDir, '..', 'backend');
const BUILD = `.tmp-kill-test-${process.pid}`;
const runs = mkdtempSync(join(tmpdir(), 'multitask-kill-'));
const EPOCHS = 16;

function transpileTree(from: string, to: string): void {
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    if (statSync(source).isDirectory()) {
      transpileTree(source, join(to, entry));
      continue;
    }
    if (!entry.endsWith('.ts') || entry.endsWith('.d.ts') || entry.endsWith('.test.ts')) continue;
    const out = ts.transpileModule(readFileSync(source, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        rewriteRelativeImportExtensions: true,
        verbatimModuleSyntax: false,
      },
    }).outputText;
    mkdirSync(to, { recursive: true });
    writeFileSync(join(to, entry.replace(/\.ts$/, '.js')), out);
  }
}

const CHILD = `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { MultitaskModel, registerGradients, restoreCheckpoint, Trainer } from './src/index.js';
import { findCheckpoint, saveCheckpoint } from './src/node/index.js';
import { classificationTask, denseBackbone, fixedLossWeighting, linearHead, regressionTask, toyData, toySource } from './test/fixtures.js';
import { selectBackend } from 'BACKEND';
import { writeFileSync } from 'node:fs';

const [dir, backend, epochs, killAt] = process.argv.slice(2);
tf.enableProdMode();
await selectBackend({ prefer: backend });
registerGradients();
const model = new MultitaskModel({
  backbone: denseBackbone({ inputSize: 4, units: 8, seed: 2, dropout: 0.2 }),
  tasks: [classificationTask('cls', linearHead(8, 2, 3)), regressionTask('reg', linearHead(8, 1, 4))],
});
const optimizer = tf.train.adam(0.02);
const trainer = new Trainer({ model, strategy: fixedLossWeighting([1, 0.5]), optimizer, seed: 11 });
const ckpt = dir + '/ckpt';
const found = await findCheckpoint(ckpt);
if (found) await restoreCheckpoint(trainer, found.data, found.path);
// Ctrl-C: stop after the current step, write a checkpoint (inside the epoch when it is not complete), exit 130.
let interrupted = false;
process.on('SIGINT', () => { interrupted = true; });
process.stdout.write('start ' + trainer.epoch + ' ' + trainer.step + ' ' + (found ? found.path : '-') + '\\n');
const [stage, atEpoch] = (killAt ?? '-@-1').split('@');
const remaining = Number(epochs) - trainer.epoch;
if (remaining > 0) {
  const result = await trainer.fit(toySource(toyData(64, 4, 5)), {
    epochs: remaining,
    batchSize: 16,
    callbacks: [{
      onStepEnd: (e, control) => { if (interrupted) control.stop('interrupted'); },
      onEpochEnd: async (e) => {
        await saveCheckpoint(ckpt, trainer, undefined, {
          onStage: (s) => { if (s === stage && e.epoch + 1 === Number(atEpoch)) process.kill(process.pid, 'SIGKILL'); },
        });
        process.stdout.write('saved ' + (e.epoch + 1) + '\\n');
      },
    }],
  });
  if (result.stoppedEarly !== undefined) {
    await saveCheckpoint(ckpt, trainer);
    process.stdout.write('interrupted ' + trainer.step + ' ' + (result.partialEpoch ? result.partialEpoch.batches : 0) + '\\n');
    process.exit(130);
  }
}
writeFileSync(dir + '/final.json', JSON.stringify(model.trainableVariables.map((v) => Array.from(v.dataSync()))));
process.stdout.write('done\\n');
`;

beforeAll(() => {
  const build = join(coreDir, BUILD);
  transpileTree(join(coreDir, 'src'), join(build, 'src'));
  transpileTree(join(coreDir, 'test'), join(build, 'test'));
  const backendBuild = join(backendDir, BUILD);
  transpileTree(join(backendDir, 'src'), join(backendBuild, 'src'));
  const backendEntry = relative(build, join(backendBuild, 'src', 'index.js'))
    .split('\\')
    .join('/');
  writeFileSync(join(build, 'child.mjs'), CHILD.replace('BACKEND', `./${backendEntry}`));
});

afterAll(() => {
  if (process.env.KEEP_KILL_BUILD) return;
  rmSync(join(coreDir, BUILD), { recursive: true, force: true });
  rmSync(join(backendDir, BUILD), { recursive: true, force: true });
  rmSync(runs, { recursive: true, force: true });
});

interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

/** Runs the child; with `killAfterMs`, sends it `signal` (default SIGKILL) that long after its first line. */
function child(
  dir: string,
  backend: string,
  options: { killAfterMs?: number; killAt?: string; signal?: NodeJS.Signals } = {},
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        join(coreDir, BUILD, 'child.mjs'),
        dir,
        backend,
        String(EPOCHS),
        ...(options.killAt ? [options.killAt] : []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // The clock starts at the start line, which the child prints after its SIGINT handler is installed.
      if (options.killAfterMs !== undefined && timer === undefined && /^start /m.test(out)) {
        timer = setTimeout(() => p.kill(options.signal ?? 'SIGKILL'), options.killAfterMs);
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
}

function startLine(out: string): { epoch: number; step: number; path: string } {
  const m = /^start (\d+) (\d+) (\S+)$/m.exec(out);
  if (!m) throw new Error(`no start line in ${JSON.stringify(out)}`);
  return { epoch: Number(m[1]), step: Number(m[2]), path: m[3]! };
}

describe.each(['cpu', 'wasm'])('SIGKILL at random moments and between the renames (%s, Adam)', (backend) => {
  test('≥ 10 random kills + forced kills at each write stage: every restart resumes from the newest intact checkpoint; final weights bit-identical', async () => {
    const reference = join(runs, `${backend}-reference`);
    mkdirSync(reference);
    const whole = await child(reference, backend);
    expect(whole.code, whole.err).toBe(0);
    const expected = readFileSync(join(reference, 'final.json'), 'utf8');

    const dir = join(runs, `${backend}-killed`);
    mkdirSync(dir);
    const rng = new Rng(backend === 'cpu' ? 1 : 2);
    let kills = 0;
    let forced = 0;
    let lastEpoch = 0;
    const plan = ['written@3', 'moved-aside@6', 'renamed@9'];
    for (let attempt = 0; attempt < 80; attempt++) {
      // Before each start: the newest intact checkpoint on disk is what the child must resume from.
      const newest = await findCheckpoint(join(dir, 'ckpt'));
      const killAt = plan[forced];
      const random = kills < 10 && killAt === undefined;
      const r = await child(dir, backend, random ? { killAfterMs: rng.int(250) } : killAt ? { killAt } : {});
      const start = startLine(r.out);
      expect(start.epoch).toBe(newest?.data.manifest.epoch ?? 0);
      if (newest) expect(start.path).toBe(newest.path);
      expect(start.epoch).toBeGreaterThanOrEqual(lastEpoch);
      lastEpoch = start.epoch;
      if (r.signal === 'SIGKILL') {
        if (random) kills++;
        else forced++;
        continue;
      }
      expect(r.code, r.err).toBe(0);
      if (kills >= 10 && forced === plan.length) break;
      // The run finished before enough kills: start it again from scratch (the kills so far still count).
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      lastEpoch = 0;
    }
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(forced).toBe(plan.length);
    expect(readFileSync(join(dir, 'final.json'), 'utf8')).toBe(expected);
    // No leftovers of the interrupted writes once the run wrote again.
    expect(readdirSync(dir).sort()).toEqual(['ckpt', 'final.json']);
    console.log(
      `kill test (${backend}): ${kills} random SIGKILLs and ${forced} forced ones at write stages; final weights bit-identical`,
    );
  }, 120_000);
});

describe.each(['cpu', 'wasm'])(
  'SIGINT at random steps: a checkpoint inside the epoch, resumed (%s, Adam)',
  (backend) => {
    test('≥ 10 SIGINTs, each stopping after its step and saving where it stopped, SIGKILLs between them; final weights bit-identical', async () => {
      const reference = join(runs, `${backend}-sigint-reference`);
      mkdirSync(reference);
      const whole = await child(reference, backend);
      expect(whole.code, whole.err).toBe(0);
      const expected = readFileSync(join(reference, 'final.json'), 'utf8');

      const dir = join(runs, `${backend}-sigint`);
      mkdirSync(dir);
      const rng = new Rng(backend === 'cpu' ? 3 : 4);
      let interrupts = 0;
      let kills = 0;
      let inside = 0;
      let lastStep = 0;
      for (let attempt = 0; attempt < 90; attempt++) {
        const newest = await findCheckpoint(join(dir, 'ckpt'));
        // Every third signal is a SIGKILL: the next start must still find the newest intact checkpoint (inside
        // an epoch or at an epoch's end).
        // Signals continue until at least 5 SIGINTs stopped inside an epoch: a random moment can also fall in the
        // epoch-end checkpoint write (a long window next to these tiny steps), where the stop lands between epochs.
        const enough = interrupts >= 10 && kills >= 3 && inside >= 5;
        const signal: NodeJS.Signals | undefined = enough
          ? undefined
          : attempt % 3 === 2
            ? 'SIGKILL'
            : 'SIGINT';
        const r = await child(dir, backend, signal ? { killAfterMs: rng.int(250), signal } : {});
        const start = startLine(r.out);
        // Every start resumes exactly where the previous run stopped (its step, inside an epoch or not).
        expect(start.step).toBe(newest?.data.manifest.step ?? 0);
        expect(start.step).toBeGreaterThanOrEqual(lastStep);
        lastStep = start.step;
        if (r.code === 130) {
          const m = /^interrupted (\d+) (\d+)$/m.exec(r.out);
          expect(m, r.out).not.toBeNull();
          const saved = await findCheckpoint(join(dir, 'ckpt'));
          expect(saved?.data.manifest.step).toBe(Number(m![1]));
          expect(saved?.data.manifest.partialEpoch?.batches ?? 0).toBe(Number(m![2]));
          if (Number(m![2]) > 0) inside++;
          interrupts++;
          continue;
        }
        if (r.signal === 'SIGKILL') {
          kills++;
          continue;
        }
        // A SIGINT that arrives once the child has finished its run (after "done", while Node tears down) may end
        // it by the signal: the run itself completed. Any other end but exit 0 fails, with the child's output.
        const finished = r.signal === 'SIGINT' && /^done$/m.test(r.out);
        if (!finished) expect(r.code, `${r.err}\n${r.out}\nsignal ${String(r.signal)}`).toBe(0);
        if (enough) break;
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir);
        lastStep = 0;
      }
      expect(interrupts).toBeGreaterThanOrEqual(10);
      expect(kills).toBeGreaterThanOrEqual(3);
      expect(inside).toBeGreaterThanOrEqual(5);
      expect(readFileSync(join(dir, 'final.json'), 'utf8')).toBe(expected);
      console.log(
        `SIGINT test (${backend}): ${interrupts} interrupts (${inside} inside an epoch) and ${kills} SIGKILLs between them; final weights bit-identical`,
      );
    }, 120_000);
  },
);
