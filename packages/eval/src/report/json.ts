import { toJsonText } from './format.ts';
import { summarizeExperiment } from './summarize.ts';
import type { ExperimentReport } from './types.ts';

/**
 * Serialises a report as JSON text: `{ summary, report }` where `summary` is {@link summarizeExperiment}'s
 * result (Δm% per strategy) and `report` the input. NaN and ±Infinity become `null`.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { reportJson, type ExperimentReport } from '@multitask/eval';
 *
 * const report: ExperimentReport = {
 *   title: 'digit + parity',
 *   runs: [
 *     { strategy: 'equal', tasks: ['digit', 'parity'], epochs: [], finalMetrics: { digit: { accuracy: 0.97 }, parity: { accuracy: 0.93 } } },
 *     { strategy: 'mgda', tasks: ['digit', 'parity'], epochs: [], finalMetrics: { digit: { accuracy: 0.975 }, parity: { accuracy: 0.95 } } },
 *   ],
 *   baselines: { digit: { accuracy: 0.97 }, parity: { accuracy: 0.92 } },
 * };
 * await writeFile('report.json', reportJson(report));
 * ```
 */
export function reportJson(report: ExperimentReport): string {
  return `${toJsonText({ summary: summarizeExperiment(report), report })}\n`;
}
