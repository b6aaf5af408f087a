/**
 * MultiMNIST-style data sets (Sener & Koltun 2018): two 28×28 images overlaid on a 36×36 canvas, one at the
 * top-left and one at the bottom-right; tasks `left` and `right` classify them. Composites are rendered
 * lazily, per batch, from the source images, so building a 60k set costs one permutation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MultitaskError, Rng, type BatchRequest, type StepBatch } from '@multitask/core';
import type { ArraySource } from '../array-source.ts';
import { epochBatches } from '../epoch.ts';

/** A set of grey-scale images with class labels (e.g. MNIST): `count × height × width` bytes. */
export interface ImageSet {
  /** Pixels, 0–255, row-major `count × height × width`. */
  readonly images: Uint8Array;
  /** One class label per image. */
  readonly labels: ArrayLike<number>;
  /** Image height (28 for MNIST). */
  readonly height: number;
  /** Image width (28 for MNIST). */
  readonly width: number;
  /** Name used in error messages. */
  readonly name?: string;
}

/** How two images are combined where they overlap. */
export type OverlapMode = 'max' | 'sum';

/** Options of {@link multiDigitSource}. */
export interface MultiDigitOptions {
  /** Images of the top-left position (task `left`); also the row count of the set. */
  readonly left: ImageSet;
  /** Images of the bottom-right position (task `right`; default: the same set as `left`). */
  readonly right?: ImageSet;
  /** Seed of the pairing and of the shifts (default 1); equal seeds give equal sets. */
  readonly seed?: number;
  /** Overlap: `'max'` (default) takes the brighter pixel, `'sum'` adds and clips to 1. */
  readonly overlap?: OverlapMode;
  /**
   * Largest random shift in pixels (default 0 = exact corners). The left image is moved down/right by
   * 0…maxShift pixels per axis and the right one up/left by 0…maxShift, i.e. both towards the centre.
   */
  readonly maxShift?: number;
  /** Output side: 36 (default, the canvas) or any other size, reached by bilinear resizing (e.g. 28). */
  readonly size?: number;
  /** Name used in error messages. */
  readonly name?: string;
}

/** One rendered composite. */
export interface MultiDigitExample {
  /** Pixels in [0, 1], `size × size`, row-major. */
  readonly image: Float32Array;
  /** Label of the top-left image. */
  readonly left: number;
  /** Label of the bottom-right image. */
  readonly right: number;
  /** Index of the top-left image in `left`. */
  readonly leftIndex: number;
  /** Index of the bottom-right image in `right`. */
  readonly rightIndex: number;
}

/** A lazily rendered two-image data set. */
export interface MultiDigitSource extends Omit<ArraySource, 'subset' | 'table'> {
  /** Side of the square output images. */
  readonly imageSize: number;
  /** Labels of task `left` per row. */
  readonly leftLabels: Int32Array;
  /** Labels of task `right` per row. */
  readonly rightLabels: Int32Array;
  /** Renders row `i` (the same pixels as in a batch). */
  example(i: number): MultiDigitExample;
  /** A new source with the given rows, in that order. */
  subset(rows: readonly number[], name?: string): MultiDigitSource;
}

const CANVAS = 36;

/** Pixel byte → [0, 1]. */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

function maxOf(values: Int32Array): number {
  let m = 0;
  for (const v of values) if (v > m) m = v;
  return m;
}

interface Plan {
  readonly leftIndex: Int32Array;
  readonly rightIndex: Int32Array;
  /** Per row: left dy, left dx, right dy, right dx (canvas offsets). */
  readonly offsets: Uint8Array;
}

function option(message: string, name: string): MultitaskError {
  return new MultitaskError('INVALID_OPTION', `[@multitask/data] ${message}`, { details: { option: name } });
}

function checkSet(set: ImageSet, role: string): number {
  const count = set.labels.length;
  if (set.height > 28 || set.width > 28 || set.height < 1 || set.width < 1) {
    throw option(
      `${role} images are ${set.height}×${set.width}; the 36×36 canvas takes images up to 28×28.`,
      role,
    );
  }
  if (set.images.length !== count * set.height * set.width) {
    throw new MultitaskError(
      'INVALID_DATA',
      `[@multitask/data] ${role} set "${set.name ?? role}" has ${set.images.length} pixels for ${count} labels of ${set.height}×${set.width}.`,
      { details: { source: set.name ?? role } },
    );
  }
  if (count === 0)
    throw new MultitaskError('NO_DATA', `[@multitask/data] ${role} set "${set.name ?? role}" is empty.`);
  return count;
}

