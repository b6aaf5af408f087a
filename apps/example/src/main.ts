/** The `multitask` command line, as a function (the `cli.ts` entry runs it on `process.argv`). */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isMultitaskError } from '@multitask/core';
import { loadConfig, type ExperimentConfig } from './config.ts';
import { runExperiment, type ExperimentResult } from './experiment.ts';
import { formatResult } from './format.ts';

const USAGE = `Usage:
  multitask train --config FILE [--strategy NAME] [--epochs N] [--seed S] [--out DIR] [--json]

  --config FILE    experiment config (JSON), e.g. configs/penguins.json
  --strategy NAME  weighting strategy, overriding the config (static, uncertainty, mgda, …)
  --epochs N       number of epochs, overriding the config
  --seed S         seed (≥ 1) of everything random, overriding the config
  --out DIR        write result.json into DIR
  --json           print one machine-readable JSON result object instead of text
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
  const log = values.json ? (): void => undefined : (line: string): void => { io.stdout(`${line}\n`); };
  log(
    `multitask train — ${config.name}: ${config.tasks.map((t) => t.name).join(', ')} · strategy ${config.strategy.name} · seed ${config.training.seed}`,
  );
  const result: ExperimentResult = await runExperiment(config, {
    onBackend: (b) => { log(`backend: ${b.name} (${b.reason})`); },
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
