/**
 * The experiment config file of the `multitask` CLI, and its validation: every problem names the file and the
 * field, and says how to fix it.
 */
import { readFileSync } from 'node:fs';
import { MultitaskError, type JsonValue, type Registry } from '@multitask/core';
import {
  backbones,
  datasets,
  metrics as metricsRegistry,
  tasks as taskRegistry,
  weightings,
} from './registries.ts';

/** A named part with options, e.g. `{ "type": "mlp", "options": { "units": [32] } }`. */
export interface PartSpec {
  readonly type: string;
  readonly options: { readonly [key: string]: JsonValue };
}

/** One task of the experiment. */
export interface TaskSpec extends PartSpec {
  readonly name: string;
  readonly metrics?: readonly string[];
}

/** A whole experiment. */
export interface ExperimentConfig {
  readonly name: string;
  readonly dataset: { readonly name: string; readonly options: { readonly [key: string]: JsonValue } };
  readonly backbone: PartSpec;
  readonly tasks: readonly TaskSpec[];
  readonly strategy: { readonly name: string; readonly options: { readonly [key: string]: JsonValue } };
  readonly optimizer: {
    readonly name: 'adam' | 'sgd' | 'momentum' | 'rmsprop';
    readonly learningRate: number;
  };
  readonly training: {
    readonly epochs: number;
    readonly batchSize: number;
    readonly seed: number;
    readonly gradientMode?: 'auto' | 'representation' | 'parameters';
    readonly headGradients?: 'weighted' | 'unweighted';
    readonly diagnosticsEvery?: number;
  };
  readonly backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
}

interface Json {
  readonly [key: string]: JsonValue;
}

const ROOT_KEYS = ['name', 'dataset', 'backbone', 'tasks', 'strategy', 'optimizer', 'training', 'backend'];
const TRAINING_KEYS = ['epochs', 'batchSize', 'seed', 'gradientMode', 'headGradients', 'diagnosticsEvery'];
const TASK_KEYS = ['name', 'type', 'options', 'metrics'];

/** The rule of one numeric data set option. */
interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly above?: number;
  readonly max?: number;
  readonly below?: number;
}

/** The options each built-in data set takes (see registries.ts). */
const DATASET_OPTIONS: Readonly<Record<string, Readonly<Record<string, NumberRule>>>> = {
  penguins: {
    seed: { integer: true, min: 1, max: Number.MAX_SAFE_INTEGER },
    test: { above: 0, below: 1 },
    validation: { min: 0, below: 1 },
  },
  'multi-mnist': {
    seed: { integer: true, min: 1, max: 2 ** 31 - 2 },
    trainSize: { integer: true, min: 1, max: 1e9 },
    testSize: { integer: true, min: 1, max: 1e9 },
    maxShift: { integer: true, min: 0, max: 64 },
    size: { integer: true, min: 8, max: 256 },
  },
};

/**
 * Metrics that read each task type's predictions correctly. A multi-label head has none among the built-in
 * metrics: its loss (always reported) is its measure.
 */
const METRICS_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  classification: [
    'accuracy',
    'top-3-accuracy',
    'top-5-accuracy',
    'precision',
    'recall',
    'f1',
    'precision-macro',
    'recall-macro',
    'f1-macro',
    'precision-micro',
    'recall-micro',
    'f1-micro',
    'log-loss',
  ],
  binary: ['accuracy', 'precision', 'recall', 'f1', 'roc-auc', 'log-loss'],
  regression: ['mse', 'rmse', 'mae', 'r2'],
  'multi-label': [],
};

/** The metrics a task gets when its config lists none: ones that exist for its head kind. */
export const DEFAULT_METRICS: Readonly<Record<string, readonly string[]>> = {
  classification: ['accuracy'],
  binary: ['accuracy'],
  regression: ['mse', 'mae'],
  'multi-label': [],
};

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The known name closest to `name`, when it is close enough to be a typo. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a config, naming the file and the JSON path in every error. */
class Validator {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  /** Throws `INVALID_CONFIG` for `path`; a third argument is shown as the value found. */
  fail(path: string, problem: string, ...got: unknown[]): never {
    const field = path === '' ? '(root)' : path;
    const suffix = got.length > 0 ? ` (got ${show(got[0])})` : '';
    throw new MultitaskError('INVALID_CONFIG', `[multitask] ${this.file}: ${field} ${problem}${suffix}`, {
      details: { file: this.file, field },
    });
  }

