/**
 * Compares weighting strategies on one config: the same data, model and seed trained once per strategy, with
 * gradient-conflict diagnostics and histories, optionally against single-task baselines (Δm%).
 */
import { MultitaskError, type TaskMetrics } from '@multitask/core';
import {
  conflictRecorder,
  historyRecorder,
  singleTaskBaselines,
  type ExperimentReport,
  type RunRecord,
} from '@multitask/eval';
import type { ExperimentConfig } from './config.ts';
import { runExperiment, type ExperimentResult, type RunHooks } from './experiment.ts';
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
  /** Forwarded to every run (backend selection, epochs). */
  readonly hooks?: Pick<RunHooks, 'onBackend' | 'onEpoch'>;
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
  for (const name of options.strategies) {
    const label = `strategy ${name}`;
    options.onRunStart?.(label);
    const conflicts = conflictRecorder();
    const history = historyRecorder();
    const runConfig: ExperimentConfig = {
      ...config,
      strategy: name === config.strategy.name ? config.strategy : { name, options: {} },
      training: { ...config.training, diagnosticsEvery: every },
    };
    const result = await runExperiment(runConfig, { ...options.hooks, callbacks: [conflicts, history] });
    options.onRunEnd?.(label, result);
    runs.push({
      strategy: name,
      tasks: taskNames,
      epochs: history.epochs(),
      conflicts: conflicts.summary(),
      finalMetrics: reportMetrics(result.test),
      seconds: result.seconds,
      notes: `backend ${result.backend.name} · ${result.steps} steps${result.gradientMode ? ` · gradients w.r.t. ${result.gradientMode}` : ''}`,
    });
  }
  let baselines: TaskMetrics | undefined;
  if (options.baselines) {
    baselines = await singleTaskBaselines({
      tasks: taskNames,
      train: async (names) => {
        const label = `baseline ${names.join(', ')}`;
        options.onRunStart?.(label);
        const result = await runExperiment(
          {
            ...config,
            tasks: config.tasks.filter((t) => names.includes(t.name)),
            strategy: { name: 'static', options: {} },
            training: { ...config.training, diagnosticsEvery: 0 },
          },
          { ...options.hooks },
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
