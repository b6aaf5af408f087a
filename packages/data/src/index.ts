/**
 * Multi-task data for multitask: in-memory sources with missing labels, ready data sets (penguins), seeded
 * splits and k-fold index sets. Everything here runs in a browser; file-system loaders live in
 * `@multitask/data/node`.
 *
 * Guides: [Getting started](../../../docs/guides/getting-started.md) ·
 * [How the trainer computes a step](../../../docs/guides/training.md) ·
 * [Backbones, sharing schemes and heads](../../../docs/guides/backbones-and-heads.md).
 * @module @multitask/data
 * @packageDocumentation
 */
export { arraySource, tableSource } from './array-source.ts';
export type {
  ArrayInput,
  ArraySource,
  ArraySourceOptions,
  ClassTargetSpec,
  MaybeNumber,
  RegressionTargetSpec,
  ShapedArray,
  TargetSpec,
  TaskInfo,
} from './array-source.ts';
export { selectRows, tableBatch, rowSizeOf } from './data-table.ts';
export type { DataTable, InputColumn, TargetColumn, TargetKind } from './data-table.ts';
export { epochBatches } from './epoch.ts';
export { splitRows, kFold } from './splits.ts';
export { taskSchedule } from './task-schedule.ts';
export type { TaskSchedule, TaskScheduleSpec, TemperatureSchedule } from './task-schedule.ts';
export { perTaskSource } from './per-task-source.ts';
export type { PerTaskSourceOptions } from './per-task-source.ts';
export { prefetch, prefetchIterable } from './prefetch.ts';
export { parseIdx } from './idx.ts';
export { csvRecords, readCsv } from './csv.ts';
export type { CsvOptions, CsvRecord, TextInput } from './csv.ts';
export { readJsonl } from './jsonl.ts';
export type { JsonlOptions } from './jsonl.ts';
export { cellError, fitEncoder, rawTableBuilder } from './tabular.ts';
export type {
  ColumnScaling,
  ColumnSpec,
  EncoderState,
  RawTable,
  RawTableBuilder,
  TableEncoder,
  TableSchema,
} from './tabular.ts';
export { CENSUS_INCOME_COLUMNS, censusIncomeSchema } from './datasets/census-income.ts';
export type { IdxArray, IdxDtype } from './idx.ts';
export { multiDigitSource } from './datasets/multi-digit.ts';
export type {
  ImageSet,
  MultiDigitExample,
  MultiDigitOptions,
  MultiDigitSource,
  OverlapMode,
} from './datasets/multi-digit.ts';
export type { Fold, KFoldOptions, Split, SplitOptions } from './splits.ts';
export {
  loadPenguins,
  PENGUIN_FEATURES,
  PENGUIN_ISLANDS,
  PENGUIN_SEXES,
  PENGUIN_SPECIES,
} from './datasets/penguins.ts';
export type { PenguinClasses, PenguinsData, PenguinsOptions, Standardisation } from './datasets/penguins.ts';
export {
  BROWN_GENRES,
  UNIVERSAL_TAGS,
  parseBrownCategories,
  parseBrownFile,
  toUniversal,
  universalTag,
} from './text/brown.ts';
export type { BrownDocument, TaggedSentence } from './text/brown.ts';
export { brownProblem, mostFrequentTagBaseline } from './text/brown-problem.ts';
export type {
  BrownBaselines,
  BrownProblem,
  BrownProblemOptions,
  TokenFeature,
} from './text/brown-problem.ts';
export { splitDocuments } from './text/document-split.ts';
export type { DocumentSplit, DocumentSplitOptions } from './text/document-split.ts';
export { sequenceSource } from './text/sequence-source.ts';
export type { SequenceSource, SequenceSourceOptions, SequenceTable } from './text/sequence-source.ts';
export { buildVocabulary, vocabularyFrom, PAD_ID, UNKNOWN_ID } from './text/vocabulary.ts';
export type { Vocabulary, VocabularyOptions } from './text/vocabulary.ts';
export { normaliseWord, wordShape, wordSuffix, WORD_SHAPES } from './text/word-features.ts';
