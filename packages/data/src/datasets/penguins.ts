/**
 * The Palmer penguins data set (CC0) as a ready multi-task problem: predict species, sex and body mass from
 * bill and flipper measurements and the island.
 */
import { MultitaskError } from '@multitask/core';
import { tableSource, type ArraySource } from '../array-source.ts';
import type { DataTable, TargetColumn } from '../data-table.ts';
import { splitRows, type Split } from '../splits.ts';
import { PENGUINS_CSV } from './penguins-data.ts';

/** Species classes of the `species` task, in label order. */
export const PENGUIN_SPECIES: readonly string[] = ['Adelie', 'Chinstrap', 'Gentoo'];
/** Classes of the `sex` task, in label order. */
export const PENGUIN_SEXES: readonly string[] = ['female', 'male'];
/** Islands, in the order of the one-hot input columns. */
export const PENGUIN_ISLANDS: readonly string[] = ['Biscoe', 'Dream', 'Torgersen'];
/** Names of the 6 input features, in column order. */
export const PENGUIN_FEATURES: readonly string[] = [
  'bill_length_mm',
  'bill_depth_mm',
  'flipper_length_mm',
  'island=Biscoe',
  'island=Dream',
  'island=Torgersen',
];

/** Options of {@link loadPenguins}. */
export interface PenguinsOptions {
  /** Seed of the train/validation/test split (default 1). */
  readonly seed?: number;
  /** Fraction of rows for the test set (default 0.2). */
  readonly test?: number;
  /** Fraction of rows for the validation set (default 0). */
  readonly validation?: number;
}

/** Mean and standard deviation used to standardise a column (computed on the training rows). */
export interface Standardisation {
  /** Mean over the training rows. */
  readonly mean: number;
  /** Population standard deviation over the training rows. */
  readonly std: number;
}

/** The penguins problem, split and standardised. */
export interface PenguinsData {
  /** Training rows. */
  readonly train: ArraySource;
  /** Validation rows (0 rows unless `validation` was given). */
  readonly validation: ArraySource;
  /** Test rows. */
  readonly test: ArraySource;
  /** Input feature names ({@link PENGUIN_FEATURES}). */
  readonly features: readonly string[];
  /** Class names of the class tasks, in label order. */
  readonly classes: PenguinClasses;
  /** Standardisation of the numeric inputs (by feature name), from the training rows. */
  readonly featureScaling: Readonly<Record<string, Standardisation>>;
  /** Standardisation of the `body_mass` target, in grams: grams = value · std + mean. */
  readonly bodyMass: Standardisation;
  /** Row indices (into the 342 complete rows, in file order) of each part. */
  readonly rows: Split;
}

/** Class names of the penguins class tasks, in label order. */
export interface PenguinClasses {
  /** {@link PENGUIN_SPECIES}. */
  readonly species: readonly string[];
  /** {@link PENGUIN_SEXES}. */
  readonly sex: readonly string[];
}

interface RawPenguin {
  readonly species: number;
  readonly island: number;
  readonly numeric: readonly [number, number, number];
  readonly bodyMass: number;
  readonly sex: number;
}

function parseNumber(cell: string, line: number, column: string): number {
  if (cell === 'NA') return NaN;
  const v = Number(cell);
  if (cell === '' || !Number.isFinite(v)) {
    throw new MultitaskError(
      'INVALID_DATA',
      `[@multitask/data] penguins data line ${line}, column ${column}: "${cell}" is not a number.`,
      {
        details: { file: 'penguins-data.ts', line, column },
      },
    );
  }
  return v;
}

function indexOf(list: readonly string[], cell: string, line: number, column: string): number {
  const i = list.indexOf(cell);
  if (i < 0) {
    throw new MultitaskError(
      'INVALID_DATA',
      `[@multitask/data] penguins data line ${line}, column ${column}: unknown value "${cell}".`,
      {
        details: { file: 'penguins-data.ts', line, column },
      },
    );
  }
  return i;
}

/** The 342 rows with complete features (the 2 rows without measurements dropped), in file order. */
function penguinRows(): RawPenguin[] {
  const lines = PENGUINS_CSV.trim().split('\n');
  const header = lines[0]!.split(',');
  const col = (name: string): number => header.indexOf(name);
  const [cSpecies, cIsland, cBillL, cBillD, cFlipper, cMass, cSex] = [
    'species',
    'island',
    'bill_length_mm',
    'bill_depth_mm',
    'flipper_length_mm',
    'body_mass_g',
    'sex',
  ].map(col) as [number, number, number, number, number, number, number];
  const out: RawPenguin[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    const line = i + 1;
    const numeric: [number, number, number] = [
      parseNumber(cells[cBillL]!, line, 'bill_length_mm'),
      parseNumber(cells[cBillD]!, line, 'bill_depth_mm'),
      parseNumber(cells[cFlipper]!, line, 'flipper_length_mm'),
    ];
    if (numeric.some(Number.isNaN)) continue;
    const sexCell = cells[cSex]!;
    out.push({
      species: indexOf(PENGUIN_SPECIES, cells[cSpecies]!, line, 'species'),
      island: indexOf(PENGUIN_ISLANDS, cells[cIsland]!, line, 'island'),
      numeric,
      bodyMass: parseNumber(cells[cMass]!, line, 'body_mass_g'),
      sex: sexCell === 'NA' ? -1 : indexOf(PENGUIN_SEXES, sexCell, line, 'sex'),
    });
  }
  return out;
}

