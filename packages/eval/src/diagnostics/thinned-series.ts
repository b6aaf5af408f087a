/**
 * A bounded, evenly thinned time series (internal): keeps every point until `max` is exceeded, then drops every
 * second point and from then on keeps only every `stride`-th new point, so a long run keeps ≤ `max` evenly
 * spaced points at O(1) amortised cost per point.
 */
export interface ThinnedSeries<T> {
  /** Offers a point (kept or skipped according to the current stride). */
  push(point: T): void;
  /** The kept points, oldest first. */
  readonly points: readonly T[];
  /** Forgets every point. */
  clear(): void;
}

/** Creates a {@link ThinnedSeries} that holds at most `max` points. */
export function thinnedSeries<T>(max: number): ThinnedSeries<T> {
  let points: T[] = [];
  let stride = 1;
  let offered = 0;
  return {
    push(point: T): void {
      if (offered++ % stride !== 0) return;
      points.push(point);
      if (points.length > max) {
        points = points.filter((_, i) => i % 2 === 0);
        stride *= 2;
      }
    },
    get points(): readonly T[] {
      return points;
    },
    clear(): void {
      points = [];
      stride = 1;
      offered = 0;
    },
  };
}
