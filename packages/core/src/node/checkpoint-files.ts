import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { JsonValue } from '../backbone.ts';
import type { TrainerCallback } from '../callbacks.ts';
import {
  captureCheckpoint,
  parseCheckpointManifest,
  parseWeightSpecs,
  restoreCheckpoint,
  weightSpecsByteLength,
  type CheckpointData,
  type CheckpointManifest,
} from '../checkpoint.ts';
import { isMultitaskError, MultitaskError } from '../errors.ts';
import type { Trainer } from '../trainer.ts';

const MANIFEST = 'manifest.json';
const WEIGHTS = 'weights.bin';
const CHECKSUMS = 'checksums.json';

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function ioError(message: string, file: string, cause?: unknown): MultitaskError {
  return new MultitaskError('CHECKPOINT_ERROR', `[@multitask/core] ${message}`, {
    ...(cause !== undefined ? { cause } : {}),
    details: { file },
  });
}

async function writeDurable(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries (renames, new files) to disk; ignored where directories cannot be opened. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

/** The moments of {@link saveCheckpoint} a fault-injection test can stop at. */
export type CheckpointWriteStage = 'written' | 'moved-aside' | 'renamed';

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /**
   * Called at each stage of the write: `written` (the temporary directory is complete), `moved-aside` (the previous
   * checkpoint was renamed to `.NAME.old-*`, the new one not yet into place), `renamed` (the new checkpoint is in
   * place, the old one not yet removed). For fault-injection tests; awaited.
   */
  readonly onStage?: (stage: CheckpointWriteStage) => void | Promise<void>;
}

/** Hidden siblings of a checkpoint directory left by interrupted writes (`.NAME.tmp-*`, `.NAME.old-*`). */
async function siblings(dir: string): Promise<{ tmp: string[]; old: string[] }> {
  const parent = dirname(dir);
  const name = basename(dir);
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return { tmp: [], old: [] };
  }
  return {
    tmp: entries.filter((e) => e.startsWith(`.${name}.tmp-`)).map((e) => join(parent, e)),
    old: entries.filter((e) => e.startsWith(`.${name}.old-`)).map((e) => join(parent, e)),
  };
}

/**
 * Writes a checkpoint of `trainer` to the directory `dir` (`manifest.json`, `weights.bin` and `checksums.json`
 * with the SHA-256 of both), atomically: the files go to a temporary sibling directory `.NAME.tmp-*` that is
 * renamed into place after the previous checkpoint was moved aside to `.NAME.old-*`. A crash at any moment leaves
 * at least one intact checkpoint, which {@link loadCheckpoint} finds. After a successful write, leftovers of
 * earlier interrupted writes are removed. `extra` (e.g. the metric history) is stored in the manifest.
 */
