/**
 * In-memory sources of variable-length sequences (sentences) with token-level and sequence-level labels. Each
 * batch is padded to its longest row; token tasks get per-token masks `[batch, length]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  MultitaskError,
  Rng,
  type Batch,
  type BatchRequest,
  type DataSource,
  type StepBatch,
} from '@multitask/core';
import { checkRequest } from '../epoch.ts';

/**
 * Sequences stored flat: row `i` covers positions `offsets[i] … offsets[i + 1] − 1` of every token column.
 * Token ids are integers ≥ 1 (0 is padding). Labels are integers ≥ 0; −1 marks a missing label.
 */
export interface SequenceTable {
  /** Row starts, `size + 1` values, `offsets[0] = 0`, non-decreasing. */
  readonly offsets: Int32Array;
  /** Token ids per input feature name (e.g. `words`, `suffixes`, `shapes`), each `offsets[size]` long. */
  readonly features: Readonly<Record<string, Int32Array>>;
  /** Per-token labels per token task (e.g. part-of-speech tags), each `offsets[size]` long. */
  readonly tokenTargets: Readonly<Record<string, Int32Array>>;
  /** One label per row per sequence task (e.g. genre), each `size` long. */
  readonly sequenceTargets: Readonly<Record<string, Int32Array>>;
  /** Number of classes per task (token and sequence tasks). */
  readonly numClasses: Readonly<Record<string, number>>;
  /** Optional group of each row (e.g. the index of its document), `size` long. */
  readonly groups?: Int32Array;
}

/** Options of {@link sequenceSource}. */
export interface SequenceSourceOptions {
  /** Name used in error messages (default `"sequences"`). */
  readonly name?: string;
  /**
   * Length bucketing: when shuffling, rows are shuffled, cut into chunks of `bucketBatches · batchSize` rows,
   * sorted by length inside each chunk, cut into batches, and the batches shuffled — far less padding at the
   * same randomness across chunks. Without shuffling (evaluation) all rows are sorted by length. 0 (default)
   * turns it off.
   */
  readonly bucketBatches?: number;
  /** Longer rows are cut to this many tokens (default: no limit). The cut tokens are not seen at all. */
  readonly maxLength?: number;
}

/** A {@link DataSource} of padded sequence batches. */
export interface SequenceSource extends DataSource {
  /** Name used in error messages. */
  readonly name: string;
  /** Number of rows (sequences). */
  readonly size: number;
  /** Number of tokens over all rows. */
  readonly tokens: number;
  /** The underlying table. */
  readonly table: SequenceTable;
  /** Names of the token-level tasks (targets and masks `[batch, length]`). */
  readonly tokenTasks: readonly string[];
  /** Names of the sequence-level tasks (targets and masks `[batch]`). */
  readonly sequenceTasks: readonly string[];
  /** A new source with the given rows in that order. */
  subset(rows: readonly number[], name?: string): SequenceSource;
  /**
   * One epoch of joint batches: inputs `{ feature: int32 [B, L] }` padded with 0, token targets int32 `[B, L]`
   * with float32 masks `[B, L]` (1 = a labelled token), sequence targets int32 `[B]` with masks `[B]`.
   */
  batches(request: BatchRequest): AsyncIterable<StepBatch>;
}

function invalid(message: string, details: Record<string, string | number>): MultitaskError {
  return new MultitaskError('INVALID_DATA', `[@multitask/data] ${message}`, { details });
}

function checkTable(t: SequenceTable, name: string): void {
  const size = t.offsets.length - 1;
  if (size < 0 || t.offsets[0] !== 0)
    throw invalid(`sequence source "${name}": offsets must start with 0.`, { source: name });
  for (let i = 0; i < size; i++) {
    if (t.offsets[i + 1]! < t.offsets[i]!) {
      throw invalid(`sequence source "${name}": offsets decrease at row ${i}.`, { source: name, row: i });
    }
  }
  const n = t.offsets[size]!;
  const names = Object.keys(t.features);
  if (names.length === 0) throw invalid(`sequence source "${name}" has no input feature.`, { source: name });
  for (const [f, col] of Object.entries(t.features)) {
    if (col.length !== n)
      throw invalid(
        `feature "${f}" of sequence source "${name}" has ${col.length} tokens, offsets say ${n}.`,
        { source: name, input: f },
      );
    const bad = col.findIndex((v) => v < 1);
    if (bad >= 0) {
      throw invalid(
        `feature "${f}" of sequence source "${name}" has id ${col[bad]} at token ${bad}; ids are ≥ 1 (0 is padding).`,
        {
          source: name,
          input: f,
          token: bad,
        },
      );
    }
  }
  const check = (task: string, col: Int32Array, expected: number, what: string): void => {
    if (col.length !== expected)
      throw invalid(
        `task "${task}" of sequence source "${name}" has ${col.length} labels, expected ${expected} (${what}).`,
        { source: name, task },
      );
    const k = t.numClasses[task];
    if (k === undefined || !Number.isInteger(k) || k < 1)
      throw invalid(`task "${task}" of sequence source "${name}" has no numClasses.`, { source: name, task });
    const bad = col.findIndex((v) => v < -1 || v >= k);
    if (bad >= 0)
      throw invalid(
        `task "${task}" of sequence source "${name}": label ${col[bad]} at ${what === 'one per token' ? 'token' : 'row'} ${bad} is outside [0, ${k}) (−1 = missing).`,
        { source: name, task },
      );
  };
  for (const [task, col] of Object.entries(t.tokenTargets)) check(task, col, n, 'one per token');
  for (const [task, col] of Object.entries(t.sequenceTargets)) check(task, col, size, 'one per row');
  if (t.groups !== undefined && t.groups.length !== size)
    throw invalid(`groups of sequence source "${name}" has ${t.groups.length} values, expected ${size}.`, {
      source: name,
    });
}

