/**
 * Token vocabularies with a frequency cut-off: id 0 is padding, id 1 the unknown token, then the kept tokens by
 * falling frequency (ties in order of first appearance).
 */
import { MultitaskError } from '@multitask/core';

/** The id of padding positions in every {@link Vocabulary}. */
export const PAD_ID = 0;
/** The id of tokens not in a {@link Vocabulary}. */
export const UNKNOWN_ID = 1;

/** A fitted vocabulary. */
export interface Vocabulary {
  /** Number of ids, padding and unknown included. */
  readonly size: number;
  /** The kept tokens; `tokens[i]` has id `i + 2`. */
  readonly tokens: readonly string[];
  /** The id of a token: its own id, or {@link UNKNOWN_ID}. */
  id(token: string): number;
  /** The token of an id (`'<pad>'` for 0, `'<unk>'` for 1). */
  token(id: number): string;
}

/** Options of {@link buildVocabulary}. */
export interface VocabularyOptions {
  /** Keep tokens seen at least this often (default 1). */
  readonly minCount?: number;
  /** Keep at most this many tokens, the most frequent (default: no limit). */
  readonly maxSize?: number;
}

/**
 * Counts tokens and keeps those seen at least `minCount` times (at most `maxSize` of them). Tokens are compared
 * as given: normalise them (e.g. lower-case) before counting and looking up.
 *
 * @example
 * ```ts
 * import { buildVocabulary } from '@multitask/data';
 *
 * const vocab = buildVocabulary(['a', 'b', 'a'], { minCount: 2 });
 * console.log(vocab.id('a'), vocab.id('b')); // 2 1 (b is seen once: unknown)
 * ```
 */
export function buildVocabulary(tokens: Iterable<string>, options: VocabularyOptions = {}): Vocabulary {
  const minCount = options.minCount ?? 1;
  if (!Number.isInteger(minCount) || minCount < 1) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/data] vocabulary: minCount must be an integer ≥ 1, got ${minCount}.`,
      {
        details: { option: 'minCount' },
      },
    );
  }
  const maxSize = options.maxSize;
  if (maxSize !== undefined && (!Number.isInteger(maxSize) || maxSize < 0)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/data] vocabulary: maxSize must be an integer ≥ 0, got ${maxSize}.`,
      {
        details: { option: 'maxSize' },
      },
    );
  }
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const order = new Map([...counts.keys()].map((t, i) => [t, i]));
  let kept = [...counts].filter(([, c]) => c >= minCount);
  kept.sort((a, b) => b[1] - a[1] || order.get(a[0])! - order.get(b[0])!);
  if (maxSize !== undefined) kept = kept.slice(0, maxSize);
  return vocabularyFrom(kept.map(([t]) => t));
}

/**
 * A vocabulary with exactly these tokens (ids 2, 3, … in order), e.g. one saved with a model. Duplicates throw
 * `INVALID_DATA`.
 */
export function vocabularyFrom(tokens: readonly string[]): Vocabulary {
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (ids.has(t)) {
      throw new MultitaskError(
        'INVALID_DATA',
        `[@multitask/data] vocabulary: token "${t}" appears twice (positions ${ids.get(t)! - 2} and ${i}).`,
        {
          details: { token: t },
        },
      );
    }
    ids.set(t, i + 2);
  });
  const list = Object.freeze([...tokens]);
  return {
    size: list.length + 2,
    tokens: list,
    id: (token) => ids.get(token) ?? UNKNOWN_ID,
    token: (id) => (id === PAD_ID ? '<pad>' : id === UNKNOWN_ID ? '<unk>' : (list[id - 2] ?? '<unk>')),
  };
}
