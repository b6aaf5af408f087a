/**
 * Checkpoints of a training run, independent of where they are stored: {@link captureCheckpoint} turns a trainer
 * (model weights, optimizer slots, strategy state and variables, random generators, step and epoch) into a manifest
 * plus weights in the tfjs weights format; {@link restoreCheckpoint} puts them back so that training continues
 * exactly as an uninterrupted run would (same backend). The `./node` entry point writes them to disk atomically.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { JsonValue, PartConfig } from './backbone.ts';
import { MultitaskError } from './errors.ts';
import type { RngState } from './random.ts';
import { MAX_OP_SEED } from './random.ts';
import type { PartialEpochState, Trainer } from './trainer.ts';

/**
 * The newest checkpoint format this package writes and reads. Format 2 names the model's variables as model
 * save/load does (`backbone/<i>`, `backbone/state/<i>`, `task/<task>/<i>`); format 3 is format 2 plus
 * `partialEpoch`, the progress of an epoch stopped inside. A checkpoint taken between epochs is still written as
 * format 2 (so that older versions read it); one taken inside an epoch is format 3, which older versions refuse
 * instead of silently restarting the epoch. Formats 2 and 3 are read; format 1 is refused.
 */
export const CHECKPOINT_FORMAT = 3;

/** The format of checkpoints taken between epochs (no `partialEpoch`). */
const EPOCH_BOUNDARY_FORMAT = 2;

/** Key prefix of optimizer state that tfjs' `getWeights()` does not return (Adam's β-power accumulators). */
const OPTIMIZER_EXTRA = 'optimizer-extra/';

/**
 * Private optimizer variables that `setWeights()` recomputes instead of restoring: tfjs Adam and Adamax rebuild
 * `β₁ᵗ` and `β₂ᵗ` as `pow(β, step)`, which differs in the last bits from the product accumulated step by step.
 */
const EXTRA_OPTIMIZER_FIELDS = ['accBeta1', 'accBeta2'] as const;

function extraOptimizerVariables(optimizer: tf.Optimizer): [string, Variable][] {
  const o = optimizer as unknown as Record<string, unknown>;
  return EXTRA_OPTIMIZER_FIELDS.filter((f) => o[f] instanceof tf.Variable).map((f) => [
    `${OPTIMIZER_EXTRA}${f}`,
    o[f] as Variable,
  ]);
}

/** The plain-JSON part of a checkpoint (`manifest.json`). */
export interface CheckpointManifest {
  /** Format version ({@link CHECKPOINT_FORMAT}). */
  readonly format: number;
  /** Steps run when the checkpoint was taken. */
  readonly step: number;
  /** Epochs completed when the checkpoint was taken. */
  readonly epoch: number;
  /** The epoch under way when the checkpoint was taken inside one (format 3 only). */
  readonly partialEpoch?: PartialEpochState;
  /** The trainer's random generators. */
  readonly rng: { readonly trainer: RngState; readonly strategy: RngState };
  /** The strategy's name, config and JSON state. */
  readonly strategy: {
    readonly name: string;
    readonly config?: { readonly [key: string]: JsonValue };
    readonly state: JsonValue;
  };
  /** The optimizer's tfjs class name (`Adam`, `SGD`…). */
  readonly optimizer?: { readonly className: string };
  /** Configs of the backbone and of every task's head. */
  readonly model: { readonly backbone: PartConfig; readonly heads: Readonly<Record<string, PartConfig>> };
  /** Every saved tensor in order, with the key it has in the weights file. */
  readonly tensors: readonly { readonly key: string; readonly shape: readonly number[] }[];
  /** Anything the caller adds (metric history, the experiment config…). */
  readonly extra?: JsonValue;
}

/** A checkpoint in memory: the manifest plus the weights (specs and bytes) in the tfjs weights format. */
export interface CheckpointData {
  /** The JSON part. */
  readonly manifest: CheckpointManifest;
  /** tfjs weights specs (name, shape, dtype) of `weightData`. */
  readonly weightSpecs: tf.io.WeightsManifestEntry[];
  /** The concatenated weight bytes. */
  readonly weightData: ArrayBuffer;
}

