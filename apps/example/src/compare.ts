/**
 * Compares weighting strategies on one config: the same data, model and seed trained once per strategy, with
 * gradient-conflict diagnostics and histories, optionally against single-task baselines (Δm%).
 */
import { MultitaskError, type TaskMetrics, type TrainerCallback } from '@multitask/core';
import {
  conflictRecorder,
  historyRecorder,
  singleTaskBaselines,
  type ExperimentReport,
  type RunRecord,
} from '@multitask/eval';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from './config.ts';
import {
  decodeNumbers,
  encodeNumbers,
  jsonDifference,
  runExperiment,
  type ExperimentResult,
  type RunHooks,
} from './experiment.ts';
import { weightings } from './registries.ts';

/** Options of {@link runComparison}. */
export interface CompareOptions {
  /** Strategy names (of `builtinWeightings`), one run each, in this order. */
  readonly strategies: readonly string[];
  /** Also train each task alone (strategy `static`, same backbone, budget and seed) and compute Δm%. */
  readonly baselines?: boolean;
  /** Record the Gramian of per-task gradients every N steps (default: the config's, else 5). */
  readonly diagnosticsEvery?: number;
  /** Timestamp written into the report (the comparison never reads the clock for it). */
  readonly createdAt?: string;
  /** Progress: called before each run with a label such as `strategy mgda` or `baseline left`. */
  readonly onRunStart?: (label: string) => void;
  /** Progress: called after each run with its label and result. */
  readonly onRunEnd?: (label: string, result: ExperimentResult) => void;
  /** Forwarded to every run (backend selection, epochs, resume). */
  readonly hooks?: Pick<RunHooks, 'onBackend' | 'onEpoch' | 'onResume'>;
  /**
   * Progress: an extra trainer callback for each run (e.g. `progressReporter`), given the run's label, its
   * position (1-based) and the number of runs in the series.
   */
  readonly progress?: (label: string, index: number, total: number) => TrainerCallback;
  /**
   * Keep every run in its own directory `out/runs/<run>/` (a checkpoint after every epoch, `run.json` once it
   * finished), so that an interrupted series can be continued with `resume`.
   */
  readonly out?: string;
  /** Skip runs whose `run.json` exists and continue an interrupted run from its checkpoint (needs `out`). */
  readonly resume?: boolean;
  /** When aborted, the running run stops after its current step (see `RunInterrupted`). */
  readonly signal?: AbortSignal;
}

/** A finished run as stored in `run.json`. */
interface SavedRun {
  readonly config: ExperimentConfig;
  readonly result: ExperimentResult;
  readonly record?: RunRecord;
}

/** The directory name of one run: strategy or baseline, and seed (a later `--seeds` adds one unit per seed). */
export function runDirectoryName(kind: 'strategy' | 'baseline', name: string, seed: number): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '_');
  return `${kind}-${safe}-seed-${seed}`;
}

/**
 * Runs one unit of a series in `dir` (when given): a finished unit (its `run.json` written for the same config)
 * is read back, otherwise the run trains with a checkpoint in `dir/checkpoint` and writes `run.json` at the end.
 */
