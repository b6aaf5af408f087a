import { conflictRows } from './markdown.ts';
import { escapeHtml, formatMetric, formatNumber, formatSigned } from './format.ts';
import { reportCharts } from './charts.ts';
import { htmlChartSection, htmlPage, htmlTable, reportStyle } from './html-parts.ts';
import { summarizeExperiment } from './summarize.ts';
import type { ExperimentReport } from './types.ts';

function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function signedCell(x: number | undefined, higherIsBetter: boolean): string {
  if (x === undefined) return '<td>—</td>';
  const good = higherIsBetter ? x > 0 : x < 0;
  const cls = x === 0 ? '' : good ? ' class="good"' : ' class="bad"';
  return `<td${cls}>${escapeHtml(formatSigned(x))}</td>`;
}

/**
 * Renders a report as one self-contained HTML page (inline CSS and inline SVG plots; no scripts, no network):
 * the comparison table with Δm% and flat Δm%, per-task Δm%, per-run conflict tables, and the plots of
 * {@link reportCharts} rendered by {@link renderSvg}. The page never reads the clock; pass `createdAt`.
 *
 * @example
 * ```ts
 * import { reportHtml, type ExperimentReport } from '@multitask/eval';
 *
 * const report: ExperimentReport = {
 *   title: 'digit + parity',
 *   runs: [
 *     { strategy: 'equal', tasks: ['digit', 'parity'], epochs: [], finalMetrics: { digit: { accuracy: 0.97 }, parity: { accuracy: 0.93 } } },
 *     { strategy: 'mgda', tasks: ['digit', 'parity'], epochs: [], finalMetrics: { digit: { accuracy: 0.975 }, parity: { accuracy: 0.95 } } },
 *   ],
 *   baselines: { digit: { accuracy: 0.97 }, parity: { accuracy: 0.92 } },
 * };
 * const html = await reportHtml(report); // one self-contained page, charts inlined as SVG
 * console.log(html.length);
 * ```
 */
export async function reportHtml(report: ExperimentReport): Promise<string> {
  const s = summarizeExperiment(report);
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(report.title)}</h1>`);
  if (report.description !== undefined) parts.push(`<p class="meta">${escapeHtml(report.description)}</p>`);
  if (report.createdAt !== undefined)
    parts.push(`<p class="meta">Created ${escapeHtml(report.createdAt)}</p>`);

  const hasBaselines = s.baselines !== undefined;
  const head = [
    '<th>strategy</th>',
    ...s.columns.map(
      (c) => `<th>${escapeHtml(`${c.task} ${c.metric}`)} ${c.higherIsBetter ? '↑' : '↓'}</th>`,
    ),
    ...(hasBaselines ? ['<th>Δm% ↑</th>', '<th>flat Δm% ↓</th>'] : []),
  ];
  const body: string[] = [];
  if (s.baselines !== undefined) {
    const b = s.baselines;
    body.push(
      `<tr class="baseline"><td>single-task baseline</td>${s.columns.map((c) => `<td>${formatNumber(b[c.task]?.[c.metric])}</td>`).join('')}<td>0.00</td><td>0.00</td></tr>`,
    );
  }
  for (const st of s.strategies) {
    body.push(
      `<tr${st.strategy === s.best ? ' class="best"' : ''}><td>${escapeHtml(st.strategy)}</td>${s.columns
        .map(
          (c) =>
            `<td>${formatMetric(st.finalMetrics[c.task]?.[c.metric], st.finalMetricsStd?.[c.task]?.[c.metric])}</td>`,
        )
        .join('')}${hasBaselines ? signedCell(st.deltaM, true) + signedCell(st.flatDeltaM, false) : ''}</tr>`,
    );
  }
  parts.push(
    '<h2>Strategies</h2>',
    `<table><thead><tr>${head.join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`,
  );
  if (hasBaselines) {
    parts.push(
      '<p class="caption">Δm%: per task, the mean over its metrics of the signed relative change against the single-task baseline (sign flipped for lower-is-better metrics), then the mean over tasks, ×100 — positive = better than training each task alone. Flat Δm% (Nash-MTL/FAMO convention): the mean over all metrics of the relative degradation, ×100 — negative = better.</p>',
    );
    const tasks = [...new Set(s.columns.map((c) => c.task))];
    parts.push(
      '<h2>Δm% per task</h2>',
      `<table><thead><tr><th>strategy</th>${tasks.map((t) => `<th>${escapeHtml(t)}</th>`).join('')}</tr></thead><tbody>${s.strategies
        .map(
          (st) =>
            `<tr><td>${escapeHtml(st.strategy)}</td>${tasks.map((t) => signedCell(st.perTaskDeltaM?.[t], true)).join('')}</tr>`,
        )
        .join('')}</tbody></table>`,
    );
    const errors = s.strategies.filter((st) => st.deltaMError !== undefined);
    if (errors.length > 0) {
      parts.push(
        `<ul>${errors.map((st) => `<li>${escapeHtml(st.strategy)}: Δm% not computed — ${escapeHtml(st.deltaMError!)}</li>`).join('')}</ul>`,
      );
    }
  }

  for (const chart of reportCharts(report.runs, s)) {
    parts.push(await htmlChartSection(chart, { id: slug(chart.title) }));
  }

  const withConflicts = report.runs.filter((r) => r.conflicts !== undefined && r.conflicts.events > 0);
  if (withConflicts.length > 0) {
    parts.push('<h2>Gradient conflicts by pair</h2>');
    for (const run of withConflicts) {
      const c = run.conflicts!;
      parts.push(
        `<h3>${escapeHtml(run.strategy)} <span class="meta">(${c.events} Gramians${c.mode === undefined ? '' : `, mode ${escapeHtml(c.mode)}`})</span></h3>`,
        htmlTable(['pair', 'mean cos', 'angle', 'conflict rate', 'norm ratio'], conflictRows(c)),
      );
    }
  }
  for (const run of report.runs) {
    if (run.notes !== undefined)
      parts.push(
        `<p class="meta"><strong>${escapeHtml(run.strategy)}</strong>: ${escapeHtml(run.notes)}</p>`,
      );
  }
  return htmlPage({ title: report.title, style: reportStyle({ highlights: true }), parts });
}
