/**
 * The report of a multi-seed comparison (`multitask compare --seeds`): per strategy and task, the mean ± sample
 * standard deviation of every metric over the seeds, both Δm% conventions computed per seed against that seed's
 * single-task baselines and then aggregated, the per-seed values, and plots with one line per seed.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MultitaskError } from '@multitask/core';
import {
  epochLossRows,
  escapeHtml,
  formatNumber,
  formatSigned,
  htmlChartSection,
  htmlPage,
  htmlTable,
  markdownTable,
  reportStyle,
  stepWeightRows,
  summarizeExperiment,
  toJsonText,
  validationRows,
  type ChartRow,
  type ExperimentReport,
  type ExperimentSummary,
  type MetricColumn,
  type ReportChart,
} from '@multitask/eval';

/** A comparison repeated over several seeds: one single-seed {@link ExperimentReport} per seed. */
export interface SeriesReport {
  /** Report title. */
  readonly title: string;
  /** Free text shown under the title (data set, backbone, budget, seeds…). */
  readonly description?: string;
  /** ISO timestamp of the series' start (the writers never read the clock). */
  readonly createdAt?: string;
  /** The seeds, in the order they ran. */
  readonly seeds: readonly number[];
  /** One report per seed, in the order of `seeds` (the same strategies and baselines each). */
  readonly reports: readonly ExperimentReport[];
}

/** A value over seeds: its mean, sample standard deviation (NaN for fewer than 2 values) and count. */
export interface Spread {
  /** Arithmetic mean. */
  readonly mean: number;
  /** Sample standard deviation (divisor n − 1); NaN when n < 2. */
  readonly std: number;
  /** Number of seeds that gave a value. */
  readonly n: number;
  /** The per-seed values, in the order of the series' seeds (`null` where a seed gave none). */
  readonly values: readonly (number | null)[];
}

/** One strategy's aggregate row of a {@link SeriesSummary}. */
export interface SeriesStrategySummary {
  /** Strategy name. */
  readonly strategy: string;
  /** `{ task: { metric: spread } }` of the final metrics. */
  readonly metrics: Readonly<Record<string, Readonly<Record<string, Spread>>>>;
  /** Δm% (per-task mean, positive = better), computed per seed against that seed's baselines. */
  readonly deltaM?: Spread;
  /** Flat Δm% (Nash-MTL/FAMO convention, negative = better), computed per seed. */
  readonly flatDeltaM?: Spread;
  /** Per-task Δm% (positive = better), computed per seed. */
  readonly perTaskDeltaM?: Readonly<Record<string, Spread>>;
  /** Why Δm% could not be computed for a seed (`seed N: reason`). */
  readonly deltaMErrors?: readonly string[];
  /** Wall-clock seconds per run. */
  readonly seconds?: Spread;
}

/** The aggregate numbers of a {@link SeriesReport}, computed by {@link summarizeSeries}. */
export interface SeriesSummary {
  /** Report title. */
  readonly title: string;
  /** Timestamp given in the report, if any. */
  readonly createdAt?: string;
  /** The seeds. */
  readonly seeds: readonly number[];
  /** Every (task, metric) pair that any run reported, in first-seen order. */
  readonly columns: readonly MetricColumn[];
  /** One row per strategy, in the order of the first seed's runs. */
  readonly strategies: readonly SeriesStrategySummary[];
  /** The single-task baselines over seeds, when the series had them. */
  readonly baselines?: Readonly<Record<string, Readonly<Record<string, Spread>>>>;
  /** Each seed's single-seed summary (Δm% of each strategy against that seed's baselines). */
  readonly perSeed: readonly ExperimentSummary[];
}

