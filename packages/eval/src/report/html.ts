import { conflictRows } from './markdown.ts';
import { escapeHtml, formatMetric, formatNumber, formatSigned } from './format.ts';
import { reportCharts } from './charts.ts';
import { renderSvg } from './render-svg.ts';
import { summarizeExperiment } from './summarize.ts';
import type { ExperimentReport } from './types.ts';

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1150px; color: #212529; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #dee2e6; padding-bottom: 0.3rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #dee2e6; padding: 0.3rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f1f3f5; }
tr.baseline td { color: #495057; font-style: italic; }
tr.best td { font-weight: 600; background: #ebfbee; }
.good { color: #2b8a3e; } .bad { color: #c92a2a; }
.caption, .meta { color: #495057; font-size: 0.92rem; }
figure { margin: 1rem 0; overflow-x: auto; } figure svg { max-width: 100%; height: auto; }
`;

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
    const svg = await renderSvg(chart.spec);
    parts.push(
      `<section class="chart" id="${slug(chart.title)}"><h2>${escapeHtml(chart.title)}</h2>`,
      `<p class="caption">${escapeHtml(chart.caption)}</p>`,
      `<figure>${svg}</figure></section>`,
    );
  }

  const withConflicts = report.runs.filter((r) => r.conflicts !== undefined && r.conflicts.events > 0);
  if (withConflicts.length > 0) {
    parts.push('<h2>Gradient conflicts by pair</h2>');
    for (const run of withConflicts) {
      const c = run.conflicts!;
      parts.push(
        `<h3>${escapeHtml(run.strategy)} <span class="meta">(${c.events} Gramians${c.mode === undefined ? '' : `, mode ${escapeHtml(c.mode)}`})</span></h3>`,
        `<table><thead><tr><th>pair</th><th>mean cos</th><th>angle</th><th>conflict rate</th><th>norm ratio</th></tr></thead><tbody>${conflictRows(
          c,
        )
          .map((r) => `<tr>${r.map((x) => `<td>${escapeHtml(x)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
    }
  }
  for (const run of report.runs) {
    if (run.notes !== undefined)
      parts.push(
        `<p class="meta"><strong>${escapeHtml(run.strategy)}</strong>: ${escapeHtml(run.notes)}</p>`,
      );
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
${parts.join('\n')}
</body>
</html>
`;
}
