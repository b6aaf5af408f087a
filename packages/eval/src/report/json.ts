import { toJsonText } from './format.ts';
import { summarizeExperiment } from './summarize.ts';
import type { ExperimentReport } from './types.ts';

/**
 * Serialises a report as JSON text: `{ summary, report }` where `summary` is {@link summarizeExperiment}'s
 * result (Δm% per strategy) and `report` the input. NaN and ±Infinity become `null`.
 *
 * @example
 * ```ts
 * await writeFile('report.json', reportJson(report));
 * ```
 */
export function reportJson(report: ExperimentReport): string {
  return `${toJsonText({ summary: summarizeExperiment(report), report })}\n`;
}
