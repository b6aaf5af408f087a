/** The `multitask` command line, as a function (the `cli.ts` entry runs it on `process.argv`). */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isMultitaskError, MultitaskError } from '@multitask/core';
import { reportJson, reportMarkdown, type ExperimentReport } from '@multitask/eval';
import { writeReport } from '@multitask/eval/node';
import {
  loadSeries,
  parseSeeds,
  runComparison,
  runSeries,
  SERIES_FILE,
  type CompareOptions,
} from './compare.ts';
import { loadConfig, type ExperimentConfig } from './config.ts';
import { RunInterrupted, runExperiment, type ExperimentResult, type RunHooks } from './experiment.ts';
import { exportDataCommand } from './export-data.ts';
import { formatResult } from './format.ts';
import { progressReporter } from './progress.ts';
import { seriesJson, seriesMarkdown, writeSeriesReport, type SeriesReport } from './report-series.ts';

const USAGE = `Usage:
  multitask train --config FILE [--strategy NAME] [--epochs N] [--seed S] [--out DIR [--resume]] [--json]

  --config FILE    experiment config (JSON), e.g. configs/penguins.json
  --strategy NAME  weighting strategy, overriding the config (static, uncertainty, mgda, …)
  --epochs N       number of epochs, overriding the config
  --seed S         seed (≥ 1) of everything random, overriding the config
  --out DIR        write result.json into DIR, and a checkpoint after every epoch into DIR/checkpoint
  --resume         continue the run in --out DIR from its newest intact checkpoint (same config and options)
  --json           print one machine-readable JSON result object instead of text

  multitask compare --config FILE --strategies A,B[,…] [--epochs N] [--seed S | --seeds LIST] [--every K]
                    [--baselines] [--out DIR [--resume]] [--json]

  --strategies A,B train the config once per strategy (same seed, data and initial weights) and compare them
  --seeds LIST     repeat everything (every strategy and baseline) for each seed, e.g. 1,2,3 or 1-3, and report
                   mean ± sample std over the seeds (Δm% per seed against that seed's baselines), every seed's
                   values, and plots with one line per seed; each (run, seed) is a unit that --resume skips or
                   continues; DIR/series.json records the series for report --from
  --every K        record per-task gradient statistics (cosines, conflicts) every K steps (default 5)
  --baselines      also train each task alone (strategy static, same backbone and budget) and report Δm%
  --out DIR        write DIR/report.json, DIR/report.md and DIR/report.html (plots as inline SVG); every run
                   keeps a checkpoint and, once finished, its result in DIR/runs/<run>/
  --resume         continue the series in --out DIR: finished runs are read back, the interrupted one continues
  --json           print one JSON object { summary, report } instead of the Markdown table

  multitask report --from DIR [--out DIR2]

  --from DIR       re-render report.json, report.md and report.html (into DIR2, default DIR) and print the
                   Markdown: a --seeds series is rebuilt from DIR/series.json and its finished runs in
                   DIR/runs/ (no training; the same report compare wrote), else from DIR/report.json

  multitask export-data --config FILE --out DIR [--json]

  --out DIR        write the train/test arrays the app trains on for FILE (after loading, splitting and task
                   selection) as NumPy .npy files plus DIR/manifest.json, atomically (for the PyTorch reference)

Ctrl-C (SIGINT) or SIGTERM stops a run after the current step and writes a checkpoint of exactly that point
(inside the epoch) into --out; the command exits with code 130 saying how to resume, and --resume continues at
the next batch with the result an uninterrupted run gives. A second Ctrl-C exits at once.
`;

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\s*[+-]?\d+(\.\d*)?(e[+-]?\d+)?\s*$/i.test(value) || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be an integer ≥ 1, got "${value}".`);
  }
  if (!Number.isSafeInteger(n)) {
    throw new UsageError(`${flag} must be at most ${Number.MAX_SAFE_INTEGER}, got "${value}".`);
  }
  return n;
}

class UsageError extends Error {}

/** Options that take a value: in `--seed -1`, `-1` is the value, not an unknown option. */
const VALUE_OPTIONS = new Set([
  '--config',
  '--strategy',
  '--strategies',
  '--epochs',
  '--seed',
  '--seeds',
  '--every',
  '--out',
  '--from',
]);

function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (VALUE_OPTIONS.has(a) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

function outError(dir: string, problem: string, cause?: unknown): MultitaskError {
  return new MultitaskError('IO_ERROR', `[multitask] --out ${dir}: ${problem}`, {
    ...(cause !== undefined ? { cause } : {}),
    details: { option: 'out', file: dir },
  });
}

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/**
 * Checks, before any training, that `dir` is (or can be made) a writable directory and that none of `files` in
 * it is a directory.
 */
function prepareOut(dir: string, files: readonly string[]): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw outError(dir, 'is a file, not a directory.');
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw outError(dir, `cannot be created (${errnoOf(e)}).`, e);
  }
  const probe = join(dir, `.multitask-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    throw outError(dir, `is not writable (${errnoOf(e)}).`, e);
  }
  // Leftovers of a command killed while writing: never a complete set, so never needed.
  for (const f of readdirSync(dir)) {
    if (f.startsWith('.write-') || f.startsWith('.multitask-probe-')) {
      rmSync(join(dir, f), { recursive: true, force: true });
    }
  }
  for (const f of files) {
    const path = join(dir, f);
    if (existsSync(path) && statSync(path).isDirectory()) {
      throw outError(
        dir,
        `${path} is a directory, where a result file goes — remove it or choose another --out.`,
      );
    }
  }
}

