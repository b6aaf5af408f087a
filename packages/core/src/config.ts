/** Plain-JSON configuration of parts and strategies. */

/** A JSON value, for configs and strategy state. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Plain-JSON description of a part (backbone, head, strategy) from which its factory can rebuild it. */
export interface PartConfig {
  /** Registry key of the factory that built the part, e.g. `"mlp"`. */
  readonly type: string;
  /** The factory's options, as plain JSON. */
  readonly options: { readonly [key: string]: JsonValue };
}
