import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type { JsonValue } from '../backbone.ts';
import type { TrainerCallback } from '../callbacks.ts';
import {
  captureCheckpoint,
  restoreCheckpoint,
  type CheckpointData,
  type CheckpointManifest,
} from '../checkpoint.ts';
import { MultitaskError } from '../errors.ts';
import type { Trainer } from '../trainer.ts';

const MANIFEST = 'manifest.json';
const WEIGHTS = 'weights.bin';

async function writeDurable(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a checkpoint of `trainer` to the directory `dir` (`manifest.json` + `weights.bin`), atomically: the files
 * go to a temporary sibling directory that is renamed into place, so a crash mid-write leaves the previous
 * checkpoint whole. `extra` (e.g. the metric history) is stored in the manifest.
 */
export async function saveCheckpoint(dir: string, trainer: Trainer, extra?: JsonValue): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const old = join(parent, `.${basename(dir)}.old-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const data = await captureCheckpoint(trainer, extra);
    await mkdir(tmp);
    await writeDurable(join(tmp, WEIGHTS), new Uint8Array(data.weightData));
    const manifest = { ...data.manifest, weightSpecs: data.weightSpecs };
    await writeDurable(join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    if (existsSync(dir)) await rename(dir, old);
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(dir) && existsSync(old)) await rename(old, dir);
    throw new MultitaskError(
      'CHECKPOINT_ERROR',
      `[@multitask/core] Writing checkpoint ${dir} failed: ${(e as Error).message}`,
      {
        cause: e,
        details: { file: dir },
      },
    );
  }
  await rm(old, { recursive: true, force: true });
}

/** Reads a checkpoint directory written by {@link saveCheckpoint}; errors name the file and the problem. */
export async function readCheckpoint(dir: string): Promise<CheckpointData> {
  const manifestFile = join(dir, MANIFEST);
  const weightsFile = join(dir, WEIGHTS);
  let text: string;
  let bytes: Buffer;
  try {
    text = await readFile(manifestFile, 'utf8');
    bytes = await readFile(weightsFile);
  } catch (e) {
    throw new MultitaskError(
      'CHECKPOINT_ERROR',
      `[@multitask/core] Cannot read checkpoint ${dir}: ${(e as Error).message}`,
      {
        cause: e,
        details: { file: dir },
      },
    );
  }
  let parsed: CheckpointManifest & { weightSpecs: tf.io.WeightsManifestEntry[] };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (e) {
    throw new MultitaskError(
      'CHECKPOINT_ERROR',
      `[@multitask/core] ${manifestFile} is not valid JSON: ${(e as Error).message}`,
      {
        cause: e,
        details: { file: manifestFile },
      },
    );
  }
  const { weightSpecs, ...manifest } = parsed;
  const expected = weightSpecs.reduce(
    (n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (s.dtype === 'bool' ? 1 : 4),
    0,
  );
  if (bytes.byteLength !== expected) {
    throw new MultitaskError(
      'CHECKPOINT_ERROR',
      `[@multitask/core] ${weightsFile} has ${bytes.byteLength} bytes but its manifest describes ${expected} — the file is truncated or corrupted.`,
      { details: { file: weightsFile } },
    );
  }
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { manifest, weightSpecs, weightData };
}

/** Reads the checkpoint in `dir` and restores it into `trainer` (see `restoreCheckpoint`). Returns its manifest. */
export async function loadCheckpoint(dir: string, trainer: Trainer): Promise<CheckpointManifest> {
  const data = await readCheckpoint(dir);
  await restoreCheckpoint(trainer, data, dir);
  return data.manifest;
}

/** Options of {@link checkpointCallback}. */
export interface CheckpointCallbackOptions {
  /** Write every N epochs (default 1). */
  readonly everyEpochs?: number;
  /** Stored in the manifest's `extra`, computed at write time. */
  readonly extra?: () => JsonValue;
}

/** A trainer callback that writes a checkpoint of `trainer` to `dir` at the end of every N epochs. */
export function checkpointCallback(
  dir: string,
  trainer: Trainer,
  options: CheckpointCallbackOptions = {},
): TrainerCallback {
  const every = options.everyEpochs ?? 1;
  return {
    onEpochEnd: async (event) => {
      if ((event.epoch + 1) % every === 0) await saveCheckpoint(dir, trainer, options.extra?.());
    },
  };
}
