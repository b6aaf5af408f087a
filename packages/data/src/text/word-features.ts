/**
 * Per-token features for taggers: a normalised word form, suffixes, and a word shape (capitalisation, digits,
 * hyphens) that lets a model guess the tag of a word it has never seen.
 */

/**
 * The normalised form of a word: lower-cased, every digit replaced by `0` (so `1961` and `1962` share one
 * entry).
 *
 * @example
 * ```ts
 * import { normaliseWord } from '@multitask/data';
 *
 * console.log(normaliseWord('Fulton'), normaliseWord('1,119')); // fulton 0,000
 * ```
 */
export function normaliseWord(word: string): string {
  return word.toLowerCase().replace(/[0-9]/g, '0');
}

/** The last `n` characters of the normalised word (the whole word when shorter). */
export function wordSuffix(word: string, n: number): string {
  const w = normaliseWord(word);
  return w.length <= n ? w : w.slice(-n);
}

/** Number of word-shape ids, padding (0) included: ids are 1 … `WORD_SHAPES − 1`. */
export const WORD_SHAPES = 17;

/**
 * The shape id of a word, in `[1, WORD_SHAPES)`: 8 classes — lower case, Capitalised, ALL CAPS (two letters or
 * more), mixed case, a number (digits with `.,/:-`), letters with digits, punctuation only, other — each split
 * by whether the word contains a hyphen. Id 0 is left for padding.
 *
 * @example
 * ```ts
 * import { wordShape } from '@multitask/data';
 *
 * console.log(wordShape('jury') !== wordShape('Jury')); // true
 * ```
 */
export function wordShape(word: string): number {
  let upper = 0;
  let lower = 0;
  let digit = 0;
  for (const ch of word) {
    if (ch >= '0' && ch <= '9') digit++;
    else if (ch.toLowerCase() !== ch) upper++;
    else if (ch.toUpperCase() !== ch) lower++;
  }
  const letters = upper + lower;
  let cls: number;
  if (letters === 0 && digit > 0) cls = /^[0-9.,/:-]+$/.test(word) ? 4 : 7;
  else if (letters === 0) cls = 6;
  else if (digit > 0) cls = 5;
  else if (upper === 0) cls = 0;
  else if (lower === 0) cls = upper >= 2 ? 2 : 1;
  else {
    const first = word[0]!;
    cls = first.toLowerCase() !== first && /^.[^A-Z]*$/u.test(word) ? 1 : 3;
  }
  return 1 + cls * 2 + (word.includes('-') ? 1 : 0);
}
