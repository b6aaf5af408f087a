/** The `multitask` command line, as a function (the `cli.ts` entry runs it on `process.argv`). */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isMultitaskError, MultitaskError } from '@multitask/core';
import { reportJson, reportMarkdown, type ExperimentReport } from '@multitask/eval';
import { writeReport } from '@multitask/eval/node';
import { runComparison } from './compare.ts';
import { loadConfig, type ExperimentConfig } from './config.ts';
import { runExperiment, type ExperimentResult } from './experiment.ts';
import { exportDataCommand } from './export-data.ts';
import { formatResult } from './format.ts';

const USAGE = `Usage:
  multitask train --config FILE [--strategy NAME] [--epochs N] [--seed S] [--out DIR] [--json]

  --config FILE    experiment config (JSON), e.g. configs/penguins.json
  --strategy NAME  weighting strategy, overriding the config (static, uncertainty, mgda, …)
  --epochs N       number of epochs, overriding the config
  --seed S         seed (≥ 1) of everything random, overriding the config
  --out DIR        write result.json into DIR
  --json           print one machine-readable JSON result object instead of text

  multitask compare --config FILE --strategies A,B[,…] [--epochs N] [--seed S] [--every K] [--baselines]
                    [--out DIR] [--json]

  --strategies A,B train the config once per strategy (same seed, data and initial weights) and compare them
  --every K        record per-task gradient statistics (cosines, conflicts) every K steps (default 5)
  --baselines      also train each task alone (strategy static, same backbone and budget) and report Δm%
  --out DIR        write DIR/report.json, DIR/report.md and DIR/report.html (plots as inline SVG)
  --json           print one JSON object { summary, report } instead of the Markdown table

  multitask report --from DIR [--out DIR2]

  --from DIR       re-render report.md and report.html from DIR/report.json (into DIR2, default DIR) and
                   print the Markdown
`;

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be an integer ≥ 1, got "${value}".`);
  return n;
}

class UsageError extends Error {}

/** Writes a file atomically: to a temporary name, then renamed into place. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

async function train(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      strategy: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
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
  log(
    `multitask train — ${config.name}: ${config.tasks.map((t) => t.name).join(', ')} · strategy ${config.strategy.name} · seed ${config.training.seed}`,
  );
  const result: ExperimentResult = await runExperiment(config, {
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
  });
  if (values.out !== undefined) {
    mkdirSync(values.out, { recursive: true });
    writeAtomic(join(values.out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
  if (values.json) io.stdout(`${JSON.stringify(result)}\n`);
  else log(formatResult(result));
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
    args,
    options: {
      config: { type: 'string' },
      strategies: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      every: { type: 'string' },
      baselines: { type: 'boolean', default: false },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.config === undefined) throw new UsageError('--config FILE is required.');
  if (values.strategies === undefined)
    throw new UsageError('--strategies A,B is required (e.g. static,mgda).');
  const strategies = values.strategies
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (strategies.length === 0) throw new UsageError('--strategies lists no strategy (e.g. static,mgda).');
  const every = positiveInt(values.every, '--every');
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
    `multitask compare — ${config.name}: ${strategies.join(', ')}${values.baselines ? ' + single-task baselines' : ''} · ${config.training.epochs} epochs · seed ${config.training.seed}`,
  );
  let backendShown = false;
  const report = await runComparison(config, {
    strategies,
    baselines: values.baselines,
    ...(every !== undefined ? { diagnosticsEvery: every } : {}),
    createdAt: new Date().toISOString(),
    hooks: {
      onBackend: (b) => {
        if (!backendShown) log(`backend: ${b.name} (${b.reason})`);
        backendShown = true;
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
  });
  let written: string | undefined;
  if (values.out !== undefined) written = (await writeReport(values.out, report)).html;
  if (values.json) {
    io.stdout(`${oneLine(report)}\n`);
    return;
  }
  log('');
  log(reportMarkdown(report).trimEnd());
  if (written !== undefined) log(`\nreport written to ${values.out} (open ${written})`);
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
    args,
    options: { from: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  if (values.from === undefined)
    throw new UsageError('--from DIR is required (a directory holding report.json).');
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
  await writeReport(out, restored);
  io.stdout(`${reportMarkdown(restored).trimEnd()}\n\nreport written to ${out}\n`);
}

/** Where the CLI writes. */
export interface CliIo {
  /** Normal output. */
  readonly stdout: (text: string) => void;
  /** Errors and usage. */
  readonly stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
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
    if (isMultitaskError(e)) {
      io.stderr(`multitask: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
