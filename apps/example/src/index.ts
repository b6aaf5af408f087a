/**
 * The multitask example application: config parsing, the experiment runner and the strategy comparison behind the `multitask` CLI.
 * @packageDocumentation
 */
export { loadConfig, parseConfig } from './config.ts';
export type { ExperimentConfig, PartSpec, TaskSpec } from './config.ts';
export { runExperiment } from './experiment.ts';
export type { ExperimentResult, RunHooks } from './experiment.ts';
export { formatResult } from './format.ts';
export {
  loadSeries,
  MAX_SEEDS,
  parseSeeds,
  reportMetrics,
  runComparison,
  runSeries,
  SERIES_FILE,
} from './compare.ts';
export type { CompareOptions, SeriesOptions } from './compare.ts';
export {
  seriesCharts,
  seriesHtml,
  seriesJson,
  seriesMarkdown,
  spreadOf,
  summarizeSeries,
  writeSeriesReport,
} from './report-series.ts';
export type { SeriesReport, SeriesStrategySummary, SeriesSummary, Spread } from './report-series.ts';
export { onlyTasks } from './task-subset.ts';
export { main } from './main.ts';
export type { CliIo } from './main.ts';
export { EXPORT_FORMAT, exportData, exportDataCommand, readNpy } from './export-data.ts';
export type {
  ExportArray,
  ExportDataOptions,
  ExportDtype,
  ExportManifest,
  ExportSplit,
  NpyArray,
} from './export-data.ts';
export { formatDuration, progressReporter } from './progress.ts';
export type { ProgressOptions, ProgressReporter } from './progress.ts';
