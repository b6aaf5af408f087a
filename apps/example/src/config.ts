/**
 * The experiment config file of the `multitask` CLI, and its validation: every problem names the file and the
 * field, and says how to fix it.
 */
import { readFileSync } from 'node:fs';
import { MultitaskError, type JsonValue } from '@multitask/core';

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

function fail(file: string, field: string, problem: string): never {
  throw new MultitaskError('INVALID_CONFIG', `[multitask] ${file}: ${field} ${problem}`, {
    details: { file, field },
  });
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(file: string, o: Json, key: string, field: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '')
    fail(file, field, `must be a non-empty string (got ${JSON.stringify(v)}).`);
  return v;
}

function int(file: string, o: Json, key: string, field: string, min: number, fallback?: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    fail(file, field, `must be an integer ≥ ${min} (got ${JSON.stringify(v)}).`);
  }
  return v;
}

function options(file: string, o: Json, field: string): Json {
  const v = o.options ?? {};
  if (!isObject(v)) fail(file, `${field}.options`, 'must be an object.');
  return v;
}

/** Parses and validates a config object; `file` is used in error messages. */
export function parseConfig(raw: unknown, file: string): ExperimentConfig {
  if (!isObject(raw)) fail(file, '(root)', 'must be a JSON object.');
  const dataset = raw.dataset;
  if (!isObject(dataset)) fail(file, 'dataset', 'must be an object like { "name": "penguins" }.');
  const backbone = raw.backbone;
  if (!isObject(backbone))
    fail(file, 'backbone', 'must be an object like { "type": "mlp", "options": {…} }.');
  const tasks = raw.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0) fail(file, 'tasks', 'must be a non-empty array of tasks.');
  const strategy = raw.strategy ?? { name: 'static' };
  if (!isObject(strategy)) fail(file, 'strategy', 'must be an object like { "name": "static" }.');
  const optimizer = raw.optimizer ?? { name: 'adam', learningRate: 0.001 };
  if (!isObject(optimizer))
    fail(file, 'optimizer', 'must be an object like { "name": "adam", "learningRate": 0.001 }.');
  const optName = optimizer.name ?? 'adam';
  if (optName !== 'adam' && optName !== 'sgd' && optName !== 'momentum' && optName !== 'rmsprop') {
    fail(
      file,
      'optimizer.name',
      `must be one of adam, sgd, momentum, rmsprop (got ${JSON.stringify(optName)}).`,
    );
  }
  const lr = optimizer.learningRate ?? 0.001;
  if (typeof lr !== 'number' || !(lr > 0))
    fail(file, 'optimizer.learningRate', `must be a number > 0 (got ${JSON.stringify(lr)}).`);
  const training = raw.training ?? {};
  if (!isObject(training)) fail(file, 'training', 'must be an object.');
  const mode = training.gradientMode ?? 'auto';
  if (mode !== 'auto' && mode !== 'representation' && mode !== 'parameters') {
    fail(
      file,
      'training.gradientMode',
      `must be auto, representation or parameters (got ${JSON.stringify(mode)}).`,
    );
  }
  const headGradients = training.headGradients;
  if (headGradients !== undefined && headGradients !== 'weighted' && headGradients !== 'unweighted') {
    fail(
      file,
      'training.headGradients',
      `must be weighted or unweighted (got ${JSON.stringify(headGradients)}).`,
    );
  }
  const backend = raw.backend ?? 'auto';
  if (backend !== 'auto' && backend !== 'tensorflow' && backend !== 'wasm' && backend !== 'cpu') {
    fail(file, 'backend', `must be auto, tensorflow, wasm or cpu (got ${JSON.stringify(backend)}).`);
  }
  const names = new Set<string>();
  const taskSpecs = tasks.map((t, i): TaskSpec => {
    if (!isObject(t))
      fail(file, `tasks[${i}]`, 'must be an object like { "name": "species", "type": "classification" }.');
    const name = str(file, t, 'name', `tasks[${i}].name`);
    if (names.has(name))
      fail(file, `tasks[${i}].name`, `"${name}" is used twice — task names must be unique.`);
    names.add(name);
    const metrics = t.metrics;
    if (metrics !== undefined && (!Array.isArray(metrics) || !metrics.every((m) => typeof m === 'string'))) {
      fail(file, `tasks[${i}].metrics`, 'must be an array of metric names.');
    }
    return {
      name,
      type: str(file, t, 'type', `tasks[${i}].type`),
      options: options(file, t, `tasks[${i}]`),
      ...(metrics !== undefined ? { metrics: metrics } : {}),
    };
  });
  const diagnosticsEvery = training.diagnosticsEvery;
  return {
    name: typeof raw.name === 'string' ? raw.name : 'experiment',
    dataset: { name: str(file, dataset, 'name', 'dataset.name'), options: options(file, dataset, 'dataset') },
    backbone: {
      type: str(file, backbone, 'type', 'backbone.type'),
      options: options(file, backbone, 'backbone'),
    },
    tasks: taskSpecs,
    strategy: {
      name: str(file, strategy, 'name', 'strategy.name'),
      options: options(file, strategy, 'strategy'),
    },
    optimizer: { name: optName, learningRate: lr },
    training: {
      epochs: int(file, training, 'epochs', 'training.epochs', 1, 10),
      batchSize: int(file, training, 'batchSize', 'training.batchSize', 1, 32),
      seed: int(file, training, 'seed', 'training.seed', 1, 1),
      gradientMode: mode,
      ...(headGradients !== undefined ? { headGradients } : {}),
      ...(diagnosticsEvery !== undefined
        ? { diagnosticsEvery: int(file, training, 'diagnosticsEvery', 'training.diagnosticsEvery', 0) }
        : {}),
    },
    backend,
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
