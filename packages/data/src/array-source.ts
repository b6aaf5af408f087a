/**
 * In-memory data sources: arrays of rows with per-task labels, where a missing label (`null`, `undefined` or
 * `NaN`) gives mask 0 for that task.
 */
import { MultitaskError, type BatchRequest, type DataSource, type StepBatch } from '@multitask/core';
import {
  rowSizeOf,
  selectRows,
  tableBatch,
  type DataTable,
  type InputColumn,
  type TargetColumn,
  type TargetKind,
} from './data-table.ts';
import { epochBatches } from './epoch.ts';

/** A flat array with an explicit shape; the first axis is the row. */
export interface ShapedArray {
  /** Row-major values. */
  readonly data: Float32Array | Int32Array | readonly number[];
  /** Shape; `shape[0]` is the number of rows. */
  readonly shape: readonly number[];
}

/** One input: rows of numbers (`[N][F]`) or a flat array with a shape (`[N, ...]`). */
export type ArrayInput = readonly (readonly number[])[] | ShapedArray;

/** A missing-able label value: `null`, `undefined` and `NaN` mean "no label for this row". */
export type MaybeNumber = number | null | undefined;

/** Class-label targets of one task. */
export interface ClassTargetSpec {
  /** Always `'class'`. */
  readonly kind: 'class';
  /** One integer label in `[0, numClasses)` per row; `null`/`undefined`/`NaN` = missing. */
  readonly values: ArrayLike<MaybeNumber>;
  /** Number of classes (default: largest label + 1). */
  readonly numClasses?: number;
}

/** Regression targets of one task. */
export interface RegressionTargetSpec {
  /** Always `'regression'`. */
  readonly kind: 'regression';
  /**
   * One number per row (`d = 1`), one `d`-vector per row, or a flat `[N, d]` array. A row whose value (or any
   * component) is `null`/`undefined`/`NaN` is unlabelled.
   */
  readonly values:
    ArrayLike<MaybeNumber> | readonly (readonly MaybeNumber[] | null | undefined)[] | ShapedArray;
}

/** The targets of one task. */
export type TargetSpec = ClassTargetSpec | RegressionTargetSpec;

/** Options of {@link arraySource}. */
export interface ArraySourceOptions {
  /** One input, or named inputs (for a multi-input model). Values must be finite. */
  readonly inputs: ArrayInput | Readonly<Record<string, ArrayInput>>;
  /** Targets keyed by task name. */
  readonly targets: Readonly<Record<string, TargetSpec>>;
  /** Extra per-task masks (1/true = labelled), combined with the missing values of the targets. */
  readonly masks?: Readonly<Record<string, ArrayLike<number | boolean>>>;
  /** Name used in error messages (default `"arraySource"`). */
  readonly name?: string;
}

/** What an in-memory source knows about one task. */
export interface TaskInfo {
  /** Class labels or regression targets. */
  readonly kind: TargetKind;
  /** Number of classes (class tasks). */
  readonly numClasses?: number;
  /** Width of the target (1 for class labels). */
  readonly dim: number;
  /** Number of labelled rows. */
  readonly labelled: number;
}

/** An in-memory `DataSource` (of `@multitask/core`) over a {@link DataTable}, with row subsets for splits. */
export interface ArraySource extends DataSource {
  /** Name used in error messages. */
  readonly name: string;
  /** Number of rows. */
  readonly size: number;
  /** Per-task facts (kind, classes, width, labelled rows). */
  readonly taskInfo: Readonly<Record<string, TaskInfo>>;
  /** The underlying columns (read-only by convention; used by splits and stratification). */
  readonly table: DataTable;
  /** A new source with the given rows, in that order (e.g. one side of a split). */
  subset(rows: readonly number[], name?: string): ArraySource;
  /**
   * One epoch of joint batches: every batch holds the inputs, the targets of every task and a mask per task.
   * Missing labels are stored as 0 with mask 0.
   */
  batches(request: BatchRequest): AsyncIterable<StepBatch>;
}