/** Bilinear resampling table (half-pixel centres) from `from` to `to` samples along one axis. */
function resampler(from: number, to: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(to);
  const i1 = new Int32Array(to);
  const w = new Float32Array(to);
  const scale = from / to;
  for (let o = 0; o < to; o++) {
    const src = Math.min(from - 1, Math.max(0, (o + 0.5) * scale - 0.5));
    i0[o] = Math.floor(src);
    i1[o] = Math.min(from - 1, i0[o]! + 1);
    w[o] = src - i0[o]!;
  }
  return { i0, i1, w };
}

/**
 * A MultiMNIST-style set: row `i` overlays image `i` of `left` at the top-left of a 36×36 canvas and image
 * `π(i)` of `right` at the bottom-right, `π` a seeded permutation (so each task's label counts equal those of
 * its image set when both sets have the same size). Inputs are float32 `[B, size, size, 1]` in [0, 1]; tasks
 * `left` and `right` are int32 class labels. Rendering happens per batch (about 0.1 ms per image).
 *
 * @example
 * ```ts
 * import { multiDigitSource, type ImageSet } from '@multitask/data';
 *
 * // two tiny 28×28 image sets (blank images; real ones come from loadMnist / loadFashionMnist)
 * const digits: ImageSet = { images: new Uint8Array(3 * 28 * 28), labels: [3, 7, 1], height: 28, width: 28 };
 * const clothes: ImageSet = { images: new Uint8Array(3 * 28 * 28), labels: [9, 0, 5], height: 28, width: 28 };
 * const train = multiDigitSource({ left: digits, seed: 1 }); // MultiMNIST, 36×36
 * const fm = multiDigitSource({ left: digits, right: clothes, size: 28 }); // MultiFashion+MNIST
 * console.log(train.imageSize, train.leftLabels, train.rightLabels); // 36 [3, 7, 1] [3, 1, 7]
 * console.log(fm.imageSize, fm.example(0).left, fm.example(0).right); // 28 3 9
 * ```
 */
export function multiDigitSource(options: MultiDigitOptions): MultiDigitSource {
  const left = options.left;
  const right = options.right ?? left;
  const nLeft = checkSet(left, 'left');
  const nRight = checkSet(right, 'right');
  const maxShift = options.maxShift ?? 0;
  const size = options.size ?? CANVAS;
  const overlap = options.overlap ?? 'max';
  const seed = options.seed ?? 1;
  if (!Number.isInteger(maxShift) || maxShift < 0 || maxShift > 8)
    throw option(`maxShift must be an integer in [0, 8], got ${maxShift}.`, 'maxShift');
  if (!Number.isInteger(size) || size < 1)
    throw option(`size must be a positive integer, got ${size}.`, 'size');
  if ((overlap as string) !== 'max' && (overlap as string) !== 'sum')
    throw option(`overlap must be 'max' or 'sum', got ${overlap as string}.`, 'overlap');
  const rng = new Rng(seed);
  const perm = rng.permutation(nRight);
  const leftIndex = Int32Array.from({ length: nLeft }, (_, i) => i);
  const rightIndex = Int32Array.from({ length: nLeft }, (_, i) => perm[i % nRight]!);
  const offsets = new Uint8Array(nLeft * 4);
  const dl = CANVAS - left.height; // room for the left image to the bottom-right corner
  const dr = CANVAS - right.height;
  const drx = CANVAS - right.width;
  for (let i = 0; i < nLeft; i++) {
    const s =
      maxShift === 0
        ? [0, 0, 0, 0]
        : [rng.int(maxShift + 1), rng.int(maxShift + 1), rng.int(maxShift + 1), rng.int(maxShift + 1)];
    offsets[i * 4] = Math.min(dl, s[0]!);
    offsets[i * 4 + 1] = Math.min(CANVAS - left.width, s[1]!);
    offsets[i * 4 + 2] = Math.max(0, dr - s[2]!);
    offsets[i * 4 + 3] = Math.max(0, drx - s[3]!);
  }
  return fromPlan(
    { leftIndex, rightIndex, offsets },
    left,
    right,
    size,
    overlap,
    options.name ?? 'multiDigit',
  );
}

