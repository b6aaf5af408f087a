/**
 * Metrics, Δm%, single-task baselines, cross-validation, gradient-conflict diagnostics and reports for
 * multitask. Node-only file writing lives in `@multitask/eval/node`.
 *
 * Guides: [Getting started](../../../docs/guides/getting-started.md) ·
 * [How the trainer computes a step](../../../docs/guides/training.md) ·
 * [Backbones, sharing schemes and heads](../../../docs/guides/backbones-and-heads.md).
 * @module @multitask/eval
 * @packageDocumentation
 */
export { accuracy } from './metrics/accuracy.ts';
export type { AccuracyOptions } from './metrics/accuracy.ts';
export { topKAccuracy } from './metrics/top-k-accuracy.ts';
export type { TopKAccuracyOptions } from './metrics/top-k-accuracy.ts';
export { precision } from './metrics/precision.ts';
export { recall } from './metrics/recall.ts';
export { f1 } from './metrics/f1.ts';
export type { Averaging, ClassificationMetricOptions } from './metrics/confusion.ts';
export { rocAuc } from './metrics/roc-auc.ts';
export type { RocAucOptions } from './metrics/roc-auc.ts';
export { logLoss } from './metrics/log-loss.ts';
export type { LogLossOptions } from './metrics/log-loss.ts';
export { mse } from './metrics/mse.ts';
export { rmse } from './metrics/rmse.ts';
export { mae } from './metrics/mae.ts';
export { r2 } from './metrics/r2.ts';
export type { RegressionMetricOptions } from './metrics/regression-common.ts';
export type { ScoreKind } from './metrics/read-batch.ts';
export { builtinMetrics } from './metrics/builtins.ts';
export type { BuiltinMetricName } from './metrics/builtins.ts';
export { deltaM, flatDeltaM } from './experiment/delta-m.ts';
export type { DeltaMOptions, DeltaMResult } from './experiment/delta-m.ts';
export { isHigherBetter } from './experiment/metric-values.ts';
export type { MetricDirections, TaskMetrics } from './experiment/metric-values.ts';
export { singleTaskBaselines } from './experiment/single-task-baselines.ts';
export type { SingleTaskBaselinesOptions } from './experiment/single-task-baselines.ts';
export { crossValidate } from './experiment/cross-validate.ts';
export type {
  CrossValidateOptions,
  CrossValidationResult,
  Fold,
  FoldStatistic,
} from './experiment/cross-validate.ts';
export { conflictRecorder } from './diagnostics/conflict-recorder.ts';
export type {
  ConflictRecorder,
  ConflictRecorderOptions,
  ConflictSummary,
  GradientRecord,
  StepRecord,
} from './diagnostics/conflict-recorder.ts';
export { historyRecorder } from './diagnostics/history-recorder.ts';
export type { EpochRecord, HistoryRecorder } from './diagnostics/history-recorder.ts';
export type {
  ExperimentReport,
  ExperimentSummary,
  MetricColumn,
  RunRecord,
  StrategySummary,
} from './report/types.ts';
export { summarizeExperiment } from './report/summarize.ts';
export { markdownTable, reportMarkdown } from './report/markdown.ts';
export { reportJson } from './report/json.ts';
export { reportHtml } from './report/html.ts';
export { htmlChartSection, htmlPage, htmlTable, reportStyle } from './report/html-parts.ts';
export type {
  HtmlChartSectionOptions,
  HtmlPage,
  HtmlTableOptions,
  ReportStyleOptions,
} from './report/html-parts.ts';
export { escapeHtml, formatNumber, formatSigned, toJsonText } from './report/format.ts';
export { epochLossRows, reportCharts, stepWeightRows, validationRows } from './report/charts.ts';
export type { ChartRow, ReportChart } from './report/charts.ts';
export { renderSvg } from './report/render-svg.ts';
export { tokenAccuracy, tokenLevel } from './metrics/token-metrics.ts';
