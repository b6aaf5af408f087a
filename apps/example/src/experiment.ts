/** Builds and runs one experiment from a config: data, model, strategy, trainer, evaluation. */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendSelection, type BackendWorkload } from '@multitask/backend';
import {
  MultitaskError,
  MultitaskModel,
  representationSize,
  restoreCheckpoint,
  Trainer,
  type EpochEvent,
  type GradientStatsEvent,
  type JsonValue,
  type MetricFactory,
  type StepEvent,
  type TaskMetrics,
  type TrainerCallback,
  type TrainingControl,
  registerGradients,
} from '@multitask/core';
import { findCheckpoint, saveCheckpoint } from '@multitask/core/node';
import { DEFAULT_METRICS, nearest, type ExperimentConfig } from './config.ts';
import { onlyTasks } from './task-subset.ts';
import {
  BACKBONE_FACTORY_OPTIONS,
  backbones,
  datasets,
  metricFactories,
  tasks as taskRegistry,
  weightings,
} from './registries.ts';

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
  /** Called once the backend is chosen. */
  readonly onBackend?: (selection: BackendSelection) => void;
  /** Called after every epoch trained in this process (not for epochs replayed from a checkpoint). */
  readonly onEpoch?: (event: EpochEvent, total: number) => void;
  /** Extra trainer callbacks; on resume they first see every event of the checkpointed epochs again. */
  readonly callbacks?: readonly TrainerCallback[];
  /**
   * Called when a run continues from a checkpoint, with the epochs it had completed and, for a checkpoint
   * written inside an epoch, the batches of the next epoch it had trained (0 otherwise).
   */
  readonly onResume?: (info: {
    readonly epoch: number;
    readonly batches: number;
    readonly step: number;
    readonly path: string;
  }) => void;
}

/** Checkpointing of one run: a checkpoint after every epoch, resume, and stopping on request. */
export interface RunCheckpointing {
  /** Directory of the run's checkpoint (written atomically after every epoch). */
  readonly dir: string;
  /**
   * Continue from the newest intact checkpoint in `dir` when there is one (it must have been written for the
   * same config). Without `resume`, an existing checkpoint is an error rather than silently overwritten.
   */
  readonly resume: boolean;
  /**
   * When aborted, training stops after the current step, a checkpoint of exactly that point is written (inside
   * the epoch when the step was not its last) and the run rejects with {@link RunInterrupted}.
   */
  readonly signal?: AbortSignal;
}

/**
 * Thrown by {@link runExperiment} when its `signal` stopped training. The checkpoint holds the run up to the
 * last step (the completed epochs plus the batches of the epoch under way), so `resume` continues at the next
 * batch.
 */
export class RunInterrupted extends Error {
  override readonly name = 'RunInterrupted';
  /** Epochs completed and saved in the checkpoint. */
  readonly epoch: number;
  /** Batches of the next epoch saved in the checkpoint (0 when the stop fell on an epoch's end). */
  readonly batches: number;
  /** Steps run before stopping (all saved in the checkpoint). */
  readonly step: number;
  /** The checkpoint directory. */
  readonly dir: string;

  /**
   * @param epoch - epochs completed and saved in the checkpoint
   * @param step - steps run before stopping
   * @param dir - the checkpoint directory
   * @param batches - batches of the next epoch saved in the checkpoint
   */
  constructor(epoch: number, step: number, dir: string, batches = 0) {
    super(
      `interrupted at step ${step}; the checkpoint in ${dir} holds ${epoch} completed epoch(s)` +
        (batches > 0 ? ` and ${batches} batch(es) of epoch ${epoch + 1}` : ''),
    );
    this.epoch = epoch;
    this.batches = batches;
    this.step = step;
    this.dir = dir;
  }
}

/** One recorded trainer event, replayed into fresh callbacks on resume. */
type JournalEntry =
  | { readonly kind: 'step'; readonly event: StepEvent }
  | { readonly kind: 'stats'; readonly event: GradientStatsEvent }
  | { readonly kind: 'epoch'; readonly event: EpochEvent };

/** What a run stores in its checkpoint besides the trainer: the config and every event so far. */
interface RunExtra {
  readonly config: ExperimentConfig;
  readonly journal: JournalEntry[];
}

/** JSON cannot hold NaN or ±Infinity: they are written as `{ "$number": "NaN" }` and read back. */
export function encodeNumbers(value: unknown): JsonValue {
  if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
  if (Array.isArray(value)) return value.map(encodeNumbers);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, encodeNumbers(v)]),
    );
  }
  return value as JsonValue;
}

/** The inverse of {@link encodeNumbers}. */
export function decodeNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeNumbers);
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$number' && typeof o.$number === 'string') return Number(o.$number);
    return Object.fromEntries(keys.map((k) => [k, decodeNumbers(o[k])]));
  }
  return value;
}