  /** An object whose keys are all known (or `$comment`); an unknown key names the nearest known one. */
  object(value: unknown, path: string, known: readonly string[], problem: string): Json {
    if (!isObject(value)) this.fail(path, problem, value);
    for (const key of Object.keys(value)) {
      if (key === '$comment' || known.includes(key)) continue;
      const guess = nearest(key, known);
      this.fail(
        path === '' ? key : `${path}.${key}`,
        `is not a known field${guess !== undefined ? ` — did you mean "${guess}"?` : ''} Known: ${known.join(', ')} (and "$comment").`,
      );
    }
    return value;
  }

  string(o: Json, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string' || v.trim() === '') this.fail(path, 'must be a non-empty string', v);
    return v;
  }

  choice(
    o: Json,
    key: string,
    path: string,
    allowed: readonly string[],
    fallback: string | undefined,
  ): string | undefined {
    if (!(key in o)) return fallback;
    const v = o[key];
    if (typeof v !== 'string' || !allowed.includes(v)) {
      const guess = typeof v === 'string' ? nearest(v, allowed) : undefined;
      this.fail(
        path,
        `must be one of ${allowed.join(', ')}${guess !== undefined ? ` — did you mean "${guess}"?` : ''}`,
        v,
      );
    }
    return v;
  }