/** The rows of a table, in the given order, as a new table. */
function selectSequences(t: SequenceTable, rows: readonly number[]): SequenceTable {
  const offsets = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++)
    offsets[i + 1] = offsets[i]! + (t.offsets[rows[i]! + 1]! - t.offsets[rows[i]!]!);
  const n = offsets[rows.length]!;
  const gatherTokens = (col: Int32Array): Int32Array => {
    const out = new Int32Array(n);
    rows.forEach((r, i) => {
      out.set(col.subarray(t.offsets[r], t.offsets[r + 1]), offsets[i]);
    });
    return out;
  };
  const gatherRows = (col: Int32Array): Int32Array => Int32Array.from(rows, (r) => col[r]!);
  const map = (
    rec: Readonly<Record<string, Int32Array>>,
    f: (c: Int32Array) => Int32Array,
  ): Record<string, Int32Array> => Object.fromEntries(Object.entries(rec).map(([k, c]) => [k, f(c)]));
  return {
    offsets,
    features: map(t.features, gatherTokens),
    tokenTargets: map(t.tokenTargets, gatherTokens),
    sequenceTargets: map(t.sequenceTargets, gatherRows),
    numClasses: t.numClasses,
    ...(t.groups !== undefined ? { groups: gatherRows(t.groups) } : {}),
  };
}

/** Builds one padded batch from the given rows. */
function sequenceBatch(t: SequenceTable, rows: readonly number[], maxLength: number): Batch {
  const b = rows.length;
  let length = 1;
  for (const r of rows) length = Math.max(length, Math.min(maxLength, t.offsets[r + 1]! - t.offsets[r]!));
  const pad = (col: Int32Array): tf.Tensor => {
    const out = new Int32Array(b * length);
    rows.forEach((r, i) => {
      const start = t.offsets[r]!;
      const len = Math.min(maxLength, t.offsets[r + 1]! - start);
      out.set(col.subarray(start, start + len), i * length);
    });
    return tf.tensor2d(out, [b, length], 'int32');
  };
  const inputs: Record<string, tf.Tensor> = {};
  for (const [f, col] of Object.entries(t.features)) inputs[f] = pad(col);
  const targets: Record<string, tf.Tensor> = {};
  const masks: Record<string, tf.Tensor> = {};
  for (const [task, col] of Object.entries(t.tokenTargets)) {
    const labels = new Int32Array(b * length);
    const mask = new Float32Array(b * length);
    rows.forEach((r, i) => {
      const start = t.offsets[r]!;
      const len = Math.min(maxLength, t.offsets[r + 1]! - start);
      for (let j = 0; j < len; j++) {
        const v = col[start + j]!;
        if (v >= 0) {
          labels[i * length + j] = v;
          mask[i * length + j] = 1;
        }
      }
    });
    targets[task] = tf.tensor2d(labels, [b, length], 'int32');
    masks[task] = tf.tensor2d(mask, [b, length], 'float32');
  }
  for (const [task, col] of Object.entries(t.sequenceTargets)) {
    const labels = new Int32Array(b);
    const mask = new Float32Array(b);
    rows.forEach((r, i) => {
      const v = col[r]!;
      if (v >= 0) {
        labels[i] = v;
        mask[i] = 1;
      }
    });
    targets[task] = tf.tensor1d(labels, 'int32');
    masks[task] = tf.tensor1d(mask, 'float32');
  }
  return { inputs, targets, masks };
}

