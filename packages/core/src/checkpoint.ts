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
import type { Trainer } from './trainer.ts';

/**
 * Version of the checkpoint format written by this package. Format 2 names the model's variables as model
 * save/load does (`backbone/<i>`, `backbone/state/<i>`, `task/<task>/<i>`); format 1 is refused.
 */
export const CHECKPOINT_FORMAT = 2;

/** The plain-JSON part of a checkpoint (`manifest.json`). */
export interface CheckpointManifest {
  /** Format version ({@link CHECKPOINT_FORMAT}). */
  readonly format: number;
  /** Steps run when the checkpoint was taken. */
  readonly step: number;
  /** Epochs completed when the checkpoint was taken. */
  readonly epoch: number;
  /** The trainer's random generators. */
  readonly rng: { readonly trainer: RngState; readonly strategy: RngState };
  /** The strategy's name and JSON state. */
  readonly strategy: { readonly name: string; readonly state: JsonValue };
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
    format: CHECKPOINT_FORMAT,
    step: state.step,
    epoch: state.epoch,
    rng: { trainer: state.rng, strategy: state.strategyRng },
    strategy: { name: trainer.strategy.name, state: trainer.strategy.state() },
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

/**
 * Restores a checkpoint into `trainer`, whose model, optimizer and strategy must have been built the same way
 * as the checkpointed ones. Checks everything before changing anything: on a mismatch it throws
 * `CHECKPOINT_ERROR` naming the tensor or part, and the trainer is left as it was.
 */
export async function restoreCheckpoint(
  trainer: Trainer,
  checkpoint: CheckpointData,
  source = 'checkpoint',
): Promise<void> {
  const { manifest } = checkpoint;
  if (manifest.format !== CHECKPOINT_FORMAT) {
    throw checkpointError(
      `${source} has format ${manifest.format}; this version reads format ${CHECKPOINT_FORMAT}` +
        (manifest.format < CHECKPOINT_FORMAT
          ? ' (older checkpoints named the variables differently and cannot be restored — train again from the ' +
            'saved model, or resume with the version that wrote it).'
          : '.'),
    );
  }
  if (manifest.strategy.name !== trainer.strategy.name) {
    throw checkpointError(
      `${source} was written with strategy "${manifest.strategy.name}", but the trainer uses "${trainer.strategy.name}".`,
    );
  }
  const vars = keyedVariables(trainer);
  let decoded: tf.NamedTensorMap;
  try {
    decoded = tf.io.decodeWeights(checkpoint.weightData, checkpoint.weightSpecs);
  } catch (e) {
    throw checkpointError(
      `${source}: the weights could not be decoded (${(e as Error).message}) — the file is corrupted.`,
    );
  }
  try {
    for (const [key, v] of vars) {
      const t = decoded[key];
      if (!t)
        throw checkpointError(`${source} has no tensor "${key}" — it was written for a different model.`, {
          key,
        });
      if (!tf.util.arraysEqual(t.shape, v.shape)) {
        throw checkpointError(
          `${source}: tensor "${key}" has shape [${t.shape.join(', ')}] but the model's variable has [${v.shape.join(', ')}].`,
          { key },
        );
      }
    }
    const optimizerKeys = manifest.tensors.map((t) => t.key).filter((k) => k.startsWith('optimizer/'));
    const optimizerWeights = optimizerKeys.map((key) => {
      const t = decoded[key];
      if (!t)
        throw checkpointError(
          `${source} lists "${key}" but the weights file lacks it — the file is corrupted.`,
          { key },
        );
      return { name: key, tensor: t };
    });
    for (const [key, v] of vars) v.assign(decoded[key]!);
    // tfjs optimizers drop their old slot variables without disposing them, and build new ones from the
    // tensors they are given: free the old slots, and dispose our copies once the new variables hold the data.
    const old = await trainer.optimizer.getWeights();
    const copies = optimizerWeights.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    await trainer.optimizer.setWeights(copies);
    tf.dispose([...old.map((w) => w.tensor), ...copies.map((c) => c.tensor)]);
    trainer.strategy.load(manifest.strategy.state);
    trainer.loadState({
      step: manifest.step,
      epoch: manifest.epoch,
      rng: manifest.rng.trainer,
      strategyRng: manifest.rng.strategy,
    });
  } finally {
    tf.dispose(Object.values(decoded));
  }
}
