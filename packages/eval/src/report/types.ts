import type { ConflictSummary, StepRecord } from '../diagnostics/conflict-recorder.ts';
import type { EpochRecord } from '../diagnostics/history-recorder.ts';
import type { TaskMetrics } from '../experiment/metric-values.ts';

/** Everything a report shows about one training run (one weighting strategy). The application fills it. */
export interface RunRecord {
  /** The strategy's name (the row label), e.g. `"equal"` or `"pcgrad"`. */
  readonly strategy: string;
  /** The run's tasks. */
  readonly tasks: readonly string[];
  /** Per-epoch training losses and validation metrics (see {@link historyRecorder}). */
  readonly epochs: readonly EpochRecord[];
  /** Per-step losses and task weights; defaults to `conflicts.stepHistory`. */
  readonly steps?: readonly StepRecord[];
  /** Gradient-conflict summary (see {@link conflictRecorder}). */
  readonly conflicts?: ConflictSummary;
  /** Final metrics `{ task: { metric: value } }` (on the validation or test split). */
  readonly finalMetrics: TaskMetrics;
  /**
   * Standard deviations of the final metrics, e.g. over cross-validation folds or seeds (`crossValidate`'s
   * `summary`); shown as `value ± std` in the tables.
   */
  readonly finalMetricsStd?: TaskMetrics;
  /** Wall-clock seconds of the run. */
  readonly seconds?: number;
  /** Free text shown under the run (e.g. its configuration). */
  readonly notes?: string;
}

/** The input of the report writers: several runs, compared against single-task baselines. */
export interface ExperimentReport {
  /** Report title. */
  readonly title: string;
  /** Free text shown under the title (data set, backbone, budget…). */
  readonly description?: string;
  /** ISO timestamp shown in the report (the writers never read the clock themselves). */
  readonly createdAt?: string;
  /** The runs compared. */
  readonly runs: readonly RunRecord[];
  /** Single-task baselines `{ task: { metric: value } }` (see {@link singleTaskBaselines}); enables Δm%. */
  readonly baselines?: TaskMetrics;
  /** Metric directions for metrics that are not built in (`{ metricName: higherIsBetter }`). */
  readonly higherIsBetter?: Readonly<Record<string, boolean>>;
}

/** One strategy's row of the comparison table. */
export interface StrategySummary {
  /** Strategy name. */
  readonly strategy: string;
  /** Final metrics. */
  readonly finalMetrics: TaskMetrics;
  /** Standard deviations of the final metrics, when the run gave them. */
  readonly finalMetricsStd?: TaskMetrics;
  /** Δm% ({@link deltaM}: per-task mean, positive = better), when baselines were given. */
  readonly deltaM?: number;
  /** Flat Δm% ({@link flatDeltaM}: Nash-MTL/FAMO convention, negative = better), when baselines were given. */
  readonly flatDeltaM?: number;
  /** Per-task Δm% (positive = better), when baselines were given. */
  readonly perTaskDeltaM?: Readonly<Record<string, number>>;
  /** Why Δm% could not be computed, when baselines were given but did not fit. */
  readonly deltaMError?: string;
  /** Wall-clock seconds. */
  readonly seconds?: number;
}

/** One column of the comparison table: a task's metric and its direction. */
export interface MetricColumn {
  /** Task name. */
  readonly task: string;
  /** Metric name. */
  readonly metric: string;
  /** True when larger values are better. */
  readonly higherIsBetter: boolean;
}

/** The numbers of a report, computed from an {@link ExperimentReport} by {@link summarizeExperiment}. */
export interface ExperimentSummary {
  /** Report title. */
  readonly title: string;
  /** Timestamp given in the report, if any. */
  readonly createdAt?: string;
  /** Every (task, metric) pair that any run reported, in first-seen order. */
  readonly columns: readonly MetricColumn[];
  /** One row per run. */
  readonly strategies: readonly StrategySummary[];
  /** Baselines, when given. */
  readonly baselines?: TaskMetrics;
  /** The strategy with the highest Δm%, when baselines were given. */
  readonly best?: string;
}
