/**
 * File-system loaders of @multitask/data (Node only): IDX files, MNIST / Fashion-MNIST and the two-image sets
 * built from them.
 * @module @multitask/data/node
 * @packageDocumentation
 */
export { readIdxFile } from './idx-file.ts';
export {
  FASHION_MNIST_DIR,
  loadFashionMnist,
  loadMnist,
  loadMultiFashion,
  loadMultiFashionMnist,
  loadMultiMnist,
  mnistDataDir,
} from './image-sets.ts';
export type { ImageSplit, MultiImageLoadOptions } from './image-sets.ts';
export { loadCensusIncome, readCsvFile, readJsonlFile } from './text-files.ts';
export type { CensusIncomeData, CensusIncomeOptions } from './text-files.ts';
export { loadBrownCorpus } from './brown-files.ts';
export type { BrownCorpusOptions } from './brown-files.ts';