/** The mean, sample standard deviation and count of the given per-seed values (`undefined` = no value). */
export function spreadOf(values: readonly (number | undefined)[]): Spread {
  const present = values.filter((v): v is number => v !== undefined);
  const n = present.length;
  const mean = n === 0 ? NaN : present.reduce((s, v) => s + v, 0) / n;
  const std = n < 2 ? NaN : Math.sqrt(present.reduce((s, v) => s + (v - mean) * (v - mean), 0) / (n - 1));
  return { mean, std, n, values: values.map((v) => v ?? null) };
}

function nested(
  get: (seed: number) => Readonly<Record<string, Readonly<Record<string, number>>>> | undefined,
  seeds: number,
  columns: readonly MetricColumn[],
): Record<string, Record<string, Spread>> {
  const out: Record<string, Record<string, Spread>> = {};
  for (const c of columns) {
    const values = Array.from({ length: seeds }, (_, i) => get(i)?.[c.task]?.[c.metric]);
    if (values.every((v) => v === undefined)) continue;
    (out[c.task] ??= {})[c.metric] = spreadOf(values);
  }
  return out;
}

/**
 * Aggregates a series over its seeds: each seed's report is summarised on its own (Δm% against that seed's
 * baselines), then every metric, Δm% and flat Δm% becomes a {@link Spread} (mean ± sample std, n).
 *
 * @example
 * ```ts
 * const s = summarizeSeries(series);
 * console.log(s.strategies[0]!.deltaM); // { mean, std, n, values }
 * ```
 */
export function summarizeSeries(series: SeriesReport): SeriesSummary {
  const perSeed = series.reports.map((r) => summarizeExperiment(r));
  const columns: MetricColumn[] = [];
  const seen = new Set<string>();
  for (const s of perSeed) {
    for (const c of s.columns) {
      const key = `${c.task}\u0000${c.metric}`;
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(c);
      }
    }
  }
  const n = perSeed.length;
  const names = [...new Set(perSeed.flatMap((s) => s.strategies.map((st) => st.strategy)))];
  const strategies = names.map((strategy): SeriesStrategySummary => {
    const rows = perSeed.map((s) => s.strategies.find((st) => st.strategy === strategy));
    const tasks = [...new Set(columns.map((c) => c.task))];
    const hasDeltaM = rows.some((r) => r?.deltaM !== undefined);
    const errors = rows.flatMap((r, i) =>
      r?.deltaMError === undefined ? [] : [`seed ${series.seeds[i]!}: ${r.deltaMError}`],
    );
    const seconds = rows.map((r) => r?.seconds);
    return {
      strategy,
      metrics: nested((i) => rows[i]?.finalMetrics, n, columns),
      ...(hasDeltaM
        ? {
            deltaM: spreadOf(rows.map((r) => r?.deltaM)),
            flatDeltaM: spreadOf(rows.map((r) => r?.flatDeltaM)),
            perTaskDeltaM: Object.fromEntries(
              tasks.map((t) => [t, spreadOf(rows.map((r) => r?.perTaskDeltaM?.[t]))]),
            ),
          }
        : {}),
      ...(errors.length > 0 ? { deltaMErrors: errors } : {}),
      ...(seconds.some((v) => v !== undefined) ? { seconds: spreadOf(seconds) } : {}),
    };
  });
  const hasBaselines = perSeed.some((s) => s.baselines !== undefined);
  return {
    title: series.title,
    ...(series.createdAt === undefined ? {} : { createdAt: series.createdAt }),
    seeds: series.seeds,
    columns,
    strategies,
    ...(hasBaselines ? { baselines: nested((i) => perSeed[i]?.baselines, n, columns) } : {}),
    perSeed,
  };
}

/** `mean ± std`, plus `(n=k)` when fewer than all seeds gave a value. */
function spreadText(s: Spread | undefined, seeds: number, pct = false): string {
  if (s === undefined) return '—';
  const mean = pct ? formatSigned(s.mean) : formatNumber(s.mean);
  const std = Number.isNaN(s.std) ? '' : ` ± ${pct ? s.std.toFixed(2) : formatNumber(s.std, 2)}`;
  return `${mean}${std}${s.n === seeds ? '' : ` (n=${s.n})`}`;
}

