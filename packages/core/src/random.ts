/**
 * Seeded randomness. Everything random in multitask (initial weights, dropout masks, shuffling, sampling)
 * draws from an {@link Rng} created from one seed, so a run is reproducible on a given backend. Nothing here
 * touches `Math.random`.
 */
import { MultitaskError } from './errors.ts';

/** Serializable state of an {@link Rng}: four 32-bit words. */
export type RngState = readonly [number, number, number, number];

/** The largest seed handed to tfjs random ops (tfjs treats 0 as "no seed", so seeds are ≥ 1). */
export const MAX_OP_SEED = 0x7fffffff;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A small, fast, seeded pseudo-random generator (xoshiro128**). Its state round-trips through
 * {@link Rng.state} and {@link Rng.fromState} for checkpoints.
 */
export class Rng {
  #s: [number, number, number, number];

  /**
   * @param seed - an integer with |seed| ≤ 2⁵³−1 (`Number.MAX_SAFE_INTEGER`; a fraction is rounded down): equal
   *   seeds give equal streams, different seeds different ones. Larger numbers are refused with `INVALID_OPTION`:
   *   JavaScript cannot tell them from their neighbours, so they would silently fold into one run.
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/core] seed must be a finite number, got ${seed}.`,
        {
          details: { option: 'seed' },
        },
      );
    }
    if (Math.abs(seed) > Number.MAX_SAFE_INTEGER) {
      throw new MultitaskError(
        'INVALID_OPTION',
        `[@multitask/core] seed must be at most ${Number.MAX_SAFE_INTEGER} (2^53 − 1) in magnitude, got ${seed}: larger numbers are not exact in JavaScript, so different seeds would give the same run.`,
        { details: { option: 'seed' } },
      );
    }
    const whole = Math.floor(seed);
    const hi = Math.floor(whole / 0x100000000);
    const lo = whole - hi * 0x100000000;
    if (hi === 0) {
      this.#s = Rng.#mix(lo);
    } else {
      // Both 32-bit halves drawn separately, so that no two safe integers share a stream.
      const a = splitmix32(lo);
      const b = splitmix32((hi ^ 0x5bd1e995) >>> 0);
      this.#s = [a() ^ b(), a() ^ b(), a() ^ b(), a() ^ b()].map((x) => x >>> 0) as [
        number,
        number,
        number,
        number,
      ];
      if (this.#s.every((x) => x === 0)) this.#s[0] = 1;
    }
  }

  /** The state of a generator seeded with the 32-bit word `word` (the historical seeding, kept for forks). */
  static #mix(word: number): [number, number, number, number] {
    const next = splitmix32(word);
    const s: [number, number, number, number] = [next(), next(), next(), next()];
    if (s.every((x) => x === 0)) s[0] = 1;
    return s;
  }

  /** Rebuilds a generator from a saved {@link RngState}. */
  static fromState(state: RngState): Rng {
    const r = new Rng(1);
    r.#s = [state[0] >>> 0, state[1] >>> 0, state[2] >>> 0, state[3] >>> 0];
    return r;
  }

  /** The current state, for checkpoints. */
  state(): RngState {
    return [...this.#s];
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1))
      throw new MultitaskError('INVALID_OPTION', `[@multitask/core] Rng.int needs n ≥ 1, got ${n}.`);
    return Math.floor(this.next() * n);
  }

  /** A standard normal sample (Box–Muller). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** A seed for a tfjs random op or initializer: an integer in [1, 2³¹−1] (never 0, which tfjs ignores). */
  opSeed(): number {
    return 1 + (this.nextUint32() % (MAX_OP_SEED - 1));
  }

  /** A new independent generator seeded from this one. */
  fork(): Rng {
    // As generators were always forked: the 64 drawn bits rounded to a double, the halves XOR-ed into one word.
    const wide = this.nextUint32() * 0x100000000 + this.nextUint32();
    const r = new Rng(1);
    r.#s = Rng.#mix((Math.floor(wide) ^ Math.floor(wide / 0x100000000)) >>> 0);
    return r;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0…n−1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A replayable stream of op seeds for one forward pass. Two streams made from the same seed hand out the same
 * sequence, so every forward pass of one step sees the same dropout masks.
 */
export interface SeedStream {
  /** The next op seed (≥ 1). */
  next(): number;
}

/** Creates a {@link SeedStream} that replays the same sequence for the same `seed`. */
export function seedStream(seed: number): SeedStream {
  const rng = new Rng(seed);
  return { next: () => rng.opSeed() };
}
