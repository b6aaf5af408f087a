/**
 * Document-level splits: every document (file) goes to exactly one side, so no text is in both train and test.
 */
import { MultitaskError } from '@multitask/core';
import { splitRows } from '../splits.ts';

/** Options of {@link splitDocuments}. */
export interface DocumentSplitOptions {
  /** Fraction of documents held out for testing, in `[0, 1)` (default 0.2). */
  readonly test?: number;
  /** Fraction of documents for validation, in `[0, 1)` (default 0). */
  readonly validation?: number;
  /** Seed of the split. */
  readonly seed: number;
  /** Split within each group (e.g. genre), so every group keeps its share on each side (default true). */
  readonly stratify?: boolean;
}

/** Document names on each side of a split (sorted). */
export interface DocumentSplit {
  /** Training documents. */
  readonly train: string[];
  /** Validation documents (empty without a validation fraction). */
  readonly validation: string[];
  /** Test documents. */
  readonly test: string[];
}

/**
 * Splits documents, each with a group (e.g. a genre), into train/validation/test by document: a seeded,
 * stratified {@link splitRows} over the documents. Duplicate document names throw `INVALID_DATA`.
 *
 * @example
 * ```ts
 * import { splitDocuments } from '@multitask/data';
 *
 * const docs = [
 *   { file: 'ca01', genre: 'news' },
 *   { file: 'ca02', genre: 'news' },
 *   { file: 'cp01', genre: 'romance' },
 *   { file: 'cp02', genre: 'romance' },
 * ];
 * const split = splitDocuments(docs.map((d) => ({ name: d.file, group: d.genre })), { test: 0.5, seed: 1 });
 * console.log(split.train, split.test); // ['ca02', 'cp02'] ['ca01', 'cp01']
 * ```
 */
export function splitDocuments(
  documents: readonly { readonly name: string; readonly group?: string }[],
  options: DocumentSplitOptions,
): DocumentSplit {
  const seen = new Set<string>();
  for (const d of documents) {
    if (seen.has(d.name)) {
      throw new MultitaskError(
        'INVALID_DATA',
        `[@multitask/data] splitDocuments: document "${d.name}" is listed twice.`,
        {
          details: { document: d.name },
        },
      );
    }
    seen.add(d.name);
  }
  const groups = [...new Set(documents.map((d) => d.group ?? ''))];
  const stratify = options.stratify ?? true;
  const rows = splitRows({
    size: documents.length,
    seed: options.seed,
    ...(options.test !== undefined ? { test: options.test } : {}),
    ...(options.validation !== undefined ? { validation: options.validation } : {}),
    ...(stratify ? { stratify: documents.map((d) => groups.indexOf(d.group ?? '')) } : {}),
  });
  const names = (idx: number[]): string[] => idx.map((i) => documents[i]!.name).sort();
  return { train: names(rows.train), validation: names(rows.validation), test: names(rows.test) };
}