function seedList(seeds: readonly number[]): string {
  return seeds.join(', ');
}

/** Rows of the tables shared by the Markdown and HTML renderings (cells as text). */
interface Tables {
  readonly aggregate: { readonly header: string[]; readonly rows: string[][] };
  readonly perTask?: { readonly header: string[]; readonly rows: string[][] };
  readonly perSeed: { readonly header: string[]; readonly rows: string[][] };
  readonly conflicts?: { readonly header: string[]; readonly rows: string[][] };
  readonly notes: string[];
}

/**
 * Per strategy and task pair, the mean gradient cosine and the conflict rate (share of recorded steps with a
 * negative cosine, in %) over the seeds whose run recorded Gramians.
 */
function conflictTable(series: SeriesReport): { header: string[]; rows: string[][] } | undefined {
  const k = series.seeds.length;
  const rows: string[][] = [];
  const names = [...new Set(series.reports.flatMap((r) => r.runs.map((run) => run.strategy)))];
  for (const strategy of names) {
    const summaries = series.reports.map((r) => {
      const c = r.runs.find((run) => run.strategy === strategy)?.conflicts;
      return c !== undefined && c.events > 0 ? c : undefined;
    });
    const first = summaries.find((c) => c !== undefined);
    if (first === undefined) continue;
    for (let i = 0; i < first.tasks.length; i++) {
      for (let j = i + 1; j < first.tasks.length; j++) {
        const a = first.tasks[i]!;
        const b = first.tasks[j]!;
        const pick = (m: 'cosine' | 'conflictRate', scale: number): (number | undefined)[] =>
          summaries.map((c) => {
            if (c === undefined) return undefined;
            const x = c.tasks.indexOf(a);
            const y = c.tasks.indexOf(b);
            const v = x < 0 || y < 0 ? undefined : c[m][x]?.[y];
            return v === undefined ? undefined : scale * v;
          });
        rows.push([
          strategy,
          `${a} ↔ ${b}`,
          spreadText(spreadOf(pick('cosine', 1)), k),
          spreadText(spreadOf(pick('conflictRate', 100)), k),
        ]);
      }
    }
  }
  return rows.length === 0
    ? undefined
    : { header: ['strategy', 'pair', 'mean cos', 'conflict rate %'], rows };
}

function tables(s: SeriesSummary, series: SeriesReport): Tables {
  const k = s.seeds.length;
  const hasBaselines = s.baselines !== undefined;
  const metricHeader = s.columns.map((c) => `${c.task} ${c.metric} ${c.higherIsBetter ? '↑' : '↓'}`);
  const dmHeader = hasBaselines ? ['Δm% ↑', 'flat Δm% ↓'] : [];
  const aggregateRows: string[][] = [];
  if (s.baselines !== undefined) {
    const b = s.baselines;
    aggregateRows.push([
      'single-task baseline',
      ...s.columns.map((c) => spreadText(b[c.task]?.[c.metric], k)),
      '0.00',
      '0.00',
    ]);
  }
  for (const st of s.strategies) {
    aggregateRows.push([
      st.strategy,
      ...s.columns.map((c) => spreadText(st.metrics[c.task]?.[c.metric], k)),
      ...(hasBaselines ? [spreadText(st.deltaM, k, true), spreadText(st.flatDeltaM, k, true)] : []),
    ]);
  }
  const tasks = [...new Set(s.columns.map((c) => c.task))];
  const conflicts = conflictTable(series);
  const perSeedRows: string[][] = [];
  s.perSeed.forEach((summary, i) => {
    const seed = String(s.seeds[i]!);
    if (summary.baselines !== undefined) {
      const b = summary.baselines;
      perSeedRows.push([
        'single-task baseline',
        seed,
        ...s.columns.map((c) => formatNumber(b[c.task]?.[c.metric])),
        '0.00',
        '0.00',
      ]);
    }
    for (const st of summary.strategies) {
      perSeedRows.push([
        st.strategy,
        seed,
        ...s.columns.map((c) => formatNumber(st.finalMetrics[c.task]?.[c.metric])),
        ...(hasBaselines ? [formatSigned(st.deltaM), formatSigned(st.flatDeltaM)] : []),
      ]);
    }
  });
  return {
    aggregate: { header: ['strategy', ...metricHeader, ...dmHeader], rows: aggregateRows },
    ...(hasBaselines
      ? {
          perTask: {
            header: ['strategy', ...tasks],
            rows: s.strategies.map((st) => [
              st.strategy,
              ...tasks.map((t) => spreadText(st.perTaskDeltaM?.[t], k, true)),
            ]),
          },
        }
      : {}),
    perSeed: { header: ['strategy', 'seed', ...metricHeader, ...dmHeader], rows: perSeedRows },
    ...(conflicts !== undefined ? { conflicts } : {}),
    notes: s.strategies.flatMap((st) =>
      (st.deltaMErrors ?? []).map((e) => `${st.strategy}: Δm% not computed for ${e}`),
    ),
  };
}

