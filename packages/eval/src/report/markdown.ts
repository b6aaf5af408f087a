import type { ConflictSummary } from '../diagnostics/conflict-recorder.ts';
import { escapeCell, formatMetric, formatNumber, formatSigned } from './format.ts';
import { summarizeExperiment } from './summarize.ts';
import type { ExperimentReport } from './types.ts';

/** Markdown table of a run's pairwise conflict statistics (internal; used by the Markdown and HTML reports). */
export function conflictRows(c: ConflictSummary): string[][] {
  const rows: string[][] = [];
  for (let i = 0; i < c.tasks.length; i++) {
    for (let j = i + 1; j < c.tasks.length; j++) {
      rows.push([
        `${c.tasks[i]!} ↔ ${c.tasks[j]!}`,
        formatNumber(c.cosine[i]![j], 3),
        `${formatNumber(c.angleDegrees[i]![j], 3)}°`,
        `${formatNumber(100 * c.conflictRate[i]![j]!, 3)} %`,
        formatNumber(c.normRatio[i]![j], 3),
      ]);
    }
  }
  return rows;
}

/**
 * A GitHub-flavoured Markdown table of text cells: the header, the `---` separator row, then one line per row.
 * Pipes in cells are escaped and line breaks become spaces.
 *
 * @example
 * ```ts
 * import { markdownTable } from '@multitask/eval';
 *
 * console.log(markdownTable(['strategy', 'accuracy'], [['mgda', '0.93']]));
 * // | strategy | accuracy |
 * // |---|---|
 * // | mgda | 0.93 |
 * ```
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * Renders a report as Markdown: the comparison table (each task's metrics with ↑/↓ directions, Δm% and flat
 * Δm% per strategy, the single-task baselines as the first row), per-task Δm%, and each run's gradient-conflict
 * pairs (mean cosine, angle, conflict rate, norm ratio).
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { reportMarkdown, type ExperimentReport } from '@multitask/eval';
 *
 * const report: ExperimentReport = {
 *   title: 'digit + parity',
 *   runs: [
 *     { strategy: 'equal', tasks: ['digit', 'parity'], epochs: [], finalMetrics: { digit: { accuracy: 0.97 }, parity: { accuracy: 0.93 } } },
 *     { strategy: 'mgda', tasks: ['digit', 'parity'], epochs: [], finalMetrics: { digit: { accuracy: 0.975 }, parity: { accuracy: 0.95 } } },
 *   ],
 *   baselines: { digit: { accuracy: 0.97 }, parity: { accuracy: 0.92 } },
 * };
 * await writeFile('report.md', reportMarkdown(report));
 * ```
 */
export function reportMarkdown(report: ExperimentReport): string {
  const s = summarizeExperiment(report);
  const out: string[] = [`# ${report.title}`, ''];
  if (report.description !== undefined) out.push(report.description, '');
  if (report.createdAt !== undefined) out.push(`Created ${report.createdAt}.`, '');
  const hasBaselines = s.baselines !== undefined;
  const header = [
    'strategy',
    ...s.columns.map((c) => `${c.task} ${c.metric} ${c.higherIsBetter ? '↑' : '↓'}`),
    ...(hasBaselines ? ['Δm% ↑', 'flat Δm% ↓'] : []),
  ];
  const rows: string[][] = [];
  if (s.baselines !== undefined) {
    const b = s.baselines;
    rows.push([
      'single-task baseline',
      ...s.columns.map((c) => formatNumber(b[c.task]?.[c.metric])),
      '0.00',
      '0.00',
    ]);
  }
  for (const st of s.strategies) {
    rows.push([
      st.strategy + (st.strategy === s.best ? ' (best)' : ''),
      ...s.columns.map((c) =>
        formatMetric(st.finalMetrics[c.task]?.[c.metric], st.finalMetricsStd?.[c.task]?.[c.metric]),
      ),
      ...(hasBaselines ? [formatSigned(st.deltaM), formatSigned(st.flatDeltaM)] : []),
    ]);
  }
  out.push('## Strategies', '', markdownTable(header, rows), '');
  if (hasBaselines) {
    out.push(
      'Δm%: per task, the mean over its metrics of the signed relative change against the single-task baseline',
      '(sign flipped for lower-is-better metrics), then the mean over tasks, ×100 — positive = better than training',
      'each task alone. Flat Δm% (Nash-MTL/FAMO convention): the mean over all metrics of the relative degradation,',
      '×100 — negative = better.',
      '',
    );
    const tasks = [...new Set(s.columns.map((c) => c.task))];
    out.push('### Δm% per task (positive = better)', '');
    out.push(
      markdownTable(
        ['strategy', ...tasks],
        s.strategies.map((st) => [st.strategy, ...tasks.map((t) => formatSigned(st.perTaskDeltaM?.[t]))]),
      ),
      '',
    );
    for (const st of s.strategies)
      if (st.deltaMError !== undefined) out.push(`- ${st.strategy}: Δm% not computed — ${st.deltaMError}`);
  }
  const withConflicts = report.runs.filter((r) => r.conflicts !== undefined && r.conflicts.events > 0);
  if (withConflicts.length > 0) {
    out.push('## Gradient conflicts', '');
    for (const run of withConflicts) {
      const c = run.conflicts!;
      out.push(
        `### ${run.strategy} (${c.events} Gramians${c.mode === undefined ? '' : `, mode ${c.mode}`})`,
        '',
      );
      out.push(
        markdownTable(['pair', 'mean cos', 'angle', 'conflict rate', 'norm ratio'], conflictRows(c)),
        '',
      );
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