  int(o: Json, key: string, path: string, min: number, max: number, fallback?: number): number {
    if (!(key in o) && fallback !== undefined) return fallback;
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(
        path,
        `must be an integer ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ` and ≤ ${Number.MAX_SAFE_INTEGER}`}`,
        v,
      );
    }
    return v;
  }

  number(o: Json, key: string, path: string, rule: NumberRule, fallback?: number): number {
    if (!(key in o) && fallback !== undefined) return fallback;
    return this.checkNumber(o[key], path, rule);
  }

  checkNumber(v: unknown, path: string, rule: NumberRule): number {
    const parts: string[] = [];
    if (rule.min !== undefined) parts.push(`≥ ${rule.min}`);
    if (rule.above !== undefined) parts.push(`> ${rule.above}`);
    if (rule.max !== undefined) parts.push(`≤ ${rule.max}`);
    if (rule.below !== undefined) parts.push(`< ${rule.below}`);
    const what = `must be ${rule.integer === true ? 'an integer' : 'a finite number'}${parts.length > 0 ? ` ${parts.join(' and ')}` : ''}`;
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      (rule.integer === true && !Number.isInteger(v)) ||
      (rule.min !== undefined && v < rule.min) ||
      (rule.above !== undefined && !(v > rule.above)) ||
      (rule.max !== undefined && v > rule.max) ||
      (rule.below !== undefined && !(v < rule.below))
    ) {
      this.fail(path, what, v);
    }
    return v;
  }

  /** The field's value; `fallback` only when the key is absent (an explicit `null` is a value, and refused). */
  present(o: Json, key: string, fallback: JsonValue): JsonValue | undefined {
    return key in o ? o[key] : fallback;
  }

  options(o: Json, path: string): Json {
    const v = this.present(o, 'options', {});
    if (!isObject(v)) this.fail(`${path}.options`, 'must be an object', o.options);
    return v;
  }

  registered(o: Json, key: string, path: string, registry: Registry<unknown>): string {
    const name = this.string(o, key, path);
    if (!registry.has(name)) {
      try {
        registry.get(name);
      } catch (e) {
        const guess = nearest(name, registry.names);
        this.fail(
          path,
          `${(e as Error).message.replace(/^\[[^\]]*\] /, '')}${guess !== undefined ? ` Did you mean "${guess}"?` : ''}`,
        );
      }
    }
    return name;
  }

  datasetOptions(options: Json, rules: Readonly<Record<string, NumberRule>>): void {
    this.object(options, 'dataset.options', Object.keys(rules), 'must be an object');
    for (const [key, rule] of Object.entries(rules)) {
      if (key in options) this.checkNumber(options[key], `dataset.options.${key}`, rule);
    }
    const test = options.test;
    const validation = options.validation;
    if (typeof test === 'number' && typeof validation === 'number' && test + validation >= 1) {
      this.fail(
        'dataset.options',
        `test + validation must leave rows to train on (got ${test} + ${validation}).`,
      );
    }
  }

  metric(m: unknown, path: string, type: string): void {
    if (typeof m !== 'string') this.fail(path, 'must be a metric name', m);
    const all = metricsRegistry.names;
    if (!metricsRegistry.has(m)) {
      const guess = nearest(m, all);
      this.fail(
        path,
        `is not a known metric "${m}"${guess !== undefined ? ` — did you mean "${guess}"?` : ''} Known: ${all.join(', ')}.`,
      );
    }
    const fits = METRICS_BY_TYPE[type];
    if (fits !== undefined && !fits.includes(m)) {
      this.fail(
        path,
        `"${m}" does not apply to a ${type} task${fits.length > 0 ? ` — use one of ${fits.join(', ')}` : ' (no built-in metric reads its predictions; its loss is always reported)'}.`,
      );
    }
  }

  /** Strategy options that name tasks (`weights` keys, `tasks`) must name tasks of the config. */
  taskNames(options: Json, path: string, tasks: readonly string[]): void {
    const check = (name: string, at: string): void => {
      if (!tasks.includes(name)) {
        const guess = nearest(name, tasks);
        this.fail(
          at,
          `names no task of this config: "${name}"${guess !== undefined ? ` — did you mean "${guess}"?` : ''} Tasks: ${tasks.join(', ')}.`,
        );
      }
    };
    const weights = options.weights;
    if (isObject(weights)) {
      for (const [t, w] of Object.entries(weights)) {
        check(t, `${path}.weights.${t}`);
        this.checkNumber(w, `${path}.weights.${t}`, { min: 0, max: 1e12 });
      }
    }
    const listed = options.tasks;
    if (Array.isArray(listed)) {
      listed.forEach((t, i) => {
        if (typeof t !== 'string') this.fail(`${path}.tasks[${i}]`, 'must be a task name', t);
        check(t, `${path}.tasks[${i}]`);
      });
    }
  }
}