function standardisation(values: readonly number[]): Standardisation {
  const finite = values.filter(Number.isFinite);
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
  const variance = finite.reduce((a, b) => a + (b - mean) ** 2, 0) / finite.length;
  return { mean, std: Math.sqrt(variance) || 1 };
}

function buildTable(
  rows: readonly RawPenguin[],
  scaling: readonly Standardisation[],
  mass: Standardisation,
): DataTable {
  const n = rows.length;
  const x = new Float32Array(n * 6);
  const species = new Int32Array(n);
  const sex = new Int32Array(n);
  const sexMask = new Float32Array(n);
  const bodyMass = new Float32Array(n);
  const massMask = new Float32Array(n);
  rows.forEach((r, i) => {
    for (let j = 0; j < 3; j++) x[i * 6 + j] = (r.numeric[j]! - scaling[j]!.mean) / scaling[j]!.std;
    x[i * 6 + 3 + r.island] = 1;
    species[i] = r.species;
    if (r.sex >= 0) {
      sex[i] = r.sex;
      sexMask[i] = 1;
    }
    if (Number.isFinite(r.bodyMass)) {
      bodyMass[i] = (r.bodyMass - mass.mean) / mass.std;
      massMask[i] = 1;
    }
  });
  const targets: Record<string, TargetColumn> = {
    species: { kind: 'class', data: species, dim: 1, numClasses: 3, mask: new Float32Array(n).fill(1) },
    sex: { kind: 'class', data: sex, dim: 1, numClasses: 2, mask: sexMask },
    body_mass: { kind: 'regression', data: bodyMass, dim: 1, mask: massMask },
  };
  return { size: n, inputs: { data: x, rowShape: [6] }, targets };
}

/**
 * Loads the Palmer penguins data (embedded, CC0; 344 rows, of which the 2 without measurements are dropped,
 * leaving 342) as a multi-task problem, split with a seeded split stratified by species.
 *
 * Inputs: float32 `[B, 6]` = bill length, bill depth, flipper length (standardised with the training rows'
 * mean and population std) and a one-hot island. Tasks: `species` (3 classes), `sex` (2 classes; 9 rows have
 * no sex → mask 0) and `body_mass` (regression `[B, 1]`, standardised; grams = value · bodyMass.std +
 * bodyMass.mean).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { disposeBatch, type Batch } from '@multitask/core';
 * import { loadPenguins } from '@multitask/data';
 *
 * const { train, test, bodyMass } = loadPenguins({ seed: 1, test: 0.2 });
 * const epoch = 0;
 * for await (const step of train.batches({ batchSize: 32, shuffle: true, seed: epoch + 1 })) disposeBatch(step as Batch);
 * console.log(train.size, test.size, `body mass in grams = z × ${bodyMass.std} + ${bodyMass.mean}`);
 * ```
 */
export function loadPenguins(options: PenguinsOptions = {}): PenguinsData {
  const all = penguinRows();
  const split = splitRows({
    size: all.length,
    test: options.test ?? 0.2,
    validation: options.validation ?? 0,
    seed: options.seed ?? 1,
    stratify: all.map((r) => r.species),
  });
  const trainRows = split.train.map((i) => all[i]!);
  const scaling = [0, 1, 2].map((j) => standardisation(trainRows.map((r) => r.numeric[j]!)));
  const mass = standardisation(trainRows.map((r) => r.bodyMass));
  const part = (rows: number[], name: string): ArraySource =>
    tableSource(
      buildTable(
        rows.map((i) => all[i]!),
        scaling,
        mass,
      ),
      name,
    );
  return {
    train: part(split.train, 'penguins/train'),
    validation: part(split.validation, 'penguins/validation'),
    test: part(split.test, 'penguins/test'),
    features: PENGUIN_FEATURES,
    classes: { species: PENGUIN_SPECIES, sex: PENGUIN_SEXES },
    featureScaling: {
      bill_length_mm: scaling[0]!,
      bill_depth_mm: scaling[1]!,
      flipper_length_mm: scaling[2]!,
    },
    bodyMass: mass,
    rows: split,
  };
}