/** Where two JSON values first differ (a path such as `training.epochs`), or undefined when equal. */
export function jsonDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (a === b) return undefined;
  const here = path === '' ? '(root)' : path;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return here;
    for (let i = 0; i < a.length; i++) {
      const d = jsonDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (
    typeof a === 'object' &&
    a !== null &&
    typeof b === 'object' &&
    b !== null &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
      const d = jsonDifference(ao[k], bo[k], path === '' ? k : `${path}.${k}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return Number.isNaN(a) && Number.isNaN(b) ? undefined : here;
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

/**
 * What selectBackend needs to pick the engine before the data is loaded: conv backbones are "convolutional"; a dense
 * backbone's multiply-adds per step are estimated from its units (the input width taken as the first layer's).
 */
function workloadOf(config: ExperimentConfig): BackendWorkload {
  if (config.backbone.type === 'multi-lenet' || config.backbone.type === 'resnet')
    return { convolutional: true };
  const units = config.backbone.options.units;
  if (!Array.isArray(units) || !units.every((u) => typeof u === 'number') || units.length === 0) return {};
  const widths = [units[0]!, ...units];
  const perRow = widths.slice(1).reduce((sum, w, i) => sum + w * widths[i]!, 0);
  return { multiplyAdds: perRow * config.training.batchSize };
}

/**
 * Runs the experiment described by `config` and returns its result. Frees every tensor it made. With
 * `checkpointing`, a checkpoint is written after every epoch and, with `resume`, the run continues from the newest
 * intact one — ending exactly as an uninterrupted run would (same backend).
 */
export async function runExperiment(
  config: ExperimentConfig,
  hooks: RunHooks = {},
  checkpointing?: RunCheckpointing,
): Promise<ExperimentResult> {
  const started = Date.now();
  // Resolve every name before any work, so a typo fails fast with the list of known names.
  const makeBackbone = backbones.get(config.backbone.type);
  const makeStrategy = weightings.get(config.strategy.name);
  const loadData = datasets.get(config.dataset.name);
  const taskMakers = config.tasks.map((t) => taskRegistry.get(t.type));

  const selection = await selectBackend({
    ...(config.backend && config.backend !== 'auto' ? { prefer: config.backend } : {}),
    workload: workloadOf(config),
  });
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
    const size = representationSize(backbone, spec.name);
    if (size !== undefined && options.inputSize === undefined) options.inputSize = size;
    if (options.seed === undefined) options.seed = seed + 100 + i;
    return taskMakers[i]!(spec.name, options);
  });
  const model = new MultitaskModel({ backbone, tasks });
  const strategy = makeStrategy(config.strategy.options);
  try {
    // A part echoes the options it understood in its config: any other key is a typo (e.g. "dropuot").
    unknownOptions('backbone.options', config.backbone.options, backbone.getConfig().options, [
      'tasks',
      ...(BACKBONE_FACTORY_OPTIONS[config.backbone.type] ?? []),
    ]);
    config.tasks.forEach((spec, i) => {
      unknownOptions(`tasks[${i}].options`, spec.options, tasks[i]!.head.getConfig().options, ['metrics']);
    });
    unknownOptions('strategy.options', config.strategy.options, strategy.getConfig(), []);
  } catch (e) {
    strategy.dispose();
    model.dispose();
    throw e;
  }
  const optimizer = makeOptimizer(config);
  const metrics: Record<string, MetricFactory[]> = {};
  for (const [i, spec] of config.tasks.entries())
    metrics[spec.name] = metricFactories(
      spec.name,
      spec.metrics ?? DEFAULT_METRICS[spec.type] ?? tasks[i]!.metrics ?? [],
    );
  let lastWeights: Readonly<Record<string, number>> | undefined;
  const journal: JournalEntry[] = [];
  const history: EpochEvent[] = [];
  const keepJournal = checkpointing !== undefined;
  const extraCallbacks = hooks.callbacks ?? [];
  const run = { interrupted: false };
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
        onStepEnd: (e: StepEvent, control: TrainingControl) => {
          if (e.weights) lastWeights = e.weights;
          if (keepJournal) journal.push({ kind: 'step', event: e });
          if (checkpointing?.signal?.aborted === true) {
            run.interrupted = true;
            control.stop('interrupted');
          }
        },
        onGradientStats: (e: GradientStatsEvent) => {
          if (keepJournal) journal.push({ kind: 'stats', event: e });
        },
        onEpochEnd: (e: EpochEvent) => {
          // The trainer reports complete epochs only (a stop inside an epoch leaves it open, to be continued).
          history.push(e);
          if (keepJournal) journal.push({ kind: 'epoch', event: e });
          hooks.onEpoch?.(e, config.training.epochs);
        },
      },
      ...extraCallbacks,
      ...(checkpointing !== undefined
        ? [
            {
              onEpochEnd: async () => {
                const extra: RunExtra = { config, journal };
                await saveCheckpoint(checkpointing.dir, trainer, encodeNumbers(extra));
              },
            },
          ]
        : []),
    ],
  });
  try {
    if (checkpointing !== undefined) {
      const found = await findCheckpoint(checkpointing.dir);
      if (found !== undefined && !checkpointing.resume) {
        throw new MultitaskError(
          'INVALID_OPTION',
          `[multitask] ${checkpointing.dir} holds a checkpoint of an earlier run (${found.data.manifest.epoch} epochs done) — pass --resume to continue it, or choose another --out.`,
          { details: { option: 'resume', file: checkpointing.dir } },
        );
      }
      if (found !== undefined) {
        const saved = decodeNumbers(found.data.manifest.extra) as Partial<RunExtra> | undefined;
        const diff = jsonDifference(saved?.config, JSON.parse(JSON.stringify(config)));
        if (diff !== undefined || !Array.isArray(saved?.journal)) {
          throw new MultitaskError(
            'CHECKPOINT_ERROR',
            `[multitask] The checkpoint in ${found.path} was written for another config (it differs at "${diff ?? 'journal'}") — resume with the same config and options, or choose another --out.`,
            { details: { file: found.path, field: diff ?? 'journal' } },
          );
        }
        await restoreCheckpoint(trainer, found.data, found.path);
        const control: TrainingControl = { stop: () => undefined };
        for (const entry of saved.journal) {
          journal.push(entry);
          if (entry.kind === 'step') {
            if (entry.event.weights) lastWeights = entry.event.weights;
            for (const cb of extraCallbacks) await cb.onStepEnd?.(entry.event, control);
          } else if (entry.kind === 'stats') {
            for (const cb of extraCallbacks) await cb.onGradientStats?.(entry.event);
          } else {
            history.push(entry.event);
            for (const cb of extraCallbacks) await cb.onEpochEnd?.(entry.event, control);
          }
        }
        hooks.onResume?.({
          epoch: trainer.epoch,
          batches: found.data.manifest.partialEpoch?.batches ?? 0,
          step: trainer.step,
          path: found.path,
        });
      }
    }
    const remaining = config.training.epochs - trainer.epoch;
    let fit: Awaited<ReturnType<Trainer['fit']>> | undefined;
    if (remaining > 0) {
      fit = await trainer.fit(data.train, {
        epochs: remaining,
        batchSize: config.training.batchSize,
        ...(data.validation ? { validation: data.validation } : {}),
      });
    }
    if (run.interrupted && checkpointing !== undefined) {
      // Stopped inside an epoch: save exactly this point (atomically, with the journal of its steps), so that
      // --resume continues at the next batch. A stop on an epoch's last step was saved by the epoch's end.
      const batches = fit?.partialEpoch?.batches ?? 0;
      if (batches > 0) {
        const extra: RunExtra = { config, journal };
        await saveCheckpoint(checkpointing.dir, trainer, encodeNumbers(extra));
      }
      throw new RunInterrupted(history.length, trainer.step, checkpointing.dir, batches);
    }
    const test = await trainer.evaluate(data.test, { batchSize: 256 });
    const info = strategyInfo(strategy);
    // A run resumed after its last epoch trains no step here: its mode is the one its gradient statistics recorded.
    const lastStats = [...journal].reverse().find((e) => e.kind === 'stats');
    const mode = fit?.gradientMode ?? (lastStats?.kind === 'stats' ? lastStats.event.mode : undefined);
    return {
      name: config.name,
      dataset: config.dataset.name,
      strategy: strategy.name,
      backend: { name: selection.name, reason: selection.reason },
      seed,
      epochs: history.length,
      steps: trainer.step,
      ...(mode ? { gradientMode: mode } : {}),
      seconds: (Date.now() - started) / 1000,
      test,
      history,
      ...(lastWeights ? { weights: lastWeights } : {}),
      strategyState: strategy.state(),
      ...(info ? { strategyInfo: info } : {}),
      ...(data.notes ? { notes: data.notes } : {}),
    };
  } finally {
    strategy.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

function unknownOptions(
  path: string,
  given: { readonly [key: string]: JsonValue },
  understood: { readonly [key: string]: JsonValue },
  alsoKnown: readonly string[],
): void {
  const known = [...new Set([...Object.keys(understood), ...alsoKnown])];
  for (const key of Object.keys(given)) {
    if (key === '$comment' || known.includes(key)) continue;
    const guess = nearest(key, known);
    throw new MultitaskError(
      'INVALID_CONFIG',
      `[multitask] ${path}.${key} is not an option of this part${guess !== undefined ? ` — did you mean "${guess}"?` : ''} Known: ${known.join(', ')}.`,
      { details: { field: `${path}.${key}` } },
    );
  }
}

/** Strategy facts worth reporting (uncertainty's σ per task). */
function strategyInfo(strategy: unknown): Record<string, JsonValue> | undefined {
  const s = strategy as { sigmas?: () => Readonly<Record<string, number>> | readonly number[] };
  if (typeof s.sigmas === 'function') return { sigmas: s.sigmas() as JsonValue };
  return undefined;
}