/**
 * Writes a set of files into `dir` together: all of them into a temporary directory first, then each renamed into
 * place, so that a failure while writing leaves the previous set untouched and no partial file behind.
 */
async function writeSet(dir: string, write: (tmp: string) => Promise<unknown>): Promise<void> {
  let tmp: string | undefined;
  try {
    tmp = mkdtempSync(join(dir, '.write-'));
    await write(tmp);
    for (const f of readdirSync(tmp)) renameSync(join(tmp, f), join(dir, f));
  } catch (e) {
    throw outError(dir, `writing the results failed: ${(e as Error).message}`, e);
  } finally {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  }
}

/** An AbortSignal raised by the first SIGINT/SIGTERM (a second one exits at once); `done` removes the handlers. */
function interruptSignal(io: CliIo): { signal: AbortSignal; done: () => void } {
  if (io.signal !== undefined) return { signal: io.signal, done: () => undefined };
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(INTERRUPTED);
    io.stderr(
      `\nmultitask: ${name} — stopping after the current step (press Ctrl-C again to quit at once)…\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    done: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Exit code of a run stopped by SIGINT/SIGTERM (128 + SIGINT). */
const INTERRUPTED = 130;

/** The command line that continues an interrupted command: the same arguments plus `--resume`. */
function resumeCommand(command: string, args: readonly string[]): string {
  const quoted = args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return ['multitask', command, ...quoted, ...(args.includes('--resume') ? [] : ['--resume'])].join(' ');
}

/** What an interrupted run saved of the epoch under way (nothing when it stopped at an epoch's end). */
function savedBatches(e: RunInterrupted): string {
  return e.batches > 0
    ? ` with ${e.batches} batch(es) of epoch ${e.epoch + 1} (--resume continues at the next batch)`
    : '';
}

/** The line a resumed run prints: where it continues. */
function resumedText(r: Parameters<NonNullable<RunHooks['onResume']>>[0]): string {
  return (
    `resumed from ${r.path} after epoch ${r.epoch}` +
    (r.batches > 0 ? ` and ${r.batches} batch(es) of epoch ${r.epoch + 1}` : '') +
    ` (step ${r.step})`
  );
}

/** Thrown to end a command that was interrupted; carries the text to print. */
class Interrupted extends Error {}

async function train(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(args),
    options: {
      config: { type: 'string' },
      strategy: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.resume && values.out === undefined)
    throw new UsageError('--resume needs --out DIR (the run to continue).');
  if (values.config === undefined) throw new UsageError('--config FILE is required.');
  const base = loadConfig(values.config);
  const epochs = positiveInt(values.epochs, '--epochs');
  const seed = positiveInt(values.seed, '--seed');
  const config: ExperimentConfig = {
    ...base,
    ...(values.strategy !== undefined ? { strategy: { name: values.strategy, options: {} } } : {}),
    training: {
      ...base.training,
      ...(epochs !== undefined ? { epochs } : {}),
      ...(seed !== undefined ? { seed } : {}),
    },
  };
  const log = values.json
    ? (): void => undefined
    : (line: string): void => {
        io.stdout(`${line}\n`);
      };
  const out = values.out;
  if (out !== undefined) prepareOut(out, ['result.json']);
  log(
    `multitask train — ${config.name}: ${config.tasks.map((t) => t.name).join(', ')} · strategy ${config.strategy.name} · seed ${config.training.seed}`,
  );
  const interrupt = out !== undefined ? interruptSignal(io) : undefined;
  let result: ExperimentResult;
  try {
    result = await runExperiment(
      config,
      {
        callbacks: io.progress
          ? [
              progressReporter({
                write: io.stderr,
                tty: io.stderrIsTTY === true,
                label: config.strategy.name,
                epochs: config.training.epochs,
              }),
            ]
          : [],
        onResume: (r) => {
          log(resumedText(r));
        },
        onBackend: (b) => {
          log(`backend: ${b.name} (${b.reason})`);
        },
        onEpoch: (e, total) => {
          const every = Math.max(1, Math.round(total / 10));
          if ((e.epoch + 1) % every === 0 || e.epoch === 0 || e.epoch + 1 === total) {
            const losses = Object.entries(e.trainLosses)
              .map(([t, l]) => `${t} ${l.toFixed(4)}`)
              .join('  ');
            log(
              `epoch ${String(e.epoch + 1).padStart(4)}/${total}  train loss: ${losses}  (${e.seconds.toFixed(2)} s)`,
            );
          }
        },
      },
      out !== undefined
        ? {
            dir: join(out, 'checkpoint'),
            resume: values.resume,
            ...(interrupt ? { signal: interrupt.signal } : {}),
          }
        : undefined,
    );
  } catch (e) {
    if (e instanceof RunInterrupted) {
      throw new Interrupted(
        `multitask: interrupted at step ${e.step}; ${e.epoch} completed epoch(s) are saved in ${e.dir}${savedBatches(e)}.\n` +
          `Continue with:\n  ${resumeCommand('train', args)}\n`,
      );
    }
    throw e;
  } finally {
    interrupt?.done();
  }
  // Printed before writing, so that a failing disk never loses the result.
  if (values.json) io.stdout(`${JSON.stringify(result)}\n`);
  else log(formatResult(result));
  if (out !== undefined) {
    await writeSet(out, (tmp) => {
      writeFileSync(join(tmp, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
      return Promise.resolve();
    });
  }
}

function overrides(
  base: ExperimentConfig,
  epochs: number | undefined,
  seed: number | undefined,
): ExperimentConfig {
  return {
    ...base,
    training: {
      ...base.training,
      ...(epochs !== undefined ? { epochs } : {}),
      ...(seed !== undefined ? { seed } : {}),
    },
  };
}

/** The report JSON text as one line (NaN written as null, as in report.json). */
function oneLine(report: ExperimentReport): string {
  return JSON.stringify(JSON.parse(reportJson(report)));
}

async function compare(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(args),
    options: {
      config: { type: 'string' },
      strategies: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      seeds: { type: 'string' },
      every: { type: 'string' },
      baselines: { type: 'boolean', default: false },
      out: { type: 'string' },
      resume: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.resume && values.out === undefined)
    throw new UsageError('--resume needs --out DIR (the series to continue).');
  if (values.config === undefined) throw new UsageError('--config FILE is required.');
  if (values.strategies === undefined)
    throw new UsageError('--strategies A,B is required (e.g. static,mgda).');
  const strategies = values.strategies
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (strategies.length === 0) throw new UsageError('--strategies lists no strategy (e.g. static,mgda).');
  const every = positiveInt(values.every, '--every');
  if (values.seeds !== undefined && values.seed !== undefined) {
    throw new MultitaskError(
      'INVALID_OPTION',
      '[multitask] --seeds and --seed exclude each other — give the seeds of the series with --seeds alone.',
      { details: { option: 'seeds' } },
    );
  }
  const seeds = values.seeds !== undefined ? parseSeeds(values.seeds) : undefined;
  const config = overrides(
    loadConfig(values.config),
    positiveInt(values.epochs, '--epochs'),
    positiveInt(values.seed, '--seed'),
  );
  const log = values.json
    ? (): void => undefined
    : (line: string): void => {
        io.stdout(`${line}\n`);
      };
  log(
    `multitask compare — ${config.name}: ${strategies.join(', ')}${values.baselines ? ' + single-task baselines' : ''} · ${config.training.epochs} epochs · ${seeds === undefined ? `seed ${config.training.seed}` : `seeds ${seeds.join(', ')}`}`,
  );
  const out = values.out;
  if (out !== undefined) prepareOut(out, ['report.json', 'report.md', 'report.html']);
  let backendShown = false;
  const interrupt = out !== undefined ? interruptSignal(io) : undefined;
  const options: CompareOptions = {
    strategies,
    baselines: values.baselines,
    ...(every !== undefined ? { diagnosticsEvery: every } : {}),
    createdAt: new Date().toISOString(),
    ...(out !== undefined ? { out, resume: values.resume } : {}),
    ...(interrupt ? { signal: interrupt.signal } : {}),
    ...(io.progress
      ? {
          progress: (label: string, index: number, total: number) =>
            progressReporter({
              write: io.stderr,
              tty: io.stderrIsTTY === true,
              run: { index, total },
              label,
              epochs: config.training.epochs,
            }),
        }
      : {}),
    hooks: {
      onBackend: (b) => {
        if (!backendShown) log(`backend: ${b.name} (${b.reason})`);
        backendShown = true;
      },
      onResume: (r) => {
        log(`  ${resumedText(r)}`);
      },
    },
    onRunEnd: (label, r) => {
      const metrics = Object.entries(r.test)
        .map(
          ([t, m]) =>
            `${t} ${Object.entries(m)
              .filter(([k]) => k !== 'loss')
              .map(([k, v]) => `${k} ${v.toFixed(4)}`)
              .join(' ')}`,
        )
        .join(' · ');
      log(`${label}: ${r.steps} steps in ${r.seconds.toFixed(1)} s — ${metrics}`);
    },
  };
  let report: ExperimentReport | undefined;
  let series: SeriesReport | undefined;
  try {
    if (seeds === undefined) report = await runComparison(config, options);
    else series = await runSeries(config, { ...options, seeds });
  } catch (e) {
    if (e instanceof RunInterrupted) {
      throw new Interrupted(
        `multitask: interrupted at step ${e.step}; ${e.epoch} completed epoch(s) of this run are saved in ${e.dir}${savedBatches(e)}, finished runs in ${join(out!, 'runs')}.\n` +
          `Continue the series with:\n  ${resumeCommand('compare', args)}\n`,
      );
    }
    throw e;
  } finally {
    interrupt?.done();
  }
  // Printed before writing, so that a failing disk never loses the comparison.
  if (values.json) {
    io.stdout(
      `${series !== undefined ? JSON.stringify(JSON.parse(seriesJson(series))) : oneLine(report!)}\n`,
    );
  } else {
    log('');
    log((series !== undefined ? seriesMarkdown(series) : reportMarkdown(report!)).trimEnd());
  }
  if (out !== undefined) {
    await writeSet(out, (tmp) =>
      series !== undefined ? writeSeriesReport(tmp, series) : writeReport(tmp, report!),
    );
    if (!values.json) log(`\nreport written to ${out} (open ${join(out, 'report.html')})`);
  }
}

/** Turns the `null`s of a report.json (NaN and ±Infinity when written) back into NaN. */
function nullsToNaN(value: unknown): unknown {
  if (value === null) return NaN;
  if (Array.isArray(value)) return value.map(nullsToNaN);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nullsToNaN(v)]));
  }
  return value;
}

async function report(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(args),
    options: { from: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  if (values.from === undefined)
    throw new UsageError('--from DIR is required (a directory holding report.json).');
  if (existsSync(join(values.from, SERIES_FILE))) {
    const series = await loadSeries(values.from);
    const target = values.out ?? values.from;
    prepareOut(target, ['report.json', 'report.md', 'report.html']);
    await writeSet(target, (tmp) => writeSeriesReport(tmp, series));
    io.stdout(`${seriesMarkdown(series).trimEnd()}\n\nreport written to ${target}\n`);
    return;
  }
  const file = join(values.from, 'report.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MultitaskError(
      'IO_ERROR',
      `[multitask] Cannot read ${file}: ${(e as Error).message} — pass the --out directory of a compare run.`,
      {
        cause: e,
        details: { file },
      },
    );
  }
  const saved = (parsed as { report?: unknown } | null)?.report;
  if (typeof saved !== 'object' || saved === null || !Array.isArray((saved as { runs?: unknown }).runs)) {
    throw new MultitaskError(
      'INVALID_DATA',
      `[multitask] ${file} has no "report" object with "runs" — it was not written by multitask compare.`,
      {
        details: { file },
      },
    );
  }
  const restored = nullsToNaN(saved) as ExperimentReport;
  const out = values.out ?? values.from;
  prepareOut(out, ['report.json', 'report.md', 'report.html']);
  await writeSet(out, (tmp) => writeReport(tmp, restored));
  io.stdout(`${reportMarkdown(restored).trimEnd()}\n\nreport written to ${out}\n`);
}

/** Where the CLI writes. */
export interface CliIo {
  /** Normal output. */
  readonly stdout: (text: string) => void;
  /** Errors, usage and the live progress line. */
  readonly stderr: (text: string) => void;
  /**
   * Show the live progress line of `train` and `compare` on `stderr` (run i of N, epoch, step, per-task loss,
   * elapsed, ETA). The process's IO turns it on; an embedding IO gets none unless it asks.
   */
  readonly progress?: boolean;
  /** Whether `stderr` is a terminal: the progress line is then rewritten in place, else one line per epoch. */
  readonly stderrIsTTY?: boolean;
  /**
   * Stops a checkpointed run after its current step, as SIGINT/SIGTERM do (for embedding and tests). When absent,
   * `train` and `compare` with `--out` listen to SIGINT and SIGTERM while they run.
   */
  readonly signal?: AbortSignal;
}

const processIo: CliIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  progress: true,
  stderrIsTTY: process.stderr.isTTY,
};

/** Runs the CLI on `argv` (without the node and script names); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'train') await train(rest, io);
    else if (command === 'compare') await compare(rest, io);
    else if (command === 'report') await report(rest, io);
    else if (command === 'export-data') await exportDataCommand(rest, io);
    else if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout(USAGE);
      return command === undefined ? 2 : 0;
    } else throw new UsageError(`unknown command "${command}".`);
    return 0;
  } catch (e) {
    if (
      e instanceof UsageError ||
      (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr(`multitask: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof Interrupted) {
      io.stderr(e.message);
      return INTERRUPTED;
    }
    if (isMultitaskError(e)) {
      io.stderr(`multitask: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