function spreadSentence(s: SeriesSummary): string {
  const k = s.seeds.length;
  return (
    `Seeds ${seedList(s.seeds)}: each cell is the mean ± sample standard deviation (n − 1) over n = ${k} ` +
    `seed${k === 1 ? '' : 's'} (no ± with one seed; "(n=k)" where fewer seeds gave a value).` +
    (s.baselines !== undefined
      ? ' Δm% and flat Δm% are computed per seed against that seed’s single-task baselines, then averaged. ' +
        'Δm%: per task the mean over its metrics of the signed relative change against the baseline (sign ' +
        'flipped for lower-is-better metrics), then the mean over tasks, ×100 — positive = better. Flat Δm% ' +
        '(Nash-MTL/FAMO convention): the mean over all metrics of the relative degradation, ×100 — negative = ' +
        'better. Differences within the spread do not rank the strategies.'
      : '')
  );
}

const CONFLICT_CAPTION =
  'Per task pair: the mean cosine of the two task gradients over the recorded steps, and the share of those ' +
  'steps where they conflicted (cosine < 0), each as mean ± std over the seeds.';

/**
 * Renders a series as Markdown: the aggregate table (mean ± std per task and metric, Δm% and flat Δm%), per-task
 * Δm%, the gradient-conflict statistics per task pair over the seeds, and every seed's values.
 *
 * @example
 * ```ts
 * writeFileSync('report.md', seriesMarkdown(series));
 * ```
 */
export function seriesMarkdown(series: SeriesReport): string {
  const s = summarizeSeries(series);
  const t = tables(s, series);
  const out: string[] = [`# ${series.title}`, ''];
  if (series.description !== undefined) out.push(series.description, '');
  if (series.createdAt !== undefined) out.push(`Created ${series.createdAt}.`, '');
  out.push('## Strategies (over seeds)', '', markdownTable(t.aggregate.header, t.aggregate.rows), '');
  out.push(spreadSentence(s), '');
  if (t.perTask !== undefined) {
    out.push('### Δm% per task (positive = better)', '', markdownTable(t.perTask.header, t.perTask.rows), '');
  }
  for (const note of t.notes) out.push(`- ${note}`);
  if (t.notes.length > 0) out.push('');
  if (t.conflicts !== undefined) {
    out.push(
      '## Gradient conflicts (over seeds)',
      '',
      markdownTable(t.conflicts.header, t.conflicts.rows),
      '',
      CONFLICT_CAPTION,
      '',
    );
  }
  out.push('## Per seed', '', markdownTable(t.perSeed.header, t.perSeed.rows), '');
  return `${out.join('\n').trimEnd()}\n`;
}