/** The model's variables under the model's one naming scheme, then the strategy's (`strategy/<i>`). */
function keyedVariables(trainer: Trainer): [string, Variable][] {
  const out = trainer.model.namedVariables().map((n): [string, Variable] => [n.name, n.variable]);
  const s = trainer.strategy;
  if (s.family === 'loss') (s.variables ?? []).forEach((v, i) => out.push([`strategy/${i}`, v]));
  return out;
}

/**
 * Captures everything needed to resume `trainer` exactly. Reads optimizer slots asynchronously; the returned
 * bytes are a copy (the trainer may go on).
 */
export async function captureCheckpoint(trainer: Trainer, extra?: JsonValue): Promise<CheckpointData> {
  const vars = keyedVariables(trainer);
  const optimizerWeights = await trainer.optimizer.getWeights();
  const named: { name: string; tensor: Tensor }[] = [
    ...vars.map(([key, v]) => ({ name: key, tensor: v })),
    ...optimizerWeights.map((w, i) => ({ name: `optimizer/${i}`, tensor: w.tensor })),
    ...extraOptimizerVariables(trainer.optimizer).map(([key, v]) => ({ name: key, tensor: v })),
  ];
  let encoded: Awaited<ReturnType<typeof tf.io.encodeWeights>>;
  try {
    encoded = await tf.io.encodeWeights(named);
  } finally {
    // getWeights() returns the optimizer's own slot variables plus a fresh `iter` scalar: free only the latter.
    tf.dispose(optimizerWeights.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
  }
  const { data, specs } = encoded;
  const weightData = Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
  const state = trainer.state();
  const manifest: CheckpointManifest = {
    format: state.partialEpoch !== undefined ? CHECKPOINT_FORMAT : EPOCH_BOUNDARY_FORMAT,
    step: state.step,
    epoch: state.epoch,
    ...(state.partialEpoch !== undefined ? { partialEpoch: state.partialEpoch } : {}),
    rng: { trainer: state.rng, strategy: state.strategyRng },
    strategy: {
      name: trainer.strategy.name,
      config: trainer.strategy.getConfig(),
      state: trainer.strategy.state(),
    },
    optimizer: { className: trainer.optimizer.getClassName() },
    model: {
      backbone: trainer.model.backbone.getConfig(),
      heads: Object.fromEntries(trainer.model.tasks.map((t) => [t.name, t.head.getConfig()])),
    },
    tensors: named.map((n) => ({ key: n.name, shape: [...n.tensor.shape] })),
    ...(extra !== undefined ? { extra } : {}),
  };
  return { manifest, weightSpecs: specs, weightData };
}

function checkpointError(message: string, details: Record<string, string | number> = {}): MultitaskError {
  return new MultitaskError('CHECKPOINT_ERROR', `[@multitask/core] ${message}`, { details });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeJson(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const text = JSON.stringify(v);
  return text.length > 40 ? `${typeof v} ${text.slice(0, 37)}…` : `${typeof v} ${text}`;
}

function isJsonValue(v: unknown, depth = 0): v is JsonValue {
  if (depth > 64) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJsonValue(x, depth + 1));
  if (isRecord(v)) return Object.values(v).every((x) => isJsonValue(x, depth + 1));
  return false;
}

function isPartConfig(v: unknown): v is PartConfig {
  return isRecord(v) && typeof v.type === 'string' && isRecord(v.options) && isJsonValue(v.options);
}

function isRngState(v: unknown): v is RngState {
  return (
    Array.isArray(v) &&
    v.length === 4 &&
    v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff) &&
    v.some((x) => x !== 0)
  );
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

const DTYPES = new Set(['float32', 'int32', 'bool']);

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.length <= 8 && v.every((d) => isCount(d) && d <= 2 ** 31);
}

/**
 * Checks that `raw` (a parsed `manifest.json`, or the manifest of a {@link CheckpointData}) has every field of
 * a {@link CheckpointManifest} with the right JSON type. Throws `CHECKPOINT_ERROR` naming the field otherwise.
 *
 * @param source - how to name the checkpoint in messages (a directory or file)
 */