export async function saveCheckpoint(
  dir: string,
  trainer: Trainer,
  extra?: JsonValue,
  options: SaveCheckpointOptions = {},
): Promise<void> {
  const parent = dirname(dir);
  const id = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${basename(dir)}.tmp-${id}`);
  const old = join(parent, `.${basename(dir)}.old-${id}`);
  try {
    await mkdir(parent, { recursive: true });
    const data = await captureCheckpoint(trainer, extra);
    await mkdir(tmp);
    const weights = new Uint8Array(data.weightData);
    await writeDurable(join(tmp, WEIGHTS), weights);
    const manifestText = `${JSON.stringify({ ...data.manifest, weightSpecs: data.weightSpecs }, null, 1)}\n`;
    await writeDurable(join(tmp, MANIFEST), manifestText);
    // Written last: a directory whose checksums verify is complete.
    const sums = {
      algorithm: 'sha256',
      files: { [MANIFEST]: sha256(manifestText), [WEIGHTS]: sha256(weights) },
    };
    await writeDurable(join(tmp, CHECKSUMS), `${JSON.stringify(sums, null, 1)}\n`);
    await syncDirectory(tmp);
    await options.onStage?.('written');
    if (existsSync(dir)) {
      await rename(dir, old);
      await options.onStage?.('moved-aside');
    }
    await rename(tmp, dir);
    await syncDirectory(parent);
    await options.onStage?.('renamed');
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(dir) && existsSync(old)) await rename(old, dir);
    throw new MultitaskError(
      'CHECKPOINT_ERROR',
      `[@multitask/core] Writing checkpoint ${dir} failed: ${(e as Error).message}`,
      { cause: e, details: { file: dir } },
    );
  }
  const stale = await siblings(dir);
  await Promise.all([...stale.tmp, ...stale.old].map((p) => rm(p, { recursive: true, force: true })));
}

/**
 * Reads a checkpoint directory written by {@link saveCheckpoint} (only that directory, no fallback) and verifies
 * it: every file present, SHA-256 checksums matching, the manifest's fields and types, the weights' size.
 * Errors are `CHECKPOINT_ERROR`s naming the file and the problem.
 */
export async function readCheckpoint(dir: string): Promise<CheckpointData> {
  const manifestFile = join(dir, MANIFEST);
  const weightsFile = join(dir, WEIGHTS);
  const checksumsFile = join(dir, CHECKSUMS);
  let text: string;
  let bytes: Buffer;
  let sumsText: string;
  try {
    text = await readFile(manifestFile, 'utf8');
    bytes = await readFile(weightsFile);
    sumsText = await readFile(checksumsFile, 'utf8');
  } catch (e) {
    throw ioError(`Cannot read checkpoint ${dir}: ${(e as Error).message}`, dir, e);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw ioError(`${manifestFile} is not valid JSON: ${(e as Error).message}`, manifestFile, e);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw ioError(
      `${manifestFile} must hold a JSON object, got ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed} — the checkpoint is corrupted.`,
      manifestFile,
    );
  }
  const weightSpecs = parseWeightSpecs((parsed as { weightSpecs?: unknown }).weightSpecs, manifestFile);
  const expected = weightSpecsByteLength(weightSpecs);
  if (bytes.byteLength !== expected) {
    throw ioError(
      `${weightsFile} has ${bytes.byteLength} bytes but its manifest describes ${expected} — the file is truncated or corrupted.`,
      weightsFile,
    );
  }
  let sums: unknown;
  try {
    sums = (JSON.parse(sumsText) as { files?: unknown }).files;
  } catch (e) {
    throw ioError(`${checksumsFile} is not valid JSON: ${(e as Error).message}`, checksumsFile, e);
  }
  const listed = (typeof sums === 'object' && sums !== null ? sums : {}) as Record<string, unknown>;
  for (const [file, actual] of [
    [MANIFEST, sha256(text)],
    [WEIGHTS, sha256(bytes)],
  ] as const) {
    if (typeof listed[file] !== 'string') {
      throw ioError(
        `${checksumsFile} has no SHA-256 for ${file} — the checkpoint is corrupted.`,
        checksumsFile,
      );
    }
    if (listed[file] !== actual) {
      throw ioError(
        `${join(dir, file)} does not match its SHA-256 checksum — the file was changed or corrupted after it was written.`,
        join(dir, file),
      );
    }
  }
  const rest: Record<string, unknown> = { ...(parsed as Record<string, unknown>) };
  delete rest.weightSpecs;
  const manifest = parseCheckpointManifest(rest, manifestFile);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { manifest, weightSpecs, weightData };
}

/** One intact checkpoint found by {@link findCheckpoint}. */
export interface FoundCheckpoint {
  /** The directory it was read from: `dir` itself, or a `.NAME.old-*` / `.NAME.tmp-*` sibling. */
  readonly path: string;
  /** Its verified contents. */
  readonly data: CheckpointData;
  /** Other candidates that were newer or present but could not be read, with the reason. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/**
 * Finds the newest intact checkpoint for `dir`: the directory itself and the siblings an interrupted
 * {@link saveCheckpoint} can leave (`.NAME.old-*`, the previous checkpoint moved aside; `.NAME.tmp-*`, a new one
 * completely written but not yet renamed), ranked by their step. Resolves to `undefined` when there is no
 * candidate at all; throws `CHECKPOINT_ERROR` listing every candidate's problem when none is intact.
 */
export async function findCheckpoint(dir: string): Promise<FoundCheckpoint | undefined> {
  const { tmp, old } = await siblings(dir);
  const candidates = [...(existsSync(dir) ? [dir] : []), ...old, ...tmp];
  if (candidates.length === 0) return undefined;
  const intact: { path: string; data: CheckpointData }[] = [];
  const failed: { path: string; reason: string }[] = [];
  for (const path of candidates) {
    try {
      intact.push({ path, data: await readCheckpoint(path) });
    } catch (e) {
      if (!isMultitaskError(e)) throw e;
      // A temporary directory without its checksums is a write that was cut short: not worth reporting.
      if (!(tmp.includes(path) && !existsSync(join(path, CHECKSUMS))))
        failed.push({ path, reason: e.message });
    }
  }
  if (intact.length === 0) {
    if (failed.length === 0) return undefined;
    throw new MultitaskError(
      'CHECKPOINT_ERROR',
      `[@multitask/core] No intact checkpoint in ${dir}:\n${failed.map((f) => `  ${f.reason}`).join('\n')}`,
      { details: { file: dir } },
    );
  }
  intact.sort(
    (a, b) => b.data.manifest.step - a.data.manifest.step || b.data.manifest.epoch - a.data.manifest.epoch,
  );
  const best = intact[0]!;
  return { path: best.path, data: best.data, skipped: failed };
}

/**
 * Restores the newest intact checkpoint for `dir` into `trainer` (see {@link findCheckpoint} and
 * `restoreCheckpoint`: everything is validated before anything is assigned, so on an error the trainer is left
 * as it was). Returns its manifest; throws `CHECKPOINT_ERROR` when there is none.
 */
export async function loadCheckpoint(dir: string, trainer: Trainer): Promise<CheckpointManifest> {
  const found = await findCheckpoint(dir);
  if (found === undefined) {
    // Report the directory's own problem (missing, unreadable) in the words of readCheckpoint.
    await readCheckpoint(dir);
    throw ioError(`No checkpoint in ${dir}.`, dir);
  }
  await restoreCheckpoint(trainer, found.data, found.path);
  return found.data.manifest;
}

/** Options of {@link checkpointCallback}. */
export interface CheckpointCallbackOptions {
  /** Write every N epochs (an integer ≥ 1; default 1). */
  readonly everyEpochs?: number;
  /** Stored in the manifest's `extra`, computed at write time. */
  readonly extra?: () => JsonValue;
}

/**
 * A trainer callback that writes a checkpoint of `trainer` to `dir` at the end of every N epochs. Throws
 * `INVALID_OPTION` for an `everyEpochs` that is not an integer ≥ 1 or an `extra` that is not a function.
 */
export function checkpointCallback(
  dir: string,
  trainer: Trainer,
  options: CheckpointCallbackOptions = {},
): TrainerCallback {
  const invalid = (option: string, message: string): MultitaskError =>
    new MultitaskError('INVALID_OPTION', `[@multitask/core] checkpointCallback: ${message}`, {
      details: { option },
    });
  if (typeof dir !== 'string' || dir === '')
    throw invalid('dir', `dir must be a non-empty path, got ${JSON.stringify(dir)}.`);
  const every = options.everyEpochs ?? 1;
  if (typeof every !== 'number' || !Number.isSafeInteger(every) || every < 1)
    throw invalid('everyEpochs', `everyEpochs must be an integer ≥ 1, got ${String(every)}.`);
  if (options.extra !== undefined && typeof options.extra !== 'function')
    throw invalid('extra', 'extra must be a function returning JSON.');
  return {
    onEpochEnd: async (event) => {
      if ((event.epoch + 1) % every === 0) await saveCheckpoint(dir, trainer, options.extra?.());
    },
  };
}