/**
 * Serialises a series as JSON text: `{ summary, series }` — the aggregates ({@link summarizeSeries}, with each
 * seed's single-seed summary) and the per-seed reports. NaN and ±Infinity become `null`.
 *
 * @example
 * ```ts
 * writeFileSync('report.json', seriesJson(series));
 * ```
 */
export function seriesJson(series: SeriesReport): string {
  return `${toJsonText({ summary: summarizeSeries(series), series })}\n`;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function seedLines(
  values: ChartRow[],
  x: string,
  y: string,
  facet: string,
  color: string,
): ReportChart['spec'] {
  return {
    $schema: SCHEMA,
    data: { values },
    facet: { field: facet, type: 'nominal', title: null, sort: null },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 260,
      height: 170,
      mark: { type: 'line', point: values.length <= 200, strokeWidth: 1.2 },
      encoding: {
        x: { field: x, type: 'quantitative', title: x, axis: { format: 'd', tickMinStep: 1 } },
        y: { field: y, type: 'quantitative', title: y, scale: { zero: false } },
        color: { field: color, type: 'nominal', title: color, sort: null },
        detail: { field: 'seed', type: 'nominal' },
      },
    },
  };
}

/**
 * The vega-lite plots of a series: Δm% per strategy (one point per seed, a tick at the mean), and training loss,
 * validation metrics and task weights with one line per seed (the same colour for every seed of a strategy).
 * Charts without data are left out.
 *
 * @example
 * ```ts
 * for (const chart of seriesCharts(series)) console.log(chart.title);
 * ```
 */
export function seriesCharts(series: SeriesReport): ReportChart[] {
  const s = summarizeSeries(series);
  const charts: ReportChart[] = [];
  const dm: ChartRow[] = s.perSeed.flatMap((summary, i) =>
    summary.strategies.flatMap((st) =>
      st.deltaM === undefined
        ? []
        : [{ strategy: st.strategy, seed: String(series.seeds[i]!), 'Δm%': finite(st.deltaM) }],
    ),
  );
  if (dm.length > 0) {
    const means: ChartRow[] = s.strategies.flatMap((st) =>
      st.deltaM === undefined ? [] : [{ strategy: st.strategy, 'Δm%': finite(st.deltaM.mean) }],
    );
    charts.push({
      title: 'Δm% by strategy and seed',
      caption:
        'Each point is one seed’s Δm% against that seed’s single-task baselines (positive = better); the tick is the mean.',
      spec: {
        $schema: SCHEMA,
        width: Math.max(260, 70 * means.length),
        height: 170,
        layer: [
          {
            data: { values: dm },
            mark: { type: 'point', filled: true, size: 50 },
            encoding: {
              x: { field: 'strategy', type: 'nominal', sort: null, axis: { labelAngle: 0 } },
              y: { field: 'Δm%', type: 'quantitative' },
              color: { field: 'strategy', type: 'nominal', sort: null, legend: null },
            },
          },
          {
            data: { values: means },
            mark: { type: 'tick', thickness: 2, color: 'black' },
            encoding: {
              x: { field: 'strategy', type: 'nominal', sort: null },
              y: { field: 'Δm%', type: 'quantitative' },
            },
          },
        ],
      },
    });
  }
  const runs = series.reports.flatMap((r, i) =>
    r.runs.map((run) => ({ run, seed: String(series.seeds[i]!) })),
  );
  const loss: ChartRow[] = runs.flatMap(({ run, seed }) => epochLossRows(run, { seed }));
  if (loss.length > 0) {
    charts.push({
      title: 'Training loss per epoch',
      caption: 'Mean training loss of each task per epoch, one panel per task, one line per seed.',
      spec: seedLines(loss, 'epoch', 'loss', 'task', 'strategy'),
    });
  }
  const metric: ChartRow[] = runs.flatMap(({ run, seed }) => validationRows(run, { seed }));
  if (metric.length > 0) {
    charts.push({
      title: 'Validation metrics per epoch',
      caption: 'Each task metric on the validation data after each epoch, one line per seed.',
      spec: seedLines(metric, 'epoch', 'value', 'series', 'strategy'),
    });
  }
  const weights: ChartRow[] = runs.flatMap(({ run, seed }) => stepWeightRows(run, { seed }));
  if (weights.length > 0) {
    charts.push({
      title: 'Task weights over time',
      caption:
        'The weight each strategy gave each task at each recorded step, one panel per strategy, one line per seed.',
      spec: seedLines(weights, 'step', 'weight', 'strategy', 'task'),
    });
  }
  return charts;
}