function invalid(message: string, details: Record<string, string | number>): MultitaskError {
  return new MultitaskError('INVALID_DATA', `[@multitask/data] ${message}`, { details });
}

function isShaped(x: unknown): x is ShapedArray {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const r = x as Record<string, unknown>;
  return Array.isArray(r.shape) && (Array.isArray(r.data) || ArrayBuffer.isView(r.data));
}

function isArrayInput(x: unknown): x is ArrayInput {
  return Array.isArray(x) || isShaped(x);
}

function toInputColumn(input: ArrayInput, label: string, source: string): InputColumn {
  let data: Float32Array;
  let rowShape: number[];
  if (isShaped(input)) {
    const [n, ...rest] = input.shape;
    if (n === undefined || !input.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw invalid(
        `input ${label} of source "${source}" has an invalid shape [${input.shape.join(', ')}] — give [rows, ...].`,
        {
          source,
          input: label,
        },
      );
    }
    rowShape = rest;
    if (input.data.length !== n * rowSizeOf(rest)) {
      throw invalid(
        `input ${label} of source "${source}" has ${input.data.length} values but shape [${input.shape.join(', ')}] needs ${n * rowSizeOf(rest)}.`,
        { source, input: label },
      );
    }
    data = input.data instanceof Float32Array ? input.data : Float32Array.from(input.data);
  } else {
    const width = input[0]?.length ?? 0;
    rowShape = [width];
    data = new Float32Array(input.length * width);
    input.forEach((row, i) => {
      if (row.length !== width) {
        throw invalid(
          `row ${i} of input ${label} of source "${source}" has ${row.length} values, row 0 has ${width}.`,
          {
            source,
            input: label,
            row: i,
          },
        );
      }
      data.set(row, i * width);
    });
  }
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const width = Math.max(1, rowSizeOf(rowShape));
    throw invalid(
      `input ${label} of source "${source}" has a non-finite value at row ${Math.floor(bad / width)}, column ${bad % width} — inputs cannot be missing; drop or impute the row.`,
      { source, input: label, row: Math.floor(bad / width), column: bad % width },
    );
  }
  return { data, rowShape };
}

function missing(v: MaybeNumber): boolean {
  return v === null || v === undefined || Number.isNaN(v);
}

function toClassColumn(task: string, spec: ClassTargetSpec, n: number, source: string): TargetColumn {
  const data = new Int32Array(n);
  const mask = new Float32Array(n);
  let max = -1;
  for (let i = 0; i < n; i++) {
    const v = spec.values[i];
    if (missing(v)) continue;
    if (!Number.isInteger(v) || v! < 0) {
      throw invalid(
        `class label of task "${task}" at row ${i} of source "${source}" is ${v}; labels are integers ≥ 0.`,
        {
          source,
          task,
          row: i,
        },
      );
    }
    data[i] = v!;
    mask[i] = 1;
    if (v! > max) max = v!;
  }
  const numClasses = spec.numClasses ?? max + 1;
  if (max >= numClasses) {
    const row = data.findIndex((v, i) => mask[i] === 1 && v >= numClasses);
    throw invalid(
      `class label ${data[row]} of task "${task}" at row ${row} of source "${source}" is outside [0, ${numClasses}) — fix the label or numClasses.`,
      { source, task, row },
    );
  }
  return { kind: 'class', data, dim: 1, numClasses, mask };
}

