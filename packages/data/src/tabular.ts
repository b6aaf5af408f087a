/**
 * Typed tables read from CSV or JSONL: a column schema, the raw parsed columns, and an encoder learned on the
 * training rows (category vocabularies, normalisation statistics) that turns raw tables into sources.
 */
import { MultitaskError } from '@multitask/core';
import { tableSource, type ArraySource } from './array-source.ts';
import type { TargetColumn } from './data-table.ts';

/** How one column is read and used. */
export interface ColumnSpec {
  /** `'number'` cells parse as numbers; `'category'` cells are strings (trimmed). */
  readonly type: 'number' | 'category';
  /**
   * `'input'` (default): a feature (numbers normalised, categories one-hot); `'target'`: the labels of a task
   * (numbers → regression, categories → classes); `'ignore'`: read but unused.
   */
  readonly role?: 'input' | 'target' | 'ignore';
  /** Task name of a target column (default: the column name). */
  readonly task?: string;
  /**
   * Normalisation of a number column, with statistics of the training rows: `'standard'` (z-score; default
   * for inputs), `'minmax'` (to [0, 1]) or `'none'` (default for targets).
   */
  readonly normalize?: 'standard' | 'minmax' | 'none';
  /** Class names of a category target, in label order (default: the sorted training values). */
  readonly classes?: readonly string[];
  /**
   * Makes a category target binary: label 1 when the value is one of these, else 0 (e.g. income
   * `['50000+.']`).
   */
  readonly positive?: readonly string[];
  /** Cell values meaning "missing" (default `['']`, plus `null` in JSONL). A missing target gives mask 0. */
  readonly missing?: readonly string[];
  /** What to do with a missing number input: `'error'` (default) or `'mean'` (the training mean). */
  readonly missingInput?: 'error' | 'mean';
}

/** A column schema: the columns to read, by name, in any order. Columns not listed are skipped. */
export type TableSchema = Readonly<Record<string, ColumnSpec>>;

/** The raw values of a parsed table (before encoding). */
export interface RawTable {
  /** File (or stream) name, for error messages. */
  readonly file: string;
  /** Number of rows. */
  readonly size: number;
  /** Line number (1-based) of each row in the file. */
  readonly lines: Int32Array;
  /** Number columns: NaN where missing. */
  readonly numbers: Readonly<Record<string, Float64Array>>;
  /** Category columns: `null` where missing. */
  readonly categories: Readonly<Record<string, readonly (string | null)[]>>;
  /** The schema the table was read with. */
  readonly schema: TableSchema;
}

/** Normalisation of one number column: value → (value − offset) / scale. */
export interface ColumnScaling {
  /** Subtracted first (the mean for z-scores, the minimum for min-max). */
  readonly offset: number;
  /** Divided by next (the standard deviation, or max − min). */
  readonly scale: number;
  /** Training mean (used to impute missing inputs with `missingInput: 'mean'`). */
  readonly mean: number;
}

/** Learned encoding state (JSON-serialisable), e.g. to encode new data the same way later. */
export interface EncoderState {
  /** Per number column: its normalisation. */
  readonly scaling: Readonly<Record<string, ColumnScaling>>;
  /** Per category input: its vocabulary, in one-hot order. */
  readonly vocabularies: Readonly<Record<string, readonly string[]>>;
  /** Per category target: class names in label order. */
  readonly classes: Readonly<Record<string, readonly string[]>>;
}

/** An encoder fitted on training rows. */
export interface TableEncoder {
  /** Names of the encoded input features (one per number input, one per category value). */
  readonly features: readonly string[];
  /** Task names, in schema order. */
  readonly tasks: readonly string[];
  /** The learned state. */
  readonly state: EncoderState;
  /**
   * Encodes a raw table read with the same schema. Throws `INVALID_DATA` (file, line, column) for an unknown
   * category in an input or target, or a missing number input without `missingInput: 'mean'`.
   */
  encode(table: RawTable, name?: string): ArraySource;
}

/** A dataset-level error naming file, line and column. */
export function cellError(file: string, line: number, column: string, message: string): MultitaskError {
  return new MultitaskError(
    'INVALID_DATA',
    `[@multitask/data] ${file}, line ${line}, column "${column}": ${message}`,
    {
      details: { file, line, column },
    },
  );
}

/** A decimal numeral: optional sign, digits with an optional fraction (or a fraction alone), optional exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads a number cell: a JSON number, or a string holding a decimal numeral. Hexadecimal, binary and octal
 * numerals (`0x10`, `0b11`, `0o7`), `Infinity`, `NaN` and numbers too large for a 64-bit float (`1e999`) are
 * refused with file, line and column instead of being read as something else.
 */