export function parseCheckpointManifest(raw: unknown, source = 'checkpoint'): CheckpointManifest {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw checkpointError(
      `${source}: manifest field "${field}" must be ${expected}, got ${describeJson(got)} — the checkpoint is corrupted or was not written by multitask.`,
      { field },
    );
  };
  if (!isRecord(raw)) return bad('(root)', 'an object', raw);
  if (raw.format !== CHECKPOINT_FORMAT && raw.format !== EPOCH_BOUNDARY_FORMAT) {
    if (typeof raw.format === 'number') {
      throw checkpointError(
        raw.format < EPOCH_BOUNDARY_FORMAT
          ? `${source} has format ${raw.format}; this version reads format ${CHECKPOINT_FORMAT} (older checkpoints ` +
              `named the variables differently and cannot be restored — train again from the saved model, or resume ` +
              `with the version that wrote it; format ${EPOCH_BOUNDARY_FORMAT} is read too).`
          : `${source} has format ${raw.format}; this version reads format ${EPOCH_BOUNDARY_FORMAT} and ` +
              `${CHECKPOINT_FORMAT} — it was written by a newer version of multitask.`,
        { field: 'format' },
      );
    }
    bad('format', `the number ${EPOCH_BOUNDARY_FORMAT} or ${CHECKPOINT_FORMAT}`, raw.format);
  }
  if (!isCount(raw.step)) bad('step', 'an integer ≥ 0', raw.step);
  if (!isCount(raw.epoch)) bad('epoch', 'an integer ≥ 0', raw.epoch);
  if (raw.format === EPOCH_BOUNDARY_FORMAT) {
    if (raw.partialEpoch !== undefined)
      bad(
        'partialEpoch',
        `absent in format ${EPOCH_BOUNDARY_FORMAT} (it needs format ${CHECKPOINT_FORMAT})`,
        raw.partialEpoch,
      );
  } else {
    checkPartialEpoch(raw.partialEpoch, bad);
  }
  const rng = raw.rng;
  if (!isRecord(rng)) return bad('rng', 'an object { trainer, strategy }', rng);
  for (const k of ['trainer', 'strategy'] as const) {
    if (!isRngState(rng[k])) bad(`rng.${k}`, 'four 32-bit unsigned integers, not all 0', rng[k]);
  }
  const strategy = raw.strategy;
  if (!isRecord(strategy)) return bad('strategy', 'an object { name, state }', strategy);
  if (typeof strategy.name !== 'string') bad('strategy.name', 'a string', strategy.name);
  if (strategy.config !== undefined && !(isRecord(strategy.config) && isJsonValue(strategy.config)))
    bad('strategy.config', 'a JSON object', strategy.config);
  if (!('state' in strategy) || !isJsonValue(strategy.state)) bad('strategy.state', 'JSON', strategy.state);
  const optimizer = raw.optimizer;
  if (optimizer !== undefined && !(isRecord(optimizer) && typeof optimizer.className === 'string'))
    bad('optimizer', 'an object { className }', optimizer);
  const model = raw.model;
  if (!isRecord(model)) return bad('model', 'an object { backbone, heads }', model);
  if (!isPartConfig(model.backbone)) bad('model.backbone', 'a part config { type, options }', model.backbone);
  if (!isRecord(model.heads)) return bad('model.heads', 'an object of part configs', model.heads);
  for (const [task, head] of Object.entries(model.heads))
    if (!isPartConfig(head)) bad(`model.heads.${task}`, 'a part config { type, options }', head);
  if (!Array.isArray(raw.tensors)) return bad('tensors', 'an array', raw.tensors);
  const keys = new Set<string>();
  (raw.tensors as unknown[]).forEach((t, i) => {
    if (!isRecord(t) || typeof t.key !== 'string' || !isShape(t.shape))
      bad(`tensors[${i}]`, 'an object { key: string, shape: number[] }', t);
    const key = (t as { key: string }).key;
    if (keys.has(key)) bad(`tensors[${i}].key`, 'unique', key);
    keys.add(key);
  });
  if (raw.extra !== undefined && !isJsonValue(raw.extra)) bad('extra', 'JSON', raw.extra);
  return raw as unknown as CheckpointManifest;
}

