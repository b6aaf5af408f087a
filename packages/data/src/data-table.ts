/**
 * The columnar in-memory form every in-memory source is built on: inputs as flat float32 arrays, targets as
 * int32 (class) or float32 (regression) arrays with a float32 mask per task.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Inputs } from '@multitask/core';

/** Kind of a task's targets: integer class labels or real-valued regression targets. */
export type TargetKind = 'class' | 'regression';

/** One input tensor's rows, stored flat. */
export interface InputColumn {
  /** Row-major values, `size × rowSize`. */
  readonly data: Float32Array;
  /** Shape of one row (e.g. `[6]`, `[28, 28, 1]`). */
  readonly rowShape: readonly number[];
}

/** One task's targets, stored flat, with its mask. */
export interface TargetColumn {
  /** Class labels (int32) or regression targets (float32); missing labels are stored as 0. */
  readonly kind: TargetKind;
  /** Row-major values: `size` labels, or `size × dim` regression values. */
  readonly data: Int32Array | Float32Array;
  /** Width of a regression target (1 for class labels). */
  readonly dim: number;
  /** Number of classes (class tasks only). */
  readonly numClasses?: number;
  /** 1 where the row is labelled, 0 where the label is missing. */
  readonly mask: Float32Array;
}

/** A columnar table of rows: inputs and per-task targets. */
export interface DataTable {
  /** Number of rows. */
  readonly size: number;
  /** One input column, or named input columns. */
  readonly inputs: InputColumn | Readonly<Record<string, InputColumn>>;
  /** Targets keyed by task name. */
  readonly targets: Readonly<Record<string, TargetColumn>>;
}

/** Number of values in one row of a column of the given row shape. */
export function rowSizeOf(rowShape: readonly number[]): number {
  let n = 1;
  for (const d of rowShape) n *= d;
  return n;
}

function isInputColumn(x: InputColumn | Readonly<Record<string, InputColumn>>): x is InputColumn {
  return x.data instanceof Float32Array;
}

function gatherFloat(src: Float32Array, width: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  if (width === 1) {
    for (let i = 0; i < rows.length; i++) out[i] = src[rows[i]!]!;
  } else {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      out.set(src.subarray(r * width, (r + 1) * width), i * width);
    }
  }
  return out;
}

function gatherInt(src: Int32Array, rows: readonly number[]): Int32Array {
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = src[rows[i]!]!;
  return out;
}

function gatherColumn(col: TargetColumn, rows: readonly number[]): TargetColumn {
  const data =
    col.data instanceof Int32Array ? gatherInt(col.data, rows) : gatherFloat(col.data, col.dim, rows);
  return {
    kind: col.kind,
    data,
    dim: col.dim,
    mask: gatherFloat(col.mask, 1, rows),
    ...(col.numClasses === undefined ? {} : { numClasses: col.numClasses }),
  };
}

/** A new table holding the given rows (in that order). */
export function selectRows(table: DataTable, rows: readonly number[]): DataTable {
  const inputs = table.inputs;
  const pick = (c: InputColumn): InputColumn => ({
    data: gatherFloat(c.data, rowSizeOf(c.rowShape), rows),
    rowShape: c.rowShape,
  });
  const targets: Record<string, TargetColumn> = {};
  for (const [task, col] of Object.entries(table.targets)) targets[task] = gatherColumn(col, rows);
  return {
    size: rows.length,
    inputs: isInputColumn(inputs)
      ? pick(inputs)
      : Object.fromEntries(Object.entries(inputs).map(([k, c]) => [k, pick(c)])),
    targets,
  };
}

function inputTensor(c: InputColumn, rows: readonly number[]): tf.Tensor {
  return tf.tensor(gatherFloat(c.data, rowSizeOf(c.rowShape), rows), [rows.length, ...c.rowShape], 'float32');
}

/**
 * Builds one batch (fresh tensors, owned by the caller) from the given rows of a table. Every task gets a
 * mask; `tasks` restricts the targets (default: all).
 */
export function tableBatch(
  table: DataTable,
  rows: readonly number[],
  tasks?: readonly string[],
  tag?: string,
): Batch {
  const b = rows.length;
  const inputs: Inputs = isInputColumn(table.inputs)
    ? inputTensor(table.inputs, rows)
    : Object.fromEntries(Object.entries(table.inputs).map(([k, c]) => [k, inputTensor(c, rows)]));
  const targets: Record<string, tf.Tensor> = {};
  const masks: Record<string, tf.Tensor> = {};
  for (const task of tasks ?? Object.keys(table.targets)) {
    const col = table.targets[task]!;
    targets[task] =
      col.data instanceof Int32Array
        ? tf.tensor1d(gatherInt(col.data, rows), 'int32')
        : tf.tensor2d(gatherFloat(col.data, col.dim, rows), [b, col.dim], 'float32');
    masks[task] = tf.tensor1d(gatherFloat(col.mask, 1, rows), 'float32');
  }
  return tag === undefined ? { inputs, targets, masks } : { inputs, targets, masks, task: tag };
}