function numberCell(text: unknown, raw: unknown, file: string, line: number, column: string): number {
  const hint = "fix the cell, or declare the column type 'category' or list the value in missing.";
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) {
      throw cellError(
        file,
        line,
        column,
        `the number is not finite (${String(text)}; a literal such as 1e999 is too large for a 64-bit float) — ${hint}`,
      );
    }
    return text;
  }
  if (typeof text !== 'string')
    throw cellError(file, line, column, `${JSON.stringify(raw)} is not a number — ${hint}`);
  if (!DECIMAL.test(text)) {
    const kind = /^[+-]?0[xX]/.test(text)
      ? ' (a hexadecimal numeral: only decimal numbers are read)'
      : /^[+-]?0[bBoO]/.test(text)
        ? ' (a binary or octal numeral: only decimal numbers are read)'
        : '';
    throw cellError(file, line, column, `${JSON.stringify(raw)} is not a decimal number${kind} — ${hint}`);
  }
  const v = Number(text);
  if (!Number.isFinite(v)) {
    throw cellError(file, line, column, `${JSON.stringify(raw)} is too large for a 64-bit float — ${hint}`);
  }
  return v;
}

/** Role of a column with defaults applied. */
export function roleOf(spec: ColumnSpec): 'input' | 'target' | 'ignore' {
  return spec.role ?? 'input';
}

/** Collects typed rows into a {@link RawTable}; used by the CSV and JSONL readers. */
export interface RawTableBuilder {
  /**
   * Adds one row: `cell(name, j)` returns the raw cell (string, number, null or undefined) of schema column
   * `name`, the `j`-th of the schema.
   */
  add(line: number, cell: (column: string, j: number) => unknown): void;
  /** The table of all rows added. */
  finish(): RawTable;
}

/** A builder of a raw table for `schema`, reading `file`. */
export function rawTableBuilder(schema: TableSchema, file: string): RawTableBuilder {
  const names = Object.keys(schema);
  const numbers: Record<string, number[]> = {};
  const categories: Record<string, (string | null)[]> = {};
  for (const n of names) {
    if (schema[n]!.type === 'number') numbers[n] = [];
    else categories[n] = [];
  }
  const lines: number[] = [];
  const isNumber = names.map((n) => schema[n]!.type === 'number');
  const missing = names.map((n) => new Set(schema[n]!.missing ?? ['']));
  const columns = names.map(
    (n) => (schema[n]!.type === 'number' ? numbers[n]! : categories[n]!) as (number | string | null)[],
  );
  const scratch: (number | string | null)[] = new Array<number | string | null>(names.length).fill(null);
  return {
    add(line: number, cell: (column: string, j: number) => unknown): void {
      // Parse the whole row first, so a bad cell leaves nothing of the row behind.
      const row = scratch;
      for (let j = 0; j < names.length; j++) {
        const n = names[j]!;
        const raw = cell(n, j);
        const text = typeof raw === 'string' ? raw.trim() : raw;
        const isMissing =
          text === null || text === undefined || (typeof text === 'string' && missing[j]!.has(text));
        if (isNumber[j]) {
          if (isMissing) {
            row[j] = NaN;
            continue;
          }
          row[j] = numberCell(text, raw, file, line, n);
        } else {
          if (isMissing) row[j] = null;
          else if (typeof text === 'string' || typeof text === 'number' || typeof text === 'boolean')
            row[j] = String(text);
          else
            throw cellError(
              file,
              line,
              n,
              `${JSON.stringify(raw)} is not a category value (string, number or boolean).`,
            );
        }
      }
      for (let j = 0; j < names.length; j++) columns[j]!.push(row[j]!);
      lines.push(line);
    },
    finish(): RawTable {
      return {
        file,
        size: lines.length,
        lines: Int32Array.from(lines),
        numbers: Object.fromEntries(Object.entries(numbers).map(([k, v]) => [k, Float64Array.from(v)])),
        categories,
        schema,
      };
    },
  };
}

function sortedDistinct(values: readonly (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))].sort();
}

/**
 * Learns the encoding of `schema`'s columns from the training table: category vocabularies (sorted),
 * class lists, and normalisation statistics of the number inputs (and number targets with `normalize`).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { fitEncoder, readCsv } from '@multitask/data';
 *
 * const schema = { x: { type: 'number' }, city: { type: 'category' }, y: { type: 'number', role: 'target' } } as const;
 * const trainRaw = await readCsv('x,city,y\n1,Oslo,2\n2,Rome,3\n', { file: 'train.csv', schema });
 * const testRaw = await readCsv('x,city,y\n3,Oslo,4\n', { file: 'test.csv', schema });
 * const encoder = fitEncoder(trainRaw); // category codes and numeric scaling from the training rows only
 * const train = encoder.encode(trainRaw);
 * const test = encoder.encode(testRaw); // unknown test categories → INVALID_DATA with file/line/column
 * console.log(train.size, test.size);
 * ```
 */