/** Checks the `partialEpoch` field of a format-3 manifest, calling `bad` with the first wrong field. */
function checkPartialEpoch(p: unknown, bad: (field: string, expected: string, got: unknown) => never): void {
  if (!isRecord(p)) return bad('partialEpoch', 'an object { seed, batches, batchSize, shuffle, losses }', p);
  const { seed, batches, batchSize, shuffle, losses } = p;
  if (!(isCount(seed) && seed >= 1 && seed <= MAX_OP_SEED))
    bad('partialEpoch.seed', `an integer in [1, ${MAX_OP_SEED}]`, seed);
  if (!isCount(batches)) return bad('partialEpoch.batches', 'an integer ≥ 0', batches);
  if (!(isCount(batchSize) && batchSize >= 1)) bad('partialEpoch.batchSize', 'an integer ≥ 1', batchSize);
  if (typeof shuffle !== 'boolean') bad('partialEpoch.shuffle', 'a boolean', shuffle);
  if (!isRecord(losses)) return bad('partialEpoch.losses', 'an object { task: { sum, count } }', losses);
  for (const [task, acc] of Object.entries(losses)) {
    if (!(isRecord(acc) && typeof acc.sum === 'number' && Number.isFinite(acc.sum) && isCount(acc.count)))
      return bad(
        `partialEpoch.losses.${task}`,
        'an object { sum: a finite number, count: an integer ≥ 1 }',
        acc,
      );
    if (acc.count < 1 || acc.count > batches)
      bad(
        `partialEpoch.losses.${task}.count`,
        `an integer in [1, partialEpoch.batches = ${batches}]`,
        acc.count,
      );
  }
}

/** Checks tfjs weight specs (as stored beside the manifest); throws `CHECKPOINT_ERROR` naming the entry. */
export function parseWeightSpecs(raw: unknown, source = 'checkpoint'): tf.io.WeightsManifestEntry[] {
  if (!Array.isArray(raw)) {
    throw checkpointError(
      `${source}: manifest field "weightSpecs" must be an array, got ${describeJson(raw)} — the checkpoint is corrupted.`,
      { field: 'weightSpecs' },
    );
  }
  return (raw as unknown[]).map((s, i) => {
    if (
      !isRecord(s) ||
      typeof s.name !== 'string' ||
      !isShape(s.shape) ||
      typeof s.dtype !== 'string' ||
      !DTYPES.has(s.dtype) ||
      Object.keys(s).some((k) => k !== 'name' && k !== 'shape' && k !== 'dtype')
    ) {
      throw checkpointError(
        `${source}: manifest field "weightSpecs[${i}]" must be { name, shape, dtype: float32 | int32 | bool }, got ${describeJson(s)}.`,
        { field: `weightSpecs[${i}]` },
      );
    }
    return { name: s.name, shape: [...s.shape], dtype: s.dtype as 'float32' | 'int32' | 'bool' };
  });
}

/** Byte length of the weights a list of specs describes. */
export function weightSpecsByteLength(specs: readonly tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (s.dtype === 'bool' ? 1 : 4), 0);
}

/** Order-insensitive equality of JSON objects. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
    );
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Where two JSON values first differ, as a path such as `options.units[1]` (undefined when equal). */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (jsonEqual(a, b)) return undefined;
  if (isRecord(a) && isRecord(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], path === '' ? k : `${path}.${k}`);
      if (d !== undefined) return d;
    }
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
  }
  return path === '' ? '(root)' : path;
}

/** True when every element of a typed array is finite. */
function allFinite(values: Float32Array): boolean {
  for (const v of values) if (!Number.isFinite(v)) return false;
  return true;
}

/**
 * Restores a checkpoint into `trainer`, whose model, optimizer and strategy must have been built the same way
 * as the checkpointed ones. Validates the whole checkpoint before changing anything — manifest fields and types,
 * weight specs against the manifest, every tensor's presence, shape and finiteness, no unknown tensors, the
 * model's and strategy's configs, the optimizer kind and slot shapes, the random generators — and throws
 * `CHECKPOINT_ERROR` naming the tensor, field or part on a mismatch, leaving the trainer as it was. A strategy
 * state that the strategy's own `load` rejects is rolled back the same way.
 */
