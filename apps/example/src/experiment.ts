/** Builds and runs one experiment from a config: data, model, strategy, trainer, evaluation. */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendSelection } from '@multitask/backend';
import {
  MultitaskError,
  MultitaskModel,
  Trainer,
  type EpochEvent,
  type JsonValue,
  type MetricFactory,
  type StepEvent,
  type TaskMetrics,
  type TrainerCallback,
  registerGradients,
} from '@multitask/core';
import type { ExperimentConfig } from './config.ts';
import { onlyTasks } from './task-subset.ts';
import { backbones, datasets, metricFactories, tasks as taskRegistry, weightings } from './registries.ts';

/** What one run produced; printed as one JSON object by `--json`. */
export interface ExperimentResult {
  readonly name: string;
  readonly dataset: string;
  readonly strategy: string;
  readonly backend: { readonly name: string; readonly reason: string };
  readonly seed: number;
  readonly epochs: number;
  readonly steps: number;
  readonly gradientMode?: string;
  readonly seconds: number;
  /** Test-set metrics per task (plus `loss`). */
  readonly test: TaskMetrics;
  /** Per-epoch mean training losses (and validation metrics when a validation split exists). */
  readonly history: readonly EpochEvent[];
  /** The strategy's last task weights, when it has them. */
  readonly weights?: Readonly<Record<string, number>>;
  /** The strategy's serialisable state (e.g. uncertainty's log-variances). */
  readonly strategyState: JsonValue;
  /** Extra facts of the strategy (e.g. learned σ per task for `uncertainty`). */
  readonly strategyInfo?: Readonly<Record<string, JsonValue>>;
  readonly notes?: Readonly<Record<string, JsonValue>>;
}

/** Hooks for progress output. */
export interface RunHooks {
  readonly onBackend?: (selection: BackendSelection) => void;
  readonly onEpoch?: (event: EpochEvent, total: number) => void;
  readonly callbacks?: readonly TrainerCallback[];
}

function makeOptimizer(config: ExperimentConfig): tf.Optimizer {
  const lr = config.optimizer.learningRate;
  switch (config.optimizer.name) {
    case 'adam':
      return tf.train.adam(lr);
    case 'sgd':
      return tf.train.sgd(lr);
    case 'momentum':
      return tf.train.momentum(lr, 0.9);
    case 'rmsprop':
      return tf.train.rmsprop(lr);
  }
}

/** Runs the experiment described by `config` and returns its result. Frees every tensor it made. */
export async function runExperiment(
  config: ExperimentConfig,
  hooks: RunHooks = {},
): Promise<ExperimentResult> {
  const started = Date.now();
  // Resolve every name before any work, so a typo fails fast with the list of known names.
  const makeBackbone = backbones.get(config.backbone.type);
  const makeStrategy = weightings.get(config.strategy.name);
  const loadData = datasets.get(config.dataset.name);
  const taskMakers = config.tasks.map((t) => taskRegistry.get(t.type));

  const selection = await selectBackend(
    config.backend && config.backend !== 'auto' ? { prefer: config.backend } : {},
  );
  registerGradients(); // tfjs-core registers no gradients by itself
  hooks.onBackend?.(selection);
  const loaded = await loadData(config.dataset.options);
  // A config may use some of the data set's tasks (e.g. a single-task baseline): hide the others' targets.
  const names = config.tasks.map((t) => t.name);
  const data = {
    ...loaded,
    train: onlyTasks(loaded.train, names),
    test: onlyTasks(loaded.test, names),
    ...(loaded.validation ? { validation: onlyTasks(loaded.validation, names) } : {}),
  };
  const seed = config.training.seed;
  const backbone = makeBackbone(config.backbone.options, data, seed, names);
  const tasks = config.tasks.map((spec, i) => {
    const options = { ...spec.options };
    if (backbone.outputSize !== undefined && options.inputSize === undefined)
      options.inputSize = backbone.outputSize;
    if (options.seed === undefined) options.seed = seed + 100 + i;
    return taskMakers[i]!(spec.name, options);
  });
  const model = new MultitaskModel({ backbone, tasks });
  const strategy = makeStrategy(config.strategy.options);
  const optimizer = makeOptimizer(config);
  const metrics: Record<string, MetricFactory[]> = {};
  for (const [i, spec] of config.tasks.entries())
    metrics[spec.name] = metricFactories(spec.name, spec.metrics ?? tasks[i]!.metrics ?? []);
  let lastWeights: Readonly<Record<string, number>> | undefined;
  const trainer = new Trainer({
    model,
    strategy,
    optimizer,
    seed,
    metrics,
    gradientMode: config.training.gradientMode ?? 'auto',
    ...(config.training.headGradients ? { headGradients: config.training.headGradients } : {}),
    ...(config.training.diagnosticsEvery !== undefined
      ? { diagnosticsEvery: config.training.diagnosticsEvery }
      : {}),
    callbacks: [
      {
        onStepEnd: (e: StepEvent) => {
          if (e.weights) lastWeights = e.weights;
        },
        onEpochEnd: (e: EpochEvent) => hooks.onEpoch?.(e, config.training.epochs),
      },
      ...(hooks.callbacks ?? []),
    ],
  });
  try {
    const fit = await trainer.fit(data.train, {
      epochs: config.training.epochs,
      batchSize: config.training.batchSize,
      ...(data.validation ? { validation: data.validation } : {}),
    });
    const test = await trainer.evaluate(data.test, { batchSize: 256 });
    const info = strategyInfo(strategy);
    return {
      name: config.name,
      dataset: config.dataset.name,
      strategy: strategy.name,
      backend: { name: selection.name, reason: selection.reason },
      seed,
      epochs: fit.epochs,
      steps: fit.steps,
      ...(fit.gradientMode ? { gradientMode: fit.gradientMode } : {}),
      seconds: (Date.now() - started) / 1000,
      test,
      history: fit.history,
      ...(lastWeights ? { weights: lastWeights } : {}),
      strategyState: strategy.state(),
      ...(info ? { strategyInfo: info } : {}),
      ...(data.notes ? { notes: data.notes } : {}),
    };
  } catch (e) {
    if (e instanceof MultitaskError) throw e;
    throw e;
  } finally {
    strategy.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

/** Strategy facts worth reporting (uncertainty's σ per task). */
function strategyInfo(strategy: unknown): Record<string, JsonValue> | undefined {
  const s = strategy as { sigmas?: () => Readonly<Record<string, number>> | readonly number[] };
  if (typeof s.sigmas === 'function') return { sigmas: s.sigmas() as JsonValue };
  return undefined;
}