export function fitEncoder(train: RawTable): TableEncoder {
  const schema = train.schema;
  const scaling: Record<string, { offset: number; scale: number; mean: number }> = {};
  const vocabularies: Record<string, string[]> = {};
  const classes: Record<string, readonly string[]> = {};
  const features: string[] = [];
  const tasks: string[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    const role = roleOf(spec);
    if (role === 'ignore') continue;
    if (role === 'target') tasks.push(spec.task ?? name);
    if (spec.type === 'number') {
      const values = train.numbers[name]!.filter(Number.isFinite);
      const normalize = spec.normalize ?? (role === 'input' ? 'standard' : 'none');
      let mean = 0;
      for (const v of values) mean += v;
      mean = values.length > 0 ? mean / values.length : 0;
      let offset = 0;
      let scale = 1;
      if (normalize === 'standard') {
        let sq = 0;
        for (const v of values) sq += (v - mean) ** 2;
        offset = mean;
        scale = Math.sqrt(values.length > 0 ? sq / values.length : 0) || 1;
      } else if (normalize === 'minmax') {
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of values) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        offset = Number.isFinite(lo) ? lo : 0;
        scale = hi - lo || 1;
      }
      scaling[name] = { offset, scale, mean };
      if (role === 'input') features.push(name);
    } else if (role === 'input') {
      vocabularies[name] = sortedDistinct(train.categories[name]!);
      for (const v of vocabularies[name]) features.push(`${name}=${v}`);
    } else {
      classes[name] = spec.positive
        ? ['other', spec.positive.join('|')]
        : (spec.classes ?? sortedDistinct(train.categories[name]!));
    }
  }
  const state: EncoderState = { scaling, vocabularies, classes };
  return {
    features,
    tasks,
    state,
    encode: (table: RawTable, name?: string): ArraySource =>
      encode(table, state, features.length, name ?? table.file),
  };
}

function encode(table: RawTable, state: EncoderState, width: number, name: string): ArraySource {
  const { schema, size, file, lines } = table;
  const x = new Float32Array(size * width);
  const targets: Record<string, TargetColumn> = {};
  let col = 0;
  for (const [column, spec] of Object.entries(schema)) {
    const role = roleOf(spec);
    if (role === 'ignore') continue;
    if (spec.type === 'number') {
      const values = table.numbers[column]!;
      const { offset, scale, mean } = state.scaling[column]!;
      if (role === 'input') {
        for (let i = 0; i < size; i++) {
          let v = values[i]!;
          if (Number.isNaN(v)) {
            if (spec.missingInput !== 'mean') {
              throw cellError(
                file,
                lines[i]!,
                column,
                "missing value in an input column — fill it, or set missingInput: 'mean'.",
              );
            }
            v = mean;
          }
          x[i * width + col] = (v - offset) / scale;
        }
        col++;
      } else {
        const data = new Float32Array(size);
        const mask = new Float32Array(size);
        for (let i = 0; i < size; i++) {
          const v = values[i]!;
          if (Number.isNaN(v)) continue;
          data[i] = (v - offset) / scale;
          mask[i] = 1;
        }
        targets[spec.task ?? column] = { kind: 'regression', data, dim: 1, mask };
      }
      continue;
    }
    const values = table.categories[column]!;
    if (role === 'input') {
      const vocab = state.vocabularies[column]!;
      const index = new Map(vocab.map((v, k) => [v, k]));
      for (let i = 0; i < size; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue; // missing category: all-zero one-hot
        const k = index.get(v);
        if (k === undefined) {
          throw cellError(
            file,
            lines[i]!,
            column,
            `unknown category ${JSON.stringify(v)} (not in the training data; known: ${vocab.slice(0, 8).join(', ')}${vocab.length > 8 ? ', …' : ''}).`,
          );
        }
        x[i * width + col + k] = 1;
      }
      col += vocab.length;
    } else {
      const names = state.classes[column]!;
      const positive = spec.positive;
      const index = new Map(names.map((v, k) => [v, k]));
      const data = new Int32Array(size);
      const mask = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        let k: number | undefined;
        if (positive) k = positive.includes(v) ? 1 : 0;
        else k = index.get(v);
        if (k === undefined) {
          throw cellError(
            file,
            lines[i]!,
            column,
            `unknown class ${JSON.stringify(v)} of task "${spec.task ?? column}"; classes are ${names.join(', ')}.`,
          );
        }
        data[i] = k;
        mask[i] = 1;
      }
      targets[spec.task ?? column] = { kind: 'class', data, dim: 1, numClasses: names.length, mask };
    }
  }
  if (Object.keys(targets).length === 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/data] the schema of ${file} has no target column — give one column role: 'target'.`,
      {
        details: { option: 'schema', file },
      },
    );
  }
  return tableSource({ size, inputs: { data: x, rowShape: [width] }, targets }, name);
}