/** Parses and validates a config object; `file` is used in error messages. */
export function parseConfig(raw: unknown, file: string): ExperimentConfig {
  const v: Validator = new Validator(file);
  const root = v.object(raw, '', ROOT_KEYS, 'must be a JSON object.');
  const dataset = v.object(
    root.dataset,
    'dataset',
    ['name', 'options'],
    'must be an object like { "name": "penguins" }.',
  );
  const backbone = v.object(
    root.backbone,
    'backbone',
    ['type', 'options'],
    'must be an object like { "type": "mlp", "options": {…} }.',
  );
  const tasks = root.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0)
    v.fail('tasks', 'must be a non-empty array of tasks.', tasks);
  const strategy = v.object(
    v.present(root, 'strategy', { name: 'static' }),
    'strategy',
    ['name', 'options'],
    'must be an object like { "name": "static" }.',
  );
  const optimizer = v.object(
    v.present(root, 'optimizer', {}),
    'optimizer',
    ['name', 'learningRate'],
    'must be an object like { "name": "adam", "learningRate": 0.001 }.',
  );
  const optName = v.choice(
    optimizer,
    'name',
    'optimizer.name',
    ['adam', 'sgd', 'momentum', 'rmsprop'],
    'adam',
  );
  const lr = v.number(optimizer, 'learningRate', 'optimizer.learningRate', { above: 0, max: 1e6 }, 0.001);
  const training = v.object(v.present(root, 'training', {}), 'training', TRAINING_KEYS, 'must be an object.');
  const mode = v.choice(
    training,
    'gradientMode',
    'training.gradientMode',
    ['auto', 'representation', 'parameters'],
    'auto',
  );
  const headGradients = v.choice(
    training,
    'headGradients',
    'training.headGradients',
    ['weighted', 'unweighted'],
    undefined,
  );
  const backend = v.choice(root, 'backend', 'backend', ['auto', 'tensorflow', 'wasm', 'cpu'], 'auto');
  const name = 'name' in root ? v.string(root, 'name', 'name') : 'experiment';

  const datasetName = v.registered(dataset, 'name', 'dataset.name', datasets);
  const datasetOptions = v.options(dataset, 'dataset');
  const rules = DATASET_OPTIONS[datasetName];
  if (rules !== undefined) v.datasetOptions(datasetOptions, rules);
  const backboneType = v.registered(backbone, 'type', 'backbone.type', backbones);
  const backboneOptions = v.options(backbone, 'backbone');

  const names = new Set<string>();
  const taskSpecs = tasks.map((t, i): TaskSpec => {
    const path = `tasks[${i}]`;
    const task = v.object(
      t,
      path,
      TASK_KEYS,
      'must be an object like { "name": "species", "type": "classification" }.',
    );
    const taskName = v.string(task, 'name', `${path}.name`);
    if (names.has(taskName))
      v.fail(`${path}.name`, `"${taskName}" is used twice — task names must be unique.`);
    names.add(taskName);
    const type = v.registered(task, 'type', `${path}.type`, taskRegistry);
    const metrics = task.metrics;
    if ('metrics' in task) {
      if (!Array.isArray(metrics)) v.fail(`${path}.metrics`, 'must be an array of metric names.', metrics);
      metrics.forEach((m, j) => {
        v.metric(m, `${path}.metrics[${j}]`, type);
      });
    }
    return {
      name: taskName,
      type,
      options: v.options(task, path),
      ...('metrics' in task ? { metrics: metrics as string[] } : {}),
    };
  });

  const strategyName = v.registered(strategy, 'name', 'strategy.name', weightings);
  const strategyOptions = v.options(strategy, 'strategy');
  v.taskNames(strategyOptions, 'strategy.options', [...names]);

  const diagnosticsEvery = !('diagnosticsEvery' in training)
    ? undefined
    : v.int(training, 'diagnosticsEvery', 'training.diagnosticsEvery', 0, 1e9);
  return {
    name,
    dataset: { name: datasetName, options: datasetOptions },
    backbone: { type: backboneType, options: backboneOptions },
    tasks: taskSpecs,
    strategy: { name: strategyName, options: strategyOptions },
    optimizer: { name: optName as ExperimentConfig['optimizer']['name'], learningRate: lr },
    training: {
      epochs: v.int(training, 'epochs', 'training.epochs', 1, 1e6, 10),
      batchSize: v.int(training, 'batchSize', 'training.batchSize', 1, 1 << 20, 32),
      seed: v.int(training, 'seed', 'training.seed', 1, Number.MAX_SAFE_INTEGER, 1),
      gradientMode: mode as 'auto' | 'representation' | 'parameters',
      ...(headGradients !== undefined ? { headGradients: headGradients as 'weighted' | 'unweighted' } : {}),
      ...(diagnosticsEvery !== undefined ? { diagnosticsEvery } : {}),
    },
    backend: backend as 'auto' | 'tensorflow' | 'wasm' | 'cpu',
  };
}

/** Reads and validates a config file. */
export function loadConfig(file: string): ExperimentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new MultitaskError(
      'IO_ERROR',
      `[multitask] Cannot read config file ${file}: ${(e as Error).message}`,
      {
        cause: e,
        details: { file },
      },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new MultitaskError(
      'INVALID_CONFIG',
      `[multitask] ${file} is not valid JSON: ${(e as Error).message}`,
      {
        cause: e,
        details: { file },
      },
    );
  }
  return parseConfig(raw, file);
}