function fromPlan(
  plan: Plan,
  left: ImageSet,
  right: ImageSet,
  size: number,
  overlap: OverlapMode,
  name: string,
): MultiDigitSource {
  const n = plan.leftIndex.length;
  const leftLabels = Int32Array.from(plan.leftIndex, (j) => left.labels[j]!);
  const rightLabels = Int32Array.from(plan.rightIndex, (j) => right.labels[j]!);
  const rs = size === CANVAS ? undefined : resampler(CANVAS, size);
  const canvas = new Float32Array(CANVAS * CANVAS);
  const pixels = size * size;

  const paste = (set: ImageSet, index: number, dy: number, dx: number): void => {
    const { height: h, width: w } = set;
    const base = index * h * w;
    for (let y = 0; y < h; y++) {
      const row = (y + dy) * CANVAS + dx;
      const src = base + y * w;
      for (let x = 0; x < w; x++) {
        const v = UNIT[set.images[src + x]!]!;
        const c = canvas[row + x]!;
        canvas[row + x] = overlap === 'max' ? (v > c ? v : c) : Math.min(1, c + v);
      }
    }
  };

  /** Renders row `i` into `out` at `offset`. */
  const render = (i: number, out: Float32Array, offset: number): void => {
    canvas.fill(0);
    const o = plan.offsets;
    paste(left, plan.leftIndex[i]!, o[i * 4]!, o[i * 4 + 1]!);
    paste(right, plan.rightIndex[i]!, o[i * 4 + 2]!, o[i * 4 + 3]!);
    if (!rs) {
      out.set(canvas, offset);
      return;
    }
    for (let y = 0; y < size; y++) {
      const y0 = rs.i0[y]! * CANVAS;
      const y1 = rs.i1[y]! * CANVAS;
      const wy = rs.w[y]!;
      for (let x = 0; x < size; x++) {
        const x0 = rs.i0[x]!;
        const x1 = rs.i1[x]!;
        const wx = rs.w[x]!;
        const top = canvas[y0 + x0]! * (1 - wx) + canvas[y0 + x1]! * wx;
        const bottom = canvas[y1 + x0]! * (1 - wx) + canvas[y1 + x1]! * wx;
        out[offset + y * size + x] = top * (1 - wy) + bottom * wy;
      }
    }
  };

  const tasks = ['left', 'right'];
  const taskInfo = {
    left: { kind: 'class' as const, numClasses: maxOf(leftLabels) + 1, dim: 1, labelled: n },
    right: { kind: 'class' as const, numClasses: maxOf(rightLabels) + 1, dim: 1, labelled: n },
  };
  return {
    name,
    size: n,
    tasks,
    taskInfo,
    imageSize: size,
    leftLabels,
    rightLabels,
    example(i: number): MultiDigitExample {
      if (!Number.isInteger(i) || i < 0 || i >= n)
        throw option(`row ${i} is outside "${name}" of ${n} rows.`, 'row');
      const image = new Float32Array(pixels);
      render(i, image, 0);
      return {
        image,
        left: leftLabels[i]!,
        right: rightLabels[i]!,
        leftIndex: plan.leftIndex[i]!,
        rightIndex: plan.rightIndex[i]!,
      };
    },
    subset(rows: readonly number[], subsetName?: string): MultiDigitSource {
      for (const r of rows)
        if (!Number.isInteger(r) || r < 0 || r >= n)
          throw option(`row ${r} is outside "${name}" of ${n} rows.`, 'rows');
      const pick = <T extends Int32Array | Uint8Array>(a: T, width: number, make: (len: number) => T): T => {
        const out = make(rows.length * width);
        rows.forEach((r, k) => {
          for (let j = 0; j < width; j++) out[k * width + j] = a[r * width + j]!;
        });
        return out;
      };
      const sub: Plan = {
        leftIndex: pick(plan.leftIndex, 1, (l) => new Int32Array(l)),
        rightIndex: pick(plan.rightIndex, 1, (l) => new Int32Array(l)),
        offsets: pick(plan.offsets, 4, (l) => new Uint8Array(l)),
      };
      return fromPlan(sub, left, right, size, overlap, subsetName ?? `${name}[subset]`);
    },
    batches(request: BatchRequest): AsyncIterable<StepBatch> {
      const plan = epochBatches(n, request, name);
      return (async function* (): AsyncGenerator<StepBatch> {
        for (const rows of plan) {
          const b = rows.length;
          const x = new Float32Array(b * pixels);
          const yl = new Int32Array(b);
          const yr = new Int32Array(b);
          rows.forEach((r, k) => {
            render(r, x, k * pixels);
            yl[k] = leftLabels[r]!;
            yr[k] = rightLabels[r]!;
          });
          yield {
            inputs: tf.tensor4d(x, [b, size, size, 1], 'float32'),
            targets: { left: tf.tensor1d(yl, 'int32'), right: tf.tensor1d(yr, 'int32') },
            masks: { left: tf.ones([b], 'float32'), right: tf.ones([b], 'float32') },
          };
          await Promise.resolve();
        }
      })();
    },
  };
}
