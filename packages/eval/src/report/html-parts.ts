import { escapeHtml } from './format.ts';
import type { ReportChart } from './charts.ts';
import { renderSvg } from './render-svg.ts';

/** Options of {@link htmlTable}. */
export interface HtmlTableOptions {
  /** The `class` of a body row (e.g. `'baseline'`), or `undefined` for none; called with the row's cells. */
  readonly rowClass?: (row: readonly string[]) => string | undefined;
}

/**
 * An HTML table of text cells: one header row, then one row per entry of `rows`. Every cell is escaped with
 * {@link escapeHtml}; `rowClass` can give body rows a `class` that the {@link reportStyle} sheet knows
 * (`baseline`, `best`).
 *
 * @example
 * ```ts
 * import { htmlTable } from '@multitask/eval';
 *
 * const table = htmlTable(['strategy', 'accuracy'], [['single-task baseline', '0.91'], ['mgda', '0.93']], {
 *   rowClass: (row) => (row[0] === 'single-task baseline' ? 'baseline' : undefined),
 * });
 * console.log(table.startsWith('<table><thead><tr><th>strategy</th>'));
 * ```
 */
export function htmlTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: HtmlTableOptions = {},
): string {
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((r) => {
      const cls = options.rowClass?.(r);
      return `<tr${cls === undefined ? '' : ` class="${escapeHtml(cls)}"`}>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Options of {@link reportStyle}. */
export interface ReportStyleOptions {
  /**
   * Add the rules of a ranked comparison: a tighter `h1`, the highlighted `tr.best` row and the `good`/`bad`
   * colours of signed cells (default `false`).
   */
  readonly highlights?: boolean;
}

const BODY_RULE =
  'body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1150px; color: #212529; padding: 0 1rem; }';
const H1_RULE = 'h1 { margin-bottom: 0.2rem; } ';
const H2_RULE = 'h2 { margin-top: 2.2rem; border-bottom: 1px solid #dee2e6; padding-bottom: 0.3rem; }';
const TABLE_RULES = [
  'table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }',
  'th, td { border: 1px solid #dee2e6; padding: 0.3rem 0.6rem; text-align: right; }',
  'th:first-child, td:first-child { text-align: left; }',
  'thead th { background: #f1f3f5; }',
  'tr.baseline td { color: #495057; font-style: italic; }',
];
const HIGHLIGHT_RULES = [
  'tr.best td { font-weight: 600; background: #ebfbee; }',
  '.good { color: #2b8a3e; } .bad { color: #c92a2a; }',
];
const TEXT_RULES = [
  '.caption, .meta { color: #495057; font-size: 0.92rem; }',
  'figure { margin: 1rem 0; overflow-x: auto; } figure svg { max-width: 100%; height: auto; }',
];

/**
 * The CSS of the report pages (one rule set per line, between a leading and a trailing newline): the page
 * body, headings, tables with right-aligned numbers and an italic `tr.baseline` row, `.caption`/`.meta` text
 * and SVG figures; with `highlights`, also the ranked-comparison rules (see {@link ReportStyleOptions}).
 *
 * @example
 * ```ts
 * import { htmlPage, reportStyle } from '@multitask/eval';
 *
 * const page = htmlPage({ title: 'runs', style: reportStyle({ highlights: true }), parts: ['<h1>runs</h1>'] });
 * console.log(page.includes('tr.best td'));
 * ```
 */
export function reportStyle(options: ReportStyleOptions = {}): string {
  const highlights = options.highlights === true;
  return [
    '',
    BODY_RULE,
    `${highlights ? H1_RULE : ''}${H2_RULE}`,
    ...TABLE_RULES,
    ...(highlights ? HIGHLIGHT_RULES : []),
    ...TEXT_RULES,
    '',
  ].join('\n');
}

/** The content of one page of {@link htmlPage}. */
export interface HtmlPage {
  /** The page title (`<title>`; escaped). */
  readonly title: string;
  /** The CSS of the inline `<style>` element, e.g. {@link reportStyle}'s (inserted as is). */
  readonly style: string;
  /** The body's HTML fragments, one per line (inserted as is). */
  readonly parts: readonly string[];
}

/**
 * A self-contained HTML5 document: `<!doctype html>`, UTF-8, a responsive viewport, the title, one inline
 * `<style>` element and the body fragments joined by newlines. No scripts and no external resources.
 *
 * @example
 * ```ts
 * import { escapeHtml, htmlPage, reportStyle } from '@multitask/eval';
 *
 * const title = 'digit & parity';
 * const html = htmlPage({ title, style: reportStyle(), parts: [`<h1>${escapeHtml(title)}</h1>`] });
 * console.log(html.startsWith('<!doctype html>'));
 * ```
 */
export function htmlPage(page: HtmlPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${page.style}</style>
</head>
<body>
${page.parts.join('\n')}
</body>
</html>
`;
}

/** Options of {@link htmlChartSection}. */
export interface HtmlChartSectionOptions {
  /** The section's `id` attribute (an anchor for links; escaped); none when left out. */
  readonly id?: string;
}

/**
 * One chart as an HTML section: its title as `<h2>`, its caption, and its specification rendered to inline SVG
 * by {@link renderSvg}, as three lines of `<section class="chart">…</section>`.
 *
 * @example
 * ```ts
 * import { htmlChartSection, type ReportChart } from '@multitask/eval';
 *
 * const chart: ReportChart = {
 *   title: 'Loss',
 *   caption: 'Training loss per epoch.',
 *   spec: {
 *     data: { values: [{ epoch: 0, loss: 1.2 }, { epoch: 1, loss: 0.7 }] },
 *     mark: 'line',
 *     encoding: { x: { field: 'epoch', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' } },
 *   },
 * };
 * const section = await htmlChartSection(chart, { id: 'loss' }); // <section class="chart" id="loss">…<svg…
 * console.log(section.includes('<svg'));
 * ```
 */
export async function htmlChartSection(
  chart: ReportChart,
  options: HtmlChartSectionOptions = {},
): Promise<string> {
  const svg = await renderSvg(chart.spec);
  const id = options.id === undefined ? '' : ` id="${escapeHtml(options.id)}"`;
  return [
    `<section class="chart"${id}><h2>${escapeHtml(chart.title)}</h2>`,
    `<p class="caption">${escapeHtml(chart.caption)}</p>`,
    `<figure>${svg}</figure></section>`,
  ].join('\n');
}