/** Row order of one epoch, cut into batches (with optional length bucketing). */
function plan(t: SequenceTable, request: BatchRequest, bucketBatches: number, source: string): number[][] {
  checkRequest(request, source);
  const size = t.offsets.length - 1;
  const { batchSize } = request;
  const len = (r: number): number => t.offsets[r + 1]! - t.offsets[r]!;
  const rng = request.shuffle ? new Rng(request.seed) : undefined;
  let order = rng ? rng.permutation(size) : Array.from({ length: size }, (_, i) => i);
  if (bucketBatches > 0) {
    const chunk = rng ? bucketBatches * batchSize : size;
    const sorted: number[] = [];
    for (let s = 0; s < size; s += chunk)
      sorted.push(...order.slice(s, s + chunk).sort((a, b) => len(a) - len(b) || a - b));
    order = sorted;
  }
  const out: number[][] = [];
  for (let start = 0; start < size; start += batchSize) {
    const end = Math.min(size, start + batchSize);
    if (end - start < batchSize && request.dropRemainder === true) break;
    out.push(order.slice(start, end));
  }
  return bucketBatches > 0 && rng ? rng.shuffle(out) : out;
}

/**
 * A source of padded sequence batches over a {@link SequenceTable}: every batch is padded (id 0) to its longest
 * row; token tasks have int32 targets `[B, L]` with float32 masks `[B, L]` (0 on padding and on missing labels),
 * sequence tasks int32 `[B]` with masks `[B]`. Shuffling is seeded by the request's seed.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { disposeBatch, type Batch } from '@multitask/core';
 * import { sequenceSource, type SequenceTable } from '@multitask/data';
 *
 * const table: SequenceTable = {
 *   offsets: Int32Array.from([0, 3, 5]), // two sentences: tokens 0–2 and 3–4
 *   features: { words: Int32Array.from([4, 5, 6, 4, 7]) },
 *   tokenTargets: { pos: Int32Array.from([0, 1, 2, 0, 1]) },
 *   sequenceTargets: { genre: Int32Array.from([0, 1]) },
 *   numClasses: { pos: 3, genre: 2 },
 * };
 * const src = sequenceSource(table, { name: 'brown/train', bucketBatches: 20 });
 * for await (const step of src.batches({ batchSize: 2, shuffle: true, seed: 3 })) {
 *   const batch = step as Batch;
 *   // padded to the longest row: [2, 3] [[1, 1, 0], [1, 1, 1]] [2]
 *   console.log(batch.targets.pos.shape, batch.masks?.pos.arraySync(), batch.targets.genre.shape);
 *   disposeBatch(batch);
 * }
 * ```
 */
export function sequenceSource(table: SequenceTable, options: SequenceSourceOptions = {}): SequenceSource {
  const name = options.name ?? 'sequences';
  const bucketBatches = options.bucketBatches ?? 0;
  if (!Number.isInteger(bucketBatches) || bucketBatches < 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/data] sequence source "${name}": bucketBatches must be an integer ≥ 0, got ${bucketBatches}.`,
      {
        details: { option: 'bucketBatches', source: name },
      },
    );
  }
  const maxLength = options.maxLength ?? Number.POSITIVE_INFINITY;
  if (!(maxLength === Number.POSITIVE_INFINITY || (Number.isInteger(maxLength) && maxLength >= 1))) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/data] sequence source "${name}": maxLength must be an integer ≥ 1, got ${maxLength}.`,
      {
        details: { option: 'maxLength', source: name },
      },
    );
  }
  checkTable(table, name);
  const size = table.offsets.length - 1;
  const tokenTasks = Object.keys(table.tokenTargets);
  const sequenceTasks = Object.keys(table.sequenceTargets);
  return {
    name,
    size,
    tokens: table.offsets[size]!,
    table,
    tasks: [...tokenTasks, ...sequenceTasks],
    tokenTasks,
    sequenceTasks,
    subset(rows, subsetName) {
      for (const r of rows) {
        if (!Number.isInteger(r) || r < 0 || r >= size) {
          throw new MultitaskError(
            'INVALID_OPTION',
            `[@multitask/data] row index ${r} is outside sequence source "${name}" of ${size} rows.`,
            {
              details: { source: name, row: r },
            },
          );
        }
      }
      return sequenceSource(selectSequences(table, rows), {
        ...options,
        name: subsetName ?? `${name}[subset]`,
      });
    },
    batches(request) {
      const batches = plan(table, request, bucketBatches, name);
      return (async function* (): AsyncGenerator<StepBatch> {
        for (const rows of batches) {
          yield sequenceBatch(table, rows, maxLength);
          await Promise.resolve();
        }
      })();
    },
  };
}