export async function restoreCheckpoint(
  trainer: Trainer,
  checkpoint: CheckpointData,
  source = 'checkpoint',
): Promise<void> {
  if (!isRecord(checkpoint)) throw checkpointError(`${source} is not a checkpoint object.`);
  const manifest = parseCheckpointManifest(checkpoint.manifest, source);
  const weightSpecs = parseWeightSpecs(checkpoint.weightSpecs, source);
  if (!(checkpoint.weightData instanceof ArrayBuffer)) {
    throw checkpointError(`${source}: the weight data is not an ArrayBuffer.`);
  }
  if (checkpoint.weightData.byteLength !== weightSpecsByteLength(weightSpecs)) {
    throw checkpointError(
      `${source}: the weights have ${checkpoint.weightData.byteLength} bytes but the specs describe ${weightSpecsByteLength(weightSpecs)} — the data is truncated or corrupted.`,
    );
  }
  const unknownTask = Object.keys(manifest.partialEpoch?.losses ?? {}).find(
    (t) => !trainer.model.taskNames.includes(t),
  );
  if (unknownTask !== undefined) {
    throw checkpointError(
      `${source}: manifest field "partialEpoch.losses" has task "${unknownTask}", which the model does not have (tasks: ${trainer.model.taskNames.join(', ')}).`,
      { field: `partialEpoch.losses.${unknownTask}` },
    );
  }
  if (manifest.strategy.name !== trainer.strategy.name) {
    throw checkpointError(
      `${source} was written with strategy "${manifest.strategy.name}", but the trainer uses "${trainer.strategy.name}".`,
      { field: 'strategy.name' },
    );
  }
  // The manifest's tensor list and the weight specs must describe the same tensors.
  const listed = manifest.tensors;
  if (
    listed.length !== weightSpecs.length ||
    listed.some(
      (t, i) => t.key !== weightSpecs[i]!.name || !tf.util.arraysEqual([...t.shape], weightSpecs[i]!.shape),
    )
  ) {
    throw checkpointError(
      `${source}: the manifest's "tensors" and "weightSpecs" disagree — the checkpoint is corrupted.`,
      { field: 'tensors' },
    );
  }
  const vars = keyedVariables(trainer);
  const specOf = new Map(weightSpecs.map((s) => [s.name, s]));
  for (const [key, v] of vars) {
    const spec = specOf.get(key);
    if (!spec)
      throw checkpointError(`${source} has no tensor "${key}" — it was written for a different model.`, {
        key,
      });
    if (!tf.util.arraysEqual(spec.shape, v.shape)) {
      throw checkpointError(
        `${source}: tensor "${key}" has shape [${spec.shape.join(', ')}] but the model's variable has [${v.shape.join(', ')}].`,
        { key },
      );
    }
    if (spec.dtype !== v.dtype) {
      throw checkpointError(
        `${source}: tensor "${key}" has dtype ${spec.dtype} but the model's variable has ${v.dtype}.`,
        { key },
      );
    }
  }
  const varKeys = new Set(vars.map(([k]) => k));
  const extras = new Map(extraOptimizerVariables(trainer.optimizer));
  for (const s of weightSpecs) {
    if (!varKeys.has(s.name) && !s.name.startsWith('optimizer/') && !extras.has(s.name)) {
      throw checkpointError(
        `${source} has a tensor "${s.name}" that the trainer has no place for — it was written for a different model, strategy or optimizer.`,
        { key: s.name },
      );
    }
  }
  const headConfigs = Object.fromEntries(trainer.model.tasks.map((t) => [t.name, t.head.getConfig()]));
  const modelDiff =
    firstDifference(manifest.model.backbone, trainer.model.backbone.getConfig(), 'backbone') ??
    firstDifference(manifest.model.heads, headConfigs, 'heads');
  if (modelDiff !== undefined) {
    throw checkpointError(
      `${source} was written for another model: its config differs from the trainer's model at "${modelDiff}".`,
      { field: `model.${modelDiff}` },
    );
  }
  if (manifest.strategy.config !== undefined) {
    const diff = firstDifference(manifest.strategy.config, trainer.strategy.getConfig(), '');
    if (diff !== undefined) {
      throw checkpointError(
        `${source} was written with another "${trainer.strategy.name}" strategy: its config differs at "${diff}".`,
        { field: 'strategy.config' },
      );
    }
  }
  const className = trainer.optimizer.getClassName();
  if (manifest.optimizer !== undefined && manifest.optimizer.className !== className) {
    throw checkpointError(
      `${source} was written with optimizer ${manifest.optimizer.className}, but the trainer uses ${className}.`,
      { field: 'optimizer.className' },
    );
  }
  const optimizerKeys = weightSpecs.map((s) => s.name).filter((k) => k.startsWith('optimizer/'));
  if (optimizerKeys.some((k, i) => k !== `optimizer/${i}`)) {
    throw checkpointError(`${source}: the optimizer tensors are not numbered optimizer/0, optimizer/1, ….`, {
      field: 'tensors',
    });
  }
  const iterSpec = specOf.get('optimizer/0');
  if (iterSpec?.shape.length !== 0) {
    throw checkpointError(
      `${source}: "optimizer/0" (the optimizer's step count) is missing or not a scalar — the optimizer state is of the wrong kind.`,
      { key: 'optimizer/0' },
    );
  }
  const trainableShapes = vars.map(([, v]) => v.shape.join(','));
  for (const key of optimizerKeys.slice(1)) {
    const shape = specOf.get(key)!.shape;
    if (!trainableShapes.includes(shape.join(','))) {
      throw checkpointError(
        `${source}: optimizer slot "${key}" has shape [${shape.join(', ')}], which no variable of the model has — the optimizer state is of the wrong kind.`,
        { key },
      );
    }
  }
  for (const [key, v] of extras) {
    const spec = specOf.get(key);
    if (spec !== undefined && !tf.util.arraysEqual(spec.shape, v.shape)) {
      throw checkpointError(`${source}: optimizer state "${key}" has the wrong shape.`, { key });
    }
  }

  let decoded: tf.NamedTensorMap;
  try {
    decoded = tf.io.decodeWeights(checkpoint.weightData, weightSpecs);
  } catch (e) {
    throw checkpointError(
      `${source}: the weights could not be decoded (${(e as Error).message}) — the file is corrupted.`,
    );
  }
  try {
    for (const s of weightSpecs) {
      if (s.dtype !== 'float32') continue;
      const t = decoded[s.name]!;
      if (!allFinite(await t.data<'float32'>())) {
        throw checkpointError(
          `${source}: tensor "${s.name}" holds NaN or infinite values — the checkpoint is corrupted or the run had diverged.`,
          { key: s.name },
        );
      }
    }
    const iter = (await decoded['optimizer/0']!.data())[0]!;
    if (!(Number.isInteger(iter) && iter >= 0)) {
      throw checkpointError(`${source}: the optimizer's step count is ${iter}, not an integer ≥ 0.`, {
        key: 'optimizer/0',
      });
    }
    // Everything that can be checked without changing the trainer has been. The strategy's own `load` checks
    // its state: try it first and roll it back if it refuses, so the trainer is never half-restored.
    const previous = trainer.strategy.state();
    try {
      trainer.strategy.load(manifest.strategy.state);
    } catch (e) {
      trainer.strategy.load(previous);
      throw new MultitaskError(
        'CHECKPOINT_ERROR',
        `[@multitask/core] ${source}: the strategy "${trainer.strategy.name}" refused the saved state — ${(e as Error).message}`,
        { cause: e, details: { field: 'strategy.state' } },
      );
    }
    for (const [key, v] of vars) v.assign(decoded[key]!);
    // tfjs optimizers drop their old slot variables without disposing them, and build new ones from the
    // tensors they are given: free the old slots, and dispose our copies once the new variables hold the data.
    const old = await trainer.optimizer.getWeights();
    const copies = optimizerKeys.map((key) => ({ name: key, tensor: tf.clone(decoded[key]!) }));
    await trainer.optimizer.setWeights(copies);
    tf.dispose([...old.map((w) => w.tensor), ...copies.map((c) => c.tensor)]);
    // setWeights recomputed Adam's β-powers from the step count; put back the exact accumulated values.
    for (const [key, v] of extras) {
      const t = decoded[key];
      if (t !== undefined) v.assign(t);
    }
    trainer.loadState({
      step: manifest.step,
      epoch: manifest.epoch,
      rng: manifest.rng.trainer,
      strategyRng: manifest.rng.strategy,
      ...(manifest.partialEpoch !== undefined ? { partialEpoch: manifest.partialEpoch } : {}),
    });
  } finally {
    tf.dispose(Object.values(decoded));
  }
}
