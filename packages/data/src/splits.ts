/**
 * Seeded train/validation/test splits and (stratified) k-fold index sets. Both return plain row indices, so
 * they work with any source that can take a subset ({@link ArraySource.subset}) and with eval's
 * cross-validation, which takes folds as input.
 */
import { MultitaskError, Rng } from '@multitask/core';

/** Options of {@link splitRows}. */
export interface SplitOptions {
  /** Number of rows to split. */
  readonly size: number;
  /** Fraction of rows for the test set, in `[0, 1)` (default 0.2). */
  readonly test?: number;
  /** Fraction of rows for the validation set, in `[0, 1)` (default 0). */
  readonly validation?: number;
  /** Seed of the shuffle; equal seeds give equal splits. */
  readonly seed: number;
  /**
   * Optional label per row: the split is then made within each label (stratified), so every part keeps the
   * label proportions. `NaN` (or a mask of 0 via {@link SplitOptions.labelled}) forms its own group.
   */
  readonly stratify?: ArrayLike<number>;
  /** Optional 1/0 per row marking which `stratify` labels are real (e.g. a task's mask). */
  readonly labelled?: ArrayLike<number>;
}

/** Row indices of a train/validation/test split (each sorted ascending). */
export interface Split {
  /** Training rows. */
  readonly train: number[];
  /** Validation rows (empty when no validation fraction was asked for). */
  readonly validation: number[];
  /** Test rows. */
  readonly test: number[];
}

/** One fold of a k-fold split (each sorted ascending). */
export interface Fold {
  /** Rows to train on. */
  readonly train: number[];
  /** Held-out rows of this fold. */
  readonly validation: number[];
}

/** Options of {@link kFold}. */
export interface KFoldOptions {
  /** Number of rows. */
  readonly size: number;
  /** Number of folds (≥ 2, ≤ size). */
  readonly k: number;
  /** Seed of the shuffle. */
  readonly seed: number;
  /** Optional label per row for stratified folds (see {@link SplitOptions.stratify}). */
  readonly stratify?: ArrayLike<number>;
  /** Optional 1/0 per row marking which `stratify` labels are real. */
  readonly labelled?: ArrayLike<number>;
}

function option(message: string, name: string): MultitaskError {
  return new MultitaskError('INVALID_OPTION', `[@multitask/data] ${message}`, { details: { option: name } });
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 0) throw option(`size must be an integer ≥ 0, got ${size}.`, 'size');
}

/** Shuffled row groups: one group per stratum (in order of first appearance), or one group of all rows. */
function strata(
  size: number,
  rng: Rng,
  stratify?: ArrayLike<number>,
  labelled?: ArrayLike<number>,
): number[][] {
  if (stratify === undefined) return [rng.permutation(size)];
  if (stratify.length !== size) {
    throw option(`stratify has ${stratify.length} labels but size is ${size}.`, 'stratify');
  }
  if (labelled !== undefined && labelled.length !== size) {
    throw option(`labelled has ${labelled.length} values but size is ${size}.`, 'labelled');
  }
  const groups = new Map<string, number[]>();
  for (let i = 0; i < size; i++) {
    const v = stratify[i]!;
    const key = Number.isNaN(v) || (labelled !== undefined && !labelled[i]) ? 'missing' : String(v);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  return [...groups.values()].map((g) => rng.shuffle(g));
}

const ascending = (a: number, b: number): number => a - b;

/**
 * Splits `size` rows into train/validation/test index sets, seeded and optionally stratified. In each stratum
 * the test part takes `round(test · n)` rows and the validation part `round(validation · n)`.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { loadPenguins, splitRows } from '@multitask/data';
 *
 * const src = loadPenguins({ seed: 1, test: 0 }).train;
 * const { train, test } = splitRows({ size: src.size, test: 0.2, seed: 1 });
 * const trainSrc = src.subset(train);
 * console.log(trainSrc.size, test.length);
 * ```
 */
export function splitRows(options: SplitOptions): Split {
  const { size, seed } = options;
  const test = options.test ?? 0.2;
  const validation = options.validation ?? 0;
  checkSize(size);
  if (!(test >= 0 && validation >= 0 && test + validation < 1)) {
    throw option(`test (${test}) and validation (${validation}) must be ≥ 0 with a sum below 1.`, 'test');
  }
  const rng = new Rng(seed);
  const out: Split = { train: [], validation: [], test: [] };
  for (const group of strata(size, rng, options.stratify, options.labelled)) {
    const nTest = Math.round(test * group.length);
    const nVal = Math.round(validation * group.length);
    out.test.push(...group.slice(0, nTest));
    out.validation.push(...group.slice(nTest, nTest + nVal));
    out.train.push(...group.slice(nTest + nVal));
  }
  out.train.sort(ascending);
  out.validation.sort(ascending);
  out.test.sort(ascending);
  return out;
}

/**
 * Seeded (optionally stratified) k-fold cross-validation index sets: every row is held out in exactly one
 * fold; with `stratify`, each label's rows are dealt round-robin over the folds so fold label counts differ by
 * at most one.
 *
 * @example
 * ```ts
 * import { kFold } from '@multitask/data';
 *
 * const labels = Array.from({ length: 100 }, (_, i) => i % 3); // class of each row: folds keep the class shares
 * const folds = kFold({ size: 100, k: 5, seed: 3, stratify: labels });
 * for (const { train, validation } of folds) console.log(train.length, validation.length); // 80 20
 * ```
 */
export function kFold(options: KFoldOptions): Fold[] {
  const { size, k, seed } = options;
  checkSize(size);
  if (!Number.isInteger(k) || k < 2 || k > size)
    throw option(`k must be an integer in [2, size=${size}], got ${k}.`, 'k');
  const rng = new Rng(seed);
  const foldOf = new Int32Array(size);
  let next = 0;
  for (const group of strata(size, rng, options.stratify, options.labelled)) {
    for (const row of group) {
      foldOf[row] = next;
      next = (next + 1) % k;
    }
  }
  const folds: Fold[] = Array.from({ length: k }, () => ({ train: [], validation: [] }));
  for (let row = 0; row < size; row++) {
    const f = foldOf[row]!;
    folds.forEach((fold, j) => (j === f ? fold.validation : fold.train).push(row));
  }
  return folds;
}