function toRegressionColumn(
  task: string,
  spec: RegressionTargetSpec,
  n: number,
  source: string,
): TargetColumn {
  const values = spec.values;
  let dim = 1;
  let flat: ArrayLike<MaybeNumber>;
  if (isShaped(values)) {
    dim = values.shape.length >= 2 ? rowSizeOf(values.shape.slice(1)) : 1;
    flat = values.data;
  } else {
    const rows = values as ArrayLike<unknown>;
    let firstVector: readonly MaybeNumber[] | undefined;
    for (let i = 0; i < rows.length && firstVector === undefined; i++) {
      const r = rows[i];
      if (Array.isArray(r)) firstVector = r as readonly MaybeNumber[];
    }
    if (firstVector === undefined) {
      flat = values as ArrayLike<MaybeNumber>;
    } else {
      dim = firstVector.length;
      const out: MaybeNumber[] = new Array<MaybeNumber>(rows.length * dim);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i] as readonly MaybeNumber[] | MaybeNumber;
        if (!Array.isArray(r)) {
          if (!missing(r as MaybeNumber)) {
            throw invalid(
              `regression target of task "${task}" at row ${i} of source "${source}" is a number; other rows are ${dim}-vectors.`,
              {
                source,
                task,
                row: i,
              },
            );
          }
          for (let j = 0; j < dim; j++) out[i * dim + j] = null;
          continue;
        }
        const vec = r as readonly MaybeNumber[];
        if (vec.length !== dim) {
          throw invalid(
            `regression target of task "${task}" at row ${i} of source "${source}" has ${vec.length} values, expected ${dim}.`,
            {
              source,
              task,
              row: i,
            },
          );
        }
        for (let j = 0; j < dim; j++) out[i * dim + j] = vec[j];
      }
      flat = out;
    }
  }
  if (flat.length !== n * dim) {
    throw invalid(
      `task "${task}" of source "${source}" has ${flat.length / dim} target rows but the inputs have ${n}.`,
      {
        source,
        task,
      },
    );
  }
  const data = new Float32Array(n * dim);
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let ok = true;
    for (let j = 0; j < dim; j++) {
      const v = flat[i * dim + j];
      if (missing(v)) ok = false;
      else if (!Number.isFinite(v)) {
        throw invalid(`regression target of task "${task}" at row ${i} of source "${source}" is ${v}.`, {
          source,
          task,
          row: i,
        });
      }
    }
    if (!ok) continue;
    mask[i] = 1;
    for (let j = 0; j < dim; j++) data[i * dim + j] = flat[i * dim + j]!;
  }
  return { kind: 'regression', data, dim, mask };
}

function taskInfoOf(col: TargetColumn): TaskInfo {
  let labelled = 0;
  for (const m of col.mask) labelled += m;
  return col.numClasses === undefined
    ? { kind: col.kind, dim: col.dim, labelled }
    : { kind: col.kind, numClasses: col.numClasses, dim: col.dim, labelled };
}

/**
 * Wraps a {@link DataTable} as a source (no copy). Batches are joint: inputs, every task's targets and masks.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { disposeBatch, type Batch } from '@multitask/core';
 * import { fitEncoder, readCsv, tableSource } from '@multitask/data';
 *
 * const text = 'x1,city,label,score\n0.5,Oslo,yes,1.5\n1.5,Rome,no,\n2.5,Oslo,no,0.2\n';
 * const raw = await readCsv(text, {
 *   file: 'data.csv',
 *   schema: {
 *     x1: { type: 'number' },
 *     city: { type: 'category' },
 *     label: { type: 'category', role: 'target' },
 *     score: { type: 'number', role: 'target' }, // an empty cell is a missing label (mask 0)
 *   },
 * });
 * const encoder = fitEncoder(raw);
 * const src = tableSource(encoder.encode(raw).table, 'my-data'); // any DataTable
 * for await (const step of src.batches({ batchSize: 32, shuffle: true, seed: 1 })) disposeBatch(step as Batch);
 * console.log(src.size, src.tasks); // 3 ['label', 'score']
 * ```
 */
export function tableSource(table: DataTable, name = 'table'): ArraySource {
  const taskInfo: Record<string, TaskInfo> = {};
  for (const [task, col] of Object.entries(table.targets)) taskInfo[task] = taskInfoOf(col);
  const tasks = Object.keys(table.targets);
  return {
    name,
    size: table.size,
    tasks,
    taskInfo,
    table,
    subset(rows: readonly number[], subsetName?: string): ArraySource {
      for (const r of rows) {
        if (!Number.isInteger(r) || r < 0 || r >= table.size) {
          throw new MultitaskError(
            'INVALID_OPTION',
            `[@multitask/data] row index ${r} is outside source "${name}" of ${table.size} rows.`,
            { details: { source: name, row: r } },
          );
        }
      }
      return tableSource(selectRows(table, rows), subsetName ?? `${name}[subset]`);
    },
    batches(request: BatchRequest): AsyncIterable<StepBatch> {
      // Validate and plan eagerly, so a bad request throws at the call, not at the first next().
      const plan = epochBatches(table.size, request, name);
      return (async function* (): AsyncGenerator<StepBatch> {
        for (const rows of plan) {
          yield tableBatch(table, rows, tasks);
          await Promise.resolve();
        }
      })();
    },
  };
}

