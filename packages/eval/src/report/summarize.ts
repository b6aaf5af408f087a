import { isMultitaskError } from '@multitask/core';
import { deltaM, flatDeltaM } from '../experiment/delta-m.ts';
import { isHigherBetter } from '../experiment/metric-values.ts';
import type { ExperimentReport, ExperimentSummary, MetricColumn, StrategySummary } from './types.ts';

/**
 * Computes the comparison of a report: the (task, metric) columns with their directions, and per run its final
 * metrics, Δm% ({@link deltaM}) and flat Δm% ({@link flatDeltaM}) against the baselines. A run whose metrics do
 * not fit the baselines gets `deltaMError` instead of throwing, so one bad run does not lose the report.
 *
 * @example
 * ```ts
 * import { summarizeExperiment, type ExperimentReport } from '@multitask/eval';
 *
 * const report: ExperimentReport = {
 *   title: 'digit + parity',
 *   runs: [
 *     { strategy: 'equal', tasks: ['digit', 'parity'], epochs: [], finalMetrics: { digit: { accuracy: 0.97 }, parity: { accuracy: 0.93 } } },
 *     { strategy: 'mgda', tasks: ['digit', 'parity'], epochs: [], finalMetrics: { digit: { accuracy: 0.975 }, parity: { accuracy: 0.95 } } },
 *   ],
 *   baselines: { digit: { accuracy: 0.97 }, parity: { accuracy: 0.92 } },
 * };
 * const s = summarizeExperiment(report);
 * console.log(s.best); // the strategy with the highest Δm%
 * ```
 */
export function summarizeExperiment(report: ExperimentReport): ExperimentSummary {
  const columns: MetricColumn[] = [];
  const seen = new Set<string>();
  const addColumns = (metrics: ExperimentReport['baselines']): void => {
    for (const [task, m] of Object.entries(metrics ?? {})) {
      for (const metric of Object.keys(m)) {
        const key = `${task}\u0000${metric}`;
        if (seen.has(key)) continue;
        seen.add(key);
        let higher = true;
        try {
          higher = isHigherBetter(metric, task, report.higherIsBetter);
        } catch (e) {
          if (!isMultitaskError(e)) throw e;
        }
        columns.push({ task, metric, higherIsBetter: higher });
      }
    }
  };
  for (const run of report.runs) addColumns(run.finalMetrics);
  addColumns(report.baselines);

  const strategies: StrategySummary[] = report.runs.map((run) => {
    const base: StrategySummary = {
      strategy: run.strategy,
      finalMetrics: run.finalMetrics,
      ...(run.finalMetricsStd === undefined ? {} : { finalMetricsStd: run.finalMetricsStd }),
      ...(run.seconds === undefined ? {} : { seconds: run.seconds }),
    };
    if (report.baselines === undefined) return base;
    try {
      const options = report.higherIsBetter === undefined ? {} : { higherIsBetter: report.higherIsBetter };
      const dm = deltaM(run.finalMetrics, report.baselines, options);
      const flat = flatDeltaM(run.finalMetrics, report.baselines, options);
      return { ...base, deltaM: dm.value, flatDeltaM: flat.value, perTaskDeltaM: dm.perTask };
    } catch (e) {
      if (!isMultitaskError(e)) throw e;
      return { ...base, deltaMError: e.message };
    }
  });
  let best: string | undefined;
  let bestValue = -Infinity;
  for (const s of strategies) {
    if (s.deltaM !== undefined && s.deltaM > bestValue) {
      bestValue = s.deltaM;
      best = s.strategy;
    }
  }
  return {
    title: report.title,
    ...(report.createdAt === undefined ? {} : { createdAt: report.createdAt }),
    columns,
    strategies,
    ...(report.baselines === undefined ? {} : { baselines: report.baselines }),
    ...(best === undefined ? {} : { best }),
  };
}
