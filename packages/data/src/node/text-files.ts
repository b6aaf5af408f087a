/**
 * Streaming CSV / JSONL file readers, and the Census-Income (KDD) loader.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { MultitaskError } from '@multitask/core';
import type { ArraySource } from '../array-source.ts';
import { readCsv, type CsvOptions } from '../csv.ts';
import { CENSUS_INCOME_COLUMNS, censusIncomeSchema } from '../datasets/census-income.ts';
import { readJsonl, type JsonlOptions } from '../jsonl.ts';
import { fitEncoder, type RawTable, type TableEncoder } from '../tabular.ts';

async function* fileChunks(path: string): AsyncGenerator<string> {
  try {
    await access(path);
  } catch (e) {
    throw new MultitaskError('IO_ERROR', `[@multitask/data] cannot read ${path}: ${(e as Error).message}`, {
      cause: e,
      details: { file: path },
    });
  }
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }))
    yield chunk as string;
}

/**
 * Reads a CSV file into a typed raw table, streaming it (see {@link readCsv}); `file` defaults to the path.
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { readCsvFile } from '@multitask/data/node';
 *
 * const path = join(mkdtempSync(join(tmpdir(), 'x-')), 'train.csv');
 * writeFileSync(path, 'x,city,label\n0.5,Oslo,yes\n1.5,Rome,no\n');
 * const schema = {
 *   x: { type: 'number' },
 *   city: { type: 'category' },
 *   label: { type: 'category', role: 'target' },
 * } as const;
 * const raw = await readCsvFile(path, { schema });
 * console.log(raw.size, raw.numbers.x, raw.categories.label); // 2 [0.5, 1.5] ['yes', 'no']
 * ```
 */
export async function readCsvFile(path: string, options: CsvOptions): Promise<RawTable> {
  return readCsv(fileChunks(path), { file: path, ...options });
}

/**
 * Reads a JSON Lines file into a typed raw table, streaming it (see {@link readJsonl}).
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { readJsonlFile } from '@multitask/data/node';
 *
 * const path = join(mkdtempSync(join(tmpdir(), 'x-')), 'train.jsonl');
 * writeFileSync(path, '{"x": 0.5, "city": "Oslo", "label": "yes"}\n{"x": 1.5, "city": "Rome", "label": null}\n');
 * const schema = {
 *   x: { type: 'number' },
 *   city: { type: 'category' },
 *   label: { type: 'category', role: 'target' },
 * } as const;
 * const raw = await readJsonlFile(path, { schema });
 * console.log(raw.size, raw.numbers.x, raw.categories.label); // 2 [0.5, 1.5] ['yes', null]
 * ```
 */
export async function readJsonlFile(path: string, options: JsonlOptions): Promise<RawTable> {
  return readJsonl(fileChunks(path), { file: path, ...options });
}

/** Options of {@link loadCensusIncome}. */
export interface CensusIncomeOptions {
  /** Path of census-income.data (the training file). */
  readonly train: string;
  /** Path of census-income.test (optional). */
  readonly test?: string;
}

/** The Census-Income (KDD) problem, encoded with training statistics. */
export interface CensusIncomeData {
  /** Training rows (199 523 in the full file). */
  readonly train: ArraySource;
  /** Test rows (99 762 in the full file), when a test file was given. */
  readonly test?: ArraySource;
  /** The encoder fitted on the training file (feature names, vocabularies, scaling). */
  readonly encoder: TableEncoder;
}

/**
 * Loads the UCI Census-Income (KDD) files, which you download yourself (archive.ics.uci.edu, "Census-Income
 * (KDD)"; not shipped), as the two-task problem of the MMoE paper: `income` (1 = income above $50k) and
 * `never_married` (1 = marital status "Never married"). Inputs: the 7 continuous fields standardised and the
 * 32 nominal fields one-hot, vocabularies learned on the training file (a test category never seen in
 * training is an `INVALID_DATA` error naming file, line and column). The instance weight is ignored.
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { CENSUS_INCOME_COLUMNS } from '@multitask/data';
 * import { loadCensusIncome } from '@multitask/data/node';
 *
 * // made-up rows in the layout of the UCI files (which you download yourself): 42 comma-separated fields
 * const row = (n: number, marital: string, income: string) =>
 *   CENSUS_INCOME_COLUMNS.map(([name, spec]) =>
 *     name === 'marital_status' ? marital : name === 'income' ? income : spec.type === 'number' ? n : 'x',
 *   ).join(', ');
 * const dir = mkdtempSync(join(tmpdir(), 'x-'));
 * const [trainFile, testFile] = [join(dir, 'census-income.data'), join(dir, 'census-income.test')];
 * writeFileSync(trainFile, `${row(25, 'Never married', '- 50000.')}\n${row(50, 'Divorced', '50000+.')}\n`);
 * writeFileSync(testFile, `${row(40, 'Never married', '50000+.')}\n`);
 * const { train, test, encoder } = await loadCensusIncome({ train: trainFile, test: testFile });
 * console.log(train.size, test?.size, encoder.tasks, encoder.features.length); // 2 1 ['never_married', 'income'] 39
 * ```
 */
export async function loadCensusIncome(options: CensusIncomeOptions): Promise<CensusIncomeData> {
  const schema = censusIncomeSchema();
  const columns = CENSUS_INCOME_COLUMNS.map(([name]) => name);
  const read = (path: string): Promise<RawTable> => readCsvFile(path, { schema, header: false, columns });
  const trainRaw = await read(options.train);
  const encoder = fitEncoder(trainRaw);
  const train = encoder.encode(trainRaw, 'census-income/train');
  if (options.test === undefined) return { train, encoder };
  const test = encoder.encode(await read(options.test), 'census-income/test');
  return { train, test, encoder };
}