/** An HTML table whose single-task baseline rows carry the `baseline` class. */
function baselineTable(t: { readonly header: string[]; readonly rows: string[][] }): string {
  return htmlTable(t.header, t.rows, {
    rowClass: (row) => (row[0] === 'single-task baseline' ? 'baseline' : undefined),
  });
}

/**
 * Renders a series as one self-contained HTML page (inline CSS and SVG, no scripts): the tables of
 * {@link seriesMarkdown} and the plots of {@link seriesCharts}.
 *
 * @example
 * ```ts
 * writeFileSync('report.html', await seriesHtml(series));
 * ```
 */
export async function seriesHtml(series: SeriesReport): Promise<string> {
  const s = summarizeSeries(series);
  const t = tables(s, series);
  const parts: string[] = [`<h1>${escapeHtml(series.title)}</h1>`];
  if (series.description !== undefined) parts.push(`<p class="meta">${escapeHtml(series.description)}</p>`);
  if (series.createdAt !== undefined)
    parts.push(`<p class="meta">Created ${escapeHtml(series.createdAt)}</p>`);
  parts.push(
    '<h2>Strategies (over seeds)</h2>',
    baselineTable(t.aggregate),
    `<p class="caption">${escapeHtml(spreadSentence(s))}</p>`,
  );
  if (t.perTask !== undefined) {
    parts.push('<h2>Δm% per task</h2>', baselineTable(t.perTask));
  }
  if (t.notes.length > 0) parts.push(`<ul>${t.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  for (const chart of seriesCharts(series)) {
    parts.push(await htmlChartSection(chart));
  }
  if (t.conflicts !== undefined) {
    parts.push(
      '<h2>Gradient conflicts (over seeds)</h2>',
      baselineTable(t.conflicts),
      `<p class="caption">${escapeHtml(CONFLICT_CAPTION)}</p>`,
    );
  }
  parts.push('<h2>Per seed</h2>', baselineTable(t.perSeed));
  return htmlPage({ title: series.title, style: reportStyle(), parts });
}

/**
 * Writes `report.json` ({@link seriesJson}), `report.md` ({@link seriesMarkdown}) and `report.html`
 * ({@link seriesHtml}) into `dir`, each through a temporary name. Throws `IO_ERROR` naming the directory.
 *
 * @example
 * ```ts
 * await writeSeriesReport('out/series', series);
 * ```
 */
export async function writeSeriesReport(dir: string, series: SeriesReport): Promise<void> {
  const html = await seriesHtml(series);
  const files: [string, string][] = [
    ['report.json', seriesJson(series)],
    ['report.md', seriesMarkdown(series)],
    ['report.html', html],
  ];
  try {
    await mkdir(dir, { recursive: true });
    for (const [name, text] of files) {
      const path = join(dir, name);
      const tmp = `${path}.tmp-${process.pid}`;
      await writeFile(tmp, text, 'utf8');
      await rename(tmp, path);
    }
  } catch (e) {
    throw new MultitaskError('IO_ERROR', `[multitask] Could not write the series report into ${dir}.`, {
      cause: e,
      details: { file: dir },
    });
  }
}
