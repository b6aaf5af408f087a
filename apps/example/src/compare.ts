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
import type { SeriesReport } from './report-series.ts';
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
  /**
   * Only read finished runs back, never train (`multitask report --from`; needs `out`): a run without its
   * `run.json` throws `NO_DATA` naming its directory.
   */
  readonly readOnly?: boolean;
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
  if (options.readOnly === true) {
    throw new MultitaskError(
      'NO_DATA',
      `[multitask] ${dir} holds no finished run (no run.json) — finish the series with multitask compare … --resume first.`,
      { details: { file: dir } },
    );
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

function describe(config: ExperimentConfig, diagnosticsEvery: number, seeds?: readonly number[]): string {
  const opt = config.optimizer;
  return [
    `data set ${config.dataset.name}`,
    `backbone ${config.backbone.type}`,
    `tasks ${config.tasks.map((t) => `${t.name} (${t.type})`).join(', ')}`,
    `${opt.name} lr ${opt.learningRate}`,
    `${config.training.epochs} epochs × batch ${config.training.batchSize}`,
    seeds === undefined ? `seed ${config.training.seed}` : `seeds ${seeds.join(', ')}`,
    `gradient statistics every ${diagnosticsEvery} steps`,
  ].join(' · ');
}

/** Checks the options of a comparison before any training (strategies known and listed once, out for resume). */
function checkOptions(options: CompareOptions): void {
  if (options.strategies.length === 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      '[multitask] compare needs at least one strategy — pass --strategies a,b.',
      {
        details: { option: 'strategies' },
      },
    );
  }
  if (options.readOnly === true && options.out === undefined) {
    throw new MultitaskError(
      'INVALID_OPTION',
      '[multitask] compare: readOnly needs out (the series directory).',
      {
        details: { option: 'readOnly' },
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
  checkOptions(options);
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

/** The most seeds one series may list (a typo such as `1-10000` is refused rather than run for weeks). */
export const MAX_SEEDS = 1000;

function seedsError(text: string, problem: string): MultitaskError {
  return new MultitaskError('INVALID_OPTION', `[multitask] --seeds "${text}": ${problem}`, {
    details: { option: 'seeds', value: text },
  });
}

function seedValue(text: string, digits: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) {
    throw seedsError(
      text,
      `seed ${digits} is above 2^53 − 1 (${Number.MAX_SAFE_INTEGER}), the largest exact integer.`,
    );
  }
  if (n < 1) throw seedsError(text, `seed ${digits} is not allowed — seeds are integers ≥ 1.`);
  return n;
}

/**
 * Parses the `--seeds` option: a comma-separated list of seeds and inclusive ranges, e.g. `1,2,3`, `1-3` or
 * `1-3,10`. Every seed is an integer from 1 to 2^53 − 1, listed once; at most {@link MAX_SEEDS} seeds. Throws
 * `INVALID_OPTION` naming `--seeds` and the offending item otherwise.
 *
 * @example
 * ```ts
 * parseSeeds('1-3,10'); // [1, 2, 3, 10]
 * ```
 */
export function parseSeeds(text: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  const seeds: number[] = [];
  const seen = new Set<number>();
  const add = (n: number): void => {
    if (seen.has(n)) throw seedsError(text, `seed ${n} is listed twice — list each seed once.`);
    if (seeds.length >= MAX_SEEDS) throw seedsError(text, `more than ${MAX_SEEDS} seeds.`);
    seen.add(n);
    seeds.push(n);
  };
  items.forEach((item, i) => {
    if (item === '') {
      throw seedsError(text, `item ${i + 1} is empty — write seeds as 1,2,3 or a range 1-3.`);
    }
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(item);
    if (/^\d+$/.test(item)) add(seedValue(text, item));
    else if (range) {
      const from = seedValue(text, range[1]!);
      const to = seedValue(text, range[2]!);
      if (to < from) throw seedsError(text, `range ${item} runs backwards — write ${to}-${from}.`);
      if (to - from >= MAX_SEEDS) throw seedsError(text, `more than ${MAX_SEEDS} seeds.`);
      for (let n = from; n <= to; n++) add(n);
    } else if (/^-\s*\d/.test(item)) {
      throw seedsError(text, `seed ${item} is negative — seeds are integers ≥ 1.`);
    } else {
      throw seedsError(text, `"${item}" is not an integer or a range such as 1-3.`);
    }
  });
  return seeds;
}

/** Checks a list of seeds given to the API (not parsed from text). */
function checkSeeds(seeds: readonly number[]): void {
  const text = seeds.join(',');
  if (seeds.length === 0) throw seedsError(text, 'no seed given.');
  if (seeds.length > MAX_SEEDS) throw seedsError(text, `more than ${MAX_SEEDS} seeds.`);
  const seen = new Set<number>();
  for (const s of seeds) {
    if (!Number.isInteger(s)) throw seedsError(text, `seed ${s} is not an integer.`);
    if (s < 1) throw seedsError(text, `seed ${s} is not allowed — seeds are integers ≥ 1.`);
    if (!Number.isSafeInteger(s)) throw seedsError(text, `seed ${s} is above 2^53 − 1.`);
    if (seen.has(s)) throw seedsError(text, `seed ${s} is listed twice — list each seed once.`);
    seen.add(s);
  }
}

/** Options of {@link runSeries}: those of {@link runComparison} plus the seeds. */
export interface SeriesOptions extends CompareOptions {
  /** The seeds; every strategy and baseline is trained once per seed (`config.training.seed` is ignored). */
  readonly seeds: readonly number[];
}

/** The file in a series directory that records what the series runs (for `--resume` and `report --from`). */
export const SERIES_FILE = 'series.json';

/** What `series.json` holds. */
interface SeriesManifest {
  readonly format: 'multitask-series/1';
  readonly config: ExperimentConfig;
  readonly strategies: readonly string[];
  readonly seeds: readonly number[];
  readonly baselines: boolean;
  readonly diagnosticsEvery?: number;
  readonly createdAt?: string;
}

function readManifest(file: string): SeriesManifest {
  let parsed: unknown;
  try {
    parsed = decodeNumbers(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new MultitaskError('IO_ERROR', `[multitask] Cannot read ${file}: ${(e as Error).message}`, {
      cause: e,
      details: { file },
    });
  }
  const m = parsed as Record<string, unknown> | null;
  const bad = (path: string, want: string): MultitaskError =>
    new MultitaskError(
      'INVALID_DATA',
      `[multitask] ${file}: "${path}" must be ${want} — the file was not written by multitask compare --seeds.`,
      { details: { file, path } },
    );
  if (m?.format !== 'multitask-series/1') throw bad('format', '"multitask-series/1"');
  if (typeof m.config !== 'object' || m.config === null) throw bad('config', 'an object');
  if (!Array.isArray(m.strategies) || !m.strategies.every((s) => typeof s === 'string'))
    throw bad('strategies', 'an array of strategy names');
  if (!Array.isArray(m.seeds) || !m.seeds.every((s) => typeof s === 'number'))
    throw bad('seeds', 'an array of seeds');
  if (typeof m.baselines !== 'boolean') throw bad('baselines', 'true or false');
  if (m.diagnosticsEvery !== undefined && typeof m.diagnosticsEvery !== 'number')
    throw bad('diagnosticsEvery', 'a number');
  if (m.createdAt !== undefined && typeof m.createdAt !== 'string') throw bad('createdAt', 'a string');
  return m as unknown as SeriesManifest;
}

/** The config without its seed (a series sets the seed per run). */
function seedless(config: ExperimentConfig): unknown {
  return JSON.parse(JSON.stringify({ ...config, training: { ...config.training, seed: 0 } }));
}

/**
 * Runs a comparison once per seed — every strategy and, with `baselines`, every single-task baseline for each
 * seed — and resolves to the {@link SeriesReport} (one single-seed report per seed) that `seriesMarkdown`,
 * `seriesHtml` and `writeSeriesReport` aggregate. With `out`, each (strategy or baseline, seed) run is a unit
 * in `out/runs/<strategy|baseline>-<name>-seed-<N>/` that `resume` skips when finished and continues when
 * interrupted, and `out/series.json` records the series so that {@link loadSeries} can rebuild its report.
 * Progress counts runs across the whole series (`run i of N`, labels such as `strategy mgda · seed 2`).
 *
 * @example
 * ```ts
 * const series = await runSeries(loadConfig('configs/penguins.json'), {
 *   strategies: ['static', 'mgda'],
 *   baselines: true,
 *   seeds: [1, 2, 3],
 * });
 * console.log(seriesMarkdown(series));
 * ```
 */
export async function runSeries(config: ExperimentConfig, options: SeriesOptions): Promise<SeriesReport> {
  checkSeeds(options.seeds);
  checkOptions(options);
  const seeds = [...options.seeds];
  const configured = config.training.diagnosticsEvery ?? 0;
  const every = options.diagnosticsEvery ?? (configured > 0 ? configured : 5);
  let createdAt = options.createdAt;
  if (options.out !== undefined && options.readOnly !== true) {
    const file = join(options.out, SERIES_FILE);
    if (existsSync(file)) {
      if (options.resume !== true) {
        throw new MultitaskError(
          'INVALID_OPTION',
          `[multitask] ${options.out} holds an earlier series (${SERIES_FILE}) — pass --resume to continue it, or choose another --out.`,
          { details: { option: 'resume', file } },
        );
      }
      const old = readManifest(file);
      const diff = jsonDifference(seedless(old.config), seedless(config));
      if (diff !== undefined) {
        throw new MultitaskError(
          'INVALID_OPTION',
          `[multitask] ${file} was written for another config (it differs at "${diff}") — resume with the same config and options, or choose another --out.`,
          { details: { file, field: diff } },
        );
      }
      createdAt = old.createdAt ?? createdAt;
    }
    const manifest: SeriesManifest = {
      format: 'multitask-series/1',
      config,
      strategies: options.strategies,
      seeds,
      baselines: options.baselines === true,
      diagnosticsEvery: every,
      ...(createdAt !== undefined ? { createdAt } : {}),
    };
    mkdirSync(options.out, { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(encodeNumbers(manifest), null, 2)}\n`);
    renameSync(tmp, file);
  }
  const perSeed = options.strategies.length + (options.baselines === true ? config.tasks.length : 0);
  const total = perSeed * seeds.length;
  const reports: ExperimentReport[] = [];
  for (const [i, seed] of seeds.entries()) {
    const offset = i * perSeed;
    const tag = (label: string): string => `${label} · seed ${seed}`;
    const { progress, onRunStart, onRunEnd } = options;
    reports.push(
      await runComparison(
        { ...config, training: { ...config.training, seed } },
        {
          ...options,
          diagnosticsEvery: every,
          ...(createdAt !== undefined ? { createdAt } : {}),
          ...(progress
            ? { progress: (label: string, index: number) => progress(tag(label), offset + index, total) }
            : {}),
          ...(onRunStart
            ? {
                onRunStart: (label: string) => {
                  onRunStart(tag(label));
                },
              }
            : {}),
          ...(onRunEnd
            ? {
                onRunEnd: (label: string, result: ExperimentResult) => {
                  onRunEnd(tag(label), result);
                },
              }
            : {}),
        },
      ),
    );
  }
  return {
    title: `${config.name}: ${options.strategies.join(' vs ')} · ${seeds.length} seed${seeds.length === 1 ? '' : 's'}`,
    description: describe(config, every, seeds),
    ...(createdAt !== undefined ? { createdAt } : {}),
    seeds,
    reports,
  };
}

/**
 * Rebuilds the report of a series from its directory (the `--out` of `multitask compare --seeds`), without
 * training: reads `series.json` and every run's `run.json`. Throws `NO_DATA` naming the first unfinished run,
 * `IO_ERROR`/`INVALID_DATA` naming the file when `series.json` is missing or not a series.
 *
 * @example
 * ```ts
 * await writeSeriesReport('out', await loadSeries('out'));
 * ```
 */
export async function loadSeries(dir: string): Promise<SeriesReport> {
  const m = readManifest(join(dir, SERIES_FILE));
  return runSeries(m.config, {
    strategies: m.strategies,
    seeds: m.seeds,
    baselines: m.baselines,
    ...(m.diagnosticsEvery !== undefined ? { diagnosticsEvery: m.diagnosticsEvery } : {}),
    ...(m.createdAt !== undefined ? { createdAt: m.createdAt } : {}),
    out: dir,
    resume: true,
    readOnly: true,
  });
}
