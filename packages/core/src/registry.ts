import { MultitaskError } from './errors.ts';

/** An immutable, explicitly built map from names to implementations (factories). */
export interface Registry<T> {
  /** What the registry holds, e.g. `"weighting strategy"` (used in error messages). */
  readonly kind: string;
  /** The registered names, sorted. */
  readonly names: readonly string[];
  /** True when `name` is registered. */
  has(name: string): boolean;
  /** The entry for `name`; throws `UNKNOWN_NAME` listing the known names when absent. */
  get(name: string): T;
}

/**
 * Builds a {@link Registry}. Nothing registers itself on import: the application lists what it uses.
 *
 * @example
 * ```ts
 * import { createRegistry } from '@multitask/core';
 * import { mgdaWeighting, staticWeighting } from '@multitask/weighting';
 *
 * const weightings = createRegistry('weighting strategy', { static: staticWeighting, mgda: mgdaWeighting });
 * const config = { strategy: 'mgda' }; // e.g. read from a JSON file
 * const strategy = weightings.get(config.strategy)(); // an unknown name throws UNKNOWN_NAME listing the known ones
 * console.log(strategy.name, weightings.names);
 * ```
 */
export function createRegistry<T>(kind: string, entries: Readonly<Record<string, T>>): Registry<T> {
  const map = new Map(Object.entries(entries));
  const names = [...map.keys()].sort();
  return {
    kind,
    names,
    has: (name) => map.has(name),
    get(name) {
      const v = map.get(name);
      if (v === undefined) {
        throw new MultitaskError(
          'UNKNOWN_NAME',
          `[@multitask/core] Unknown ${kind} "${name}". Known: ${names.join(', ')}.`,
          { details: { name, kind } },
        );
      }
      return v;
    },
  };
}