async function runUnit(
  dir: string | undefined,
  config: ExperimentConfig,
  options: CompareOptions,
  train: (checkpointing?: Parameters<typeof runExperiment>[2]) => Promise<ExperimentResult>,
  record: (result: ExperimentResult) => RunRecord | undefined,
): Promise<{ result: ExperimentResult; record?: RunRecord }> {
  if (dir === undefined) {
    const result = await train();
    const r = record(result);
    return { result, ...(r ? { record: r } : {}) };
  }
  const file = join(dir, 'run.json');
  if (existsSync(file)) {
    if (options.resume !== true) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[multitask] ${dir} holds a finished run of an earlier series — pass --resume to continue that series, or choose another --out.`,
        { details: { option: 'resume', file: dir } },
      );
    }
    let saved: SavedRun;
    try {
      saved = decodeNumbers(JSON.parse(readFileSync(file, 'utf8'))) as SavedRun;
    } catch (e) {
      throw new MultitaskError('IO_ERROR', `[multitask] Cannot read ${file}: ${(e as Error).message}`, {
        cause: e,
        details: { file },
      });
    }
    const diff = jsonDifference(saved.config, JSON.parse(JSON.stringify(config)));
    if (diff !== undefined) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[multitask] ${file} was written for another config (it differs at "${diff}") — resume with the same config and options, or choose another --out.`,
        { details: { file, field: diff } },
      );
    }
    return { result: saved.result, ...(saved.record ? { record: saved.record } : {}) };
  }
  mkdirSync(dir, { recursive: true });
  const result = await train({
    dir: join(dir, 'checkpoint'),
    resume: options.resume === true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const r = record(result);
  const saved: SavedRun = { config, result, ...(r ? { record: r } : {}) };
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(encodeNumbers(saved))}\n`);
  renameSync(tmp, file);
  return { result, ...(r ? { record: r } : {}) };
}

/**
 * The metrics a report compares: the trainer's evaluation adds a `loss` to every task; it is dropped from tasks
 * that have other metrics (Δm% skips it anyway) and kept for tasks that have nothing else.
 */
export function reportMetrics(test: TaskMetrics): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [task, metrics] of Object.entries(test)) {
    const rest = Object.fromEntries(Object.entries(metrics).filter(([name]) => name !== 'loss'));
    out[task] = Object.keys(rest).length > 0 ? rest : { ...metrics };
  }
  return out;
}

function describe(config: ExperimentConfig, diagnosticsEvery: number): string {
  const opt = config.optimizer;
  return [
    `data set ${config.dataset.name}`,
    `backbone ${config.backbone.type}`,
    `tasks ${config.tasks.map((t) => `${t.name} (${t.type})`).join(', ')}`,
    `${opt.name} lr ${opt.learningRate}`,
    `${config.training.epochs} epochs × batch ${config.training.batchSize}`,
    `seed ${config.training.seed}`,
    `gradient statistics every ${diagnosticsEvery} steps`,
  ].join(' · ');
}

/**
 * Trains `config` once per strategy (same seed, data and model initialisation) with a `conflictRecorder` and a
 * `historyRecorder`, and, with `baselines`, each task alone; resolves to the {@link ExperimentReport} the eval
 * report writers take. Runs are sequential: they share one backend.
 *
 * @example
 * ```ts
 * const report = await runComparison(loadConfig('configs/penguins.json'), { strategies: ['static', 'mgda'] });
 * console.log(reportMarkdown(report));
 * ```
 */
export async function runComparison(
  config: ExperimentConfig,
  options: CompareOptions,
): Promise<ExperimentReport> {
  if (options.strategies.length === 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      '[multitask] compare needs at least one strategy — pass --strategies a,b.',
      {
        details: { option: 'strategies' },
      },
    );
  }
  if (options.resume === true && options.out === undefined) {
    throw new MultitaskError(
      'INVALID_OPTION',
      '[multitask] compare: resume needs out (the series directory).',
      {
        details: { option: 'resume' },
      },
    );
  }
  const seen = new Set<string>();
  for (const name of options.strategies) {
    weightings.get(name); // throws UNKNOWN_NAME listing the known strategies, before any training
    if (seen.has(name)) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[multitask] compare: strategy "${name}" is listed twice — list each once.`,
        {
          details: { option: 'strategies', name },
        },
      );
    }
    seen.add(name);
  }
  // Diagnostics are the point of a comparison: a config's 0 (off) or nothing becomes every 5 steps.
  const configured = config.training.diagnosticsEvery ?? 0;
  const every = options.diagnosticsEvery ?? (configured > 0 ? configured : 5);
  const taskNames = config.tasks.map((t) => t.name);
  const runs: RunRecord[] = [];
  const totalRuns = options.strategies.length + (options.baselines ? taskNames.length : 0);
  let runIndex = 0;
  const progressFor = (label: string): TrainerCallback[] =>
    options.progress ? [options.progress(label, ++runIndex, totalRuns)] : [];
  const unitDir = (kind: 'strategy' | 'baseline', name: string): string | undefined =>
    options.out === undefined
      ? undefined
      : join(options.out, 'runs', runDirectoryName(kind, name, config.training.seed));
  for (const name of options.strategies) {
    const label = `strategy ${name}`;
    options.onRunStart?.(label);
    const runConfig: ExperimentConfig = {
      ...config,
      strategy: name === config.strategy.name ? config.strategy : { name, options: {} },
      training: { ...config.training, diagnosticsEvery: every },
    };
    const conflicts = conflictRecorder();
    const history = historyRecorder();
    const { result, record } = await runUnit(
      unitDir('strategy', name),
      runConfig,
      options,
      (checkpointing) =>
        runExperiment(
          runConfig,
          { ...options.hooks, callbacks: [conflicts, history, ...progressFor(label)] },
          checkpointing,
        ),
      (r) => ({
        strategy: name,
        tasks: taskNames,
        epochs: history.epochs(),
        conflicts: conflicts.summary(),
        finalMetrics: reportMetrics(r.test),
        seconds: r.seconds,
        notes: `backend ${r.backend.name} · ${r.steps} steps${r.gradientMode ? ` · gradients w.r.t. ${r.gradientMode}` : ''}`,
      }),
    );
    options.onRunEnd?.(label, result);
    runs.push(record!);
  }
  let baselines: TaskMetrics | undefined;
  if (options.baselines) {
    baselines = await singleTaskBaselines({
      tasks: taskNames,
      train: async (names) => {
        const label = `baseline ${names.join(', ')}`;
        options.onRunStart?.(label);
        const baseConfig: ExperimentConfig = {
          ...config,
          tasks: config.tasks.filter((t) => names.includes(t.name)),
          strategy: { name: 'static', options: {} },
          training: { ...config.training, diagnosticsEvery: 0 },
        };
        const { result } = await runUnit(
          unitDir('baseline', names.join('+')),
          baseConfig,
          options,
          (checkpointing) =>
            runExperiment(baseConfig, { ...options.hooks, callbacks: progressFor(label) }, checkpointing),
          () => undefined,
        );
        options.onRunEnd?.(label, result);
        return reportMetrics(result.test);
      },
    });
  }
  return {
    title: `${config.name}: ${options.strategies.join(' vs ')}`,
    description: describe(config, every),
    ...(options.createdAt !== undefined ? { createdAt: options.createdAt } : {}),
    runs,
    ...(baselines !== undefined ? { baselines } : {}),
  };
}