/**
 * An in-memory multi-task source from plain arrays. Missing labels (`null`, `undefined`, `NaN`) get mask 0;
 * each batch has the inputs, every task's targets (class labels int32 `[B]`, regression float32 `[B, d]`) and
 * a float32 `[B]` mask per task. Shuffling is seeded by the request's `seed`.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { disposeBatch, type Batch } from '@multitask/core';
 * import { arraySource } from '@multitask/data';
 *
 * const src = arraySource({
 *   inputs: [[0.1, 2], [0.3, 1], [0.5, 0]],
 *   targets: {
 *     kind: { kind: 'class', values: [0, 1, null] }, // row 2 unlabelled for "kind"
 *     score: { kind: 'regression', values: [1.5, NaN, 0.2] },
 *   },
 * });
 * for await (const step of src.batches({ batchSize: 2, shuffle: true, seed: 7 })) {
 *   const batch = step as Batch;
 *   console.log(batch.inputs, Object.keys(batch.targets)); // float32 [≤2, 2]; kind, score (+ masks)
 *   disposeBatch(batch);
 * }
 * ```
 */
export function arraySource(options: ArraySourceOptions): ArraySource {
  const name = options.name ?? 'arraySource';
  const rawInputs = options.inputs;
  let inputs: InputColumn | Record<string, InputColumn>;
  let n: number;
  if (isArrayInput(rawInputs)) {
    inputs = toInputColumn(rawInputs, '(default)', name);
    n = isShaped(rawInputs) ? rawInputs.shape[0]! : rawInputs.length;
  } else {
    const entries = Object.entries(rawInputs);
    if (entries.length === 0) throw invalid(`source "${name}" has no inputs.`, { source: name });
    inputs = {};
    n = -1;
    for (const [key, input] of entries) {
      const col = toInputColumn(input, `"${key}"`, name);
      const rows = isShaped(input) ? input.shape[0]! : input.length;
      if (n >= 0 && rows !== n) {
        throw invalid(`input "${key}" of source "${name}" has ${rows} rows, other inputs have ${n}.`, {
          source: name,
          input: key,
        });
      }
      n = rows;
      inputs[key] = col;
    }
  }
  const targets: Record<string, TargetColumn> = {};
  const taskNames = Object.keys(options.targets);
  if (taskNames.length === 0)
    throw invalid(`source "${name}" has no targets — give at least one task.`, { source: name });
  for (const [task, spec] of Object.entries(options.targets)) {
    if (spec.kind === 'class') {
      if (spec.values.length !== n) {
        throw invalid(
          `task "${task}" of source "${name}" has ${spec.values.length} labels but the inputs have ${n} rows.`,
          {
            source: name,
            task,
          },
        );
      }
      targets[task] = toClassColumn(task, spec, n, name);
    } else {
      targets[task] = toRegressionColumn(task, spec, n, name);
    }
  }
  for (const [task, extra] of Object.entries(options.masks ?? {})) {
    const col = targets[task];
    if (!col)
      throw invalid(
        `mask given for unknown task "${task}" of source "${name}" — tasks are ${taskNames.join(', ')}.`,
        { source: name, task },
      );
    if (extra.length !== n)
      throw invalid(`mask of task "${task}" of source "${name}" has ${extra.length} values, expected ${n}.`, {
        source: name,
        task,
      });
    const mask = col.mask;
    for (let i = 0; i < n; i++) if (!extra[i]) mask[i] = 0;
  }
  return tableSource({ size: n, inputs, targets }, name);
}
