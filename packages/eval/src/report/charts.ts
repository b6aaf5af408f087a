import type { TopLevelSpec } from 'vega-lite';
import type { StepRecord } from '../diagnostics/conflict-recorder.ts';
import type { ExperimentSummary, RunRecord } from './types.ts';

/** A titled chart of the HTML report. */
export interface ReportChart {
  /** Section title. */
  readonly title: string;
  /** One-sentence explanation shown under the title. */
  readonly caption: string;
  /** The vega-lite 5 specification. */
  readonly spec: TopLevelSpec;
}

/** One row of a chart's data: field name → value (`null` stands for a non-finite number). */
export type ChartRow = Record<string, string | number | null>;

type Row = ChartRow;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const WIDTH = 260;
const HEIGHT = 170;

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);

function stepsOf(run: RunRecord): readonly StepRecord[] {
  return run.steps ?? run.conflicts?.stepHistory ?? [];
}

/**
 * The training-loss rows of one run, one per epoch and task: `{ strategy, ...extra, task, epoch, loss }` (the
 * data of the report's "Training loss per epoch" chart). `extra` tags every row, e.g. with the seed of a
 * multi-seed series.
 *
 * @example
 * ```ts
 * import { epochLossRows, type RunRecord } from '@multitask/eval';
 *
 * const run: RunRecord = {
 *   strategy: 'mgda',
 *   tasks: ['digit', 'parity'],
 *   epochs: [{ epoch: 0, trainLosses: { digit: 0.9, parity: 0.4 }, validation: { digit: { accuracy: 0.8 } }, seconds: 1 }],
 *   steps: [{ step: 9, epoch: 0, losses: { digit: 0.8, parity: 0.4 }, weights: { digit: 0.6, parity: 0.4 }, totalLoss: 1.2 }],
 *   finalMetrics: { digit: { accuracy: 0.8 } },
 * };
 * const rows = epochLossRows(run, { seed: '1' }); // [{ strategy, seed: '1', task, epoch, loss }, …]
 * ```
 */
export function epochLossRows(run: RunRecord, extra: Readonly<Record<string, string>> = {}): ChartRow[] {
  return run.epochs.flatMap((e) =>
    Object.entries(e.trainLosses).map(([task, v]) => ({
      strategy: run.strategy,
      ...extra,
      task,
      epoch: e.epoch,
      loss: num(v),
    })),
  );
}

/**
 * The validation rows of one run, one per epoch, task and metric: `{ strategy, ...extra, series, epoch, value }`
 * with `series` = `task · metric` (the data of the report's "Validation metrics per epoch" chart). `extra` tags
 * every row.
 *
 * @example
 * ```ts
 * import { validationRows, type RunRecord } from '@multitask/eval';
 *
 * const run: RunRecord = {
 *   strategy: 'mgda',
 *   tasks: ['digit', 'parity'],
 *   epochs: [{ epoch: 0, trainLosses: { digit: 0.9, parity: 0.4 }, validation: { digit: { accuracy: 0.8 } }, seconds: 1 }],
 *   steps: [{ step: 9, epoch: 0, losses: { digit: 0.8, parity: 0.4 }, weights: { digit: 0.6, parity: 0.4 }, totalLoss: 1.2 }],
 *   finalMetrics: { digit: { accuracy: 0.8 } },
 * };
 * const rows = validationRows(run); // [{ strategy, series: 'digit · accuracy', epoch, value }, …]
 * ```
 */
export function validationRows(run: RunRecord, extra: Readonly<Record<string, string>> = {}): ChartRow[] {
  return run.epochs.flatMap((e) =>
    Object.entries(e.validation ?? {}).flatMap(([task, m]) =>
      Object.entries(m).map(([name, v]) => ({
        strategy: run.strategy,
        ...extra,
        series: `${task} · ${name}`,
        epoch: e.epoch,
        value: num(v),
      })),
    ),
  );
}

/**
 * The task-weight rows of one run, one per recorded step and task: `{ strategy, ...extra, task, step, weight }`
 * from the run's `steps` (or else its conflict summary's step history) — the data of the report's "Task
 * weights over time" chart. `extra` tags every row.
 *
 * @example
 * ```ts
 * import { stepWeightRows, type RunRecord } from '@multitask/eval';
 *
 * const run: RunRecord = {
 *   strategy: 'mgda',
 *   tasks: ['digit', 'parity'],
 *   epochs: [{ epoch: 0, trainLosses: { digit: 0.9, parity: 0.4 }, validation: { digit: { accuracy: 0.8 } }, seconds: 1 }],
 *   steps: [{ step: 9, epoch: 0, losses: { digit: 0.8, parity: 0.4 }, weights: { digit: 0.6, parity: 0.4 }, totalLoss: 1.2 }],
 *   finalMetrics: { digit: { accuracy: 0.8 } },
 * };
 * const rows = stepWeightRows(run, { seed: '2' }); // [{ strategy, seed: '2', task, step, weight }, …]
 * ```
 */
export function stepWeightRows(run: RunRecord, extra: Readonly<Record<string, string>> = {}): ChartRow[] {
  return stepsOf(run).flatMap((s) =>
    Object.entries(s.weights ?? {}).map(([task, v]) => ({
      strategy: run.strategy,
      ...extra,
      task,
      step: s.step,
      weight: num(v),
    })),
  );
}

function lineFacet(
  values: Row[],
  x: string,
  y: string,
  color: string,
  facet: string,
  xTitle: string,
  yTitle: string,
): TopLevelSpec {
  return {
    $schema: SCHEMA,
    data: { values },
    facet: { field: facet, type: 'nominal', title: null, sort: null },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDTH,
      height: HEIGHT,
      mark: { type: 'line', point: values.length <= 200, strokeWidth: 1.5 },
      encoding: {
        x: { field: x, type: 'quantitative', title: xTitle, axis: { format: 'd', tickMinStep: 1 } },
        y: { field: y, type: 'quantitative', title: yTitle, scale: { zero: false } },
        color: { field: color, type: 'nominal', title: color },
      },
    },
  };
}

/**
 * The vega-lite specifications of a report's plots, for the runs' available data: Δm% per strategy, per-task
 * training loss per epoch, validation metrics per epoch, per-step losses, task weights over steps, the
 * pairwise gradient-cosine heatmap (with conflict rates) and the cosine over steps. Charts without data are
 * left out.
 *
 * @example
 * ```ts
 * import { reportCharts, summarizeExperiment, type ExperimentReport } from '@multitask/eval';
 *
 * const report: ExperimentReport = {
 *   title: 'digit + parity',
 *   runs: [
 *     { strategy: 'equal', tasks: ['digit', 'parity'], epochs: [], finalMetrics: { digit: { accuracy: 0.97 }, parity: { accuracy: 0.93 } } },
 *     { strategy: 'mgda', tasks: ['digit', 'parity'], epochs: [], finalMetrics: { digit: { accuracy: 0.975 }, parity: { accuracy: 0.95 } } },
 *   ],
 *   baselines: { digit: { accuracy: 0.97 }, parity: { accuracy: 0.92 } },
 * };
 * for (const chart of reportCharts(report.runs, summarizeExperiment(report))) console.log(chart.title);
 * ```
 */
export function reportCharts(runs: readonly RunRecord[], summary: ExperimentSummary): ReportChart[] {
  const charts: ReportChart[] = [];

  const dm: Row[] = summary.strategies.flatMap((s) =>
    s.deltaM === undefined ? [] : [{ strategy: s.strategy, 'Δm%': num(s.deltaM) }],
  );
  if (dm.length > 0) {
    charts.push({
      title: 'Δm% by strategy',
      caption: 'Mean per-task relative improvement over the single-task baselines (positive = better).',
      spec: {
        $schema: SCHEMA,
        data: { values: dm },
        width: Math.max(WIDTH, 60 * dm.length),
        height: HEIGHT,
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'strategy', type: 'nominal', sort: null, axis: { labelAngle: 0 } },
          y: { field: 'Δm%', type: 'quantitative' },
          color: { condition: { test: 'datum["Δm%"] >= 0', value: '#2b8a3e' }, value: '#c92a2a' },
        },
      },
    });
  }

  const loss: Row[] = runs.flatMap((r) => epochLossRows(r));
  if (loss.length > 0) {
    charts.push({
      title: 'Training loss per epoch',
      caption: 'Mean training loss of each task over each epoch, one panel per task.',
      spec: lineFacet(loss, 'epoch', 'loss', 'strategy', 'task', 'epoch', 'loss'),
    });
  }

  const metric: Row[] = runs.flatMap((r) => validationRows(r));
  if (metric.length > 0) {
    charts.push({
      title: 'Validation metrics per epoch',
      caption: 'Each task metric on the validation data after each epoch, one panel per task and metric.',
      spec: lineFacet(metric, 'epoch', 'value', 'strategy', 'series', 'epoch', 'value'),
    });
  }

  const stepLoss: Row[] = runs.flatMap((r) =>
    stepsOf(r).flatMap((s) =>
      Object.entries(s.losses).map(([task, v]) => ({
        strategy: r.strategy,
        task,
        step: s.step,
        loss: num(v),
      })),
    ),
  );
  if (stepLoss.length > 0) {
    charts.push({
      title: 'Training loss per step',
      caption: 'Per-task loss of each optimizer step (thinned evenly for long runs), one panel per strategy.',
      spec: lineFacet(stepLoss, 'step', 'loss', 'task', 'strategy', 'step', 'loss'),
    });
  }

  const weights: Row[] = runs.flatMap((r) => stepWeightRows(r));
  if (weights.length > 0) {
    charts.push({
      title: 'Task weights over time',
      caption: 'The weight each strategy gave each task at each step, one panel per strategy.',
      spec: lineFacet(weights, 'step', 'weight', 'task', 'strategy', 'step', 'weight'),
    });
  }

  const cells: Row[] = runs.flatMap((r) => {
    const c = r.conflicts;
    if (c === undefined || c.events === 0) return [];
    return c.tasks.flatMap((a, i) =>
      c.tasks.map((b, j) => ({
        strategy: r.strategy,
        row: a,
        column: b,
        cosine: num(c.cosine[i]![j]!),
        conflict: num(c.conflictRate[i]![j]!),
        label:
          i === j
            ? ''
            : `${Number.isFinite(c.cosine[i]![j]!) ? c.cosine[i]![j]!.toFixed(2) : '—'} (${Math.round(100 * (c.conflictRate[i]![j]! || 0))}%)`,
      })),
    );
  });
  if (cells.length > 0) {
    charts.push({
      title: 'Gradient conflict matrix',
      caption:
        'Mean cosine similarity of the per-task gradients (blue = aligned, red = conflicting); in brackets the share of recorded steps where the pair conflicted (cosine < 0).',
      spec: {
        $schema: SCHEMA,
        data: { values: cells },
        facet: { field: 'strategy', type: 'nominal', title: null, sort: null },
        columns: 3,
        spec: {
          width: 220,
          height: 220,
          encoding: {
            x: { field: 'column', type: 'nominal', sort: null, title: null, axis: { labelAngle: 0 } },
            y: { field: 'row', type: 'nominal', sort: null, title: null },
          },
          layer: [
            {
              mark: { type: 'rect' },
              encoding: {
                color: {
                  field: 'cosine',
                  type: 'quantitative',
                  scale: { domain: [-1, 1], scheme: 'redblue' },
                  title: 'cosine',
                },
              },
            },
            {
              mark: { type: 'text', fontSize: 12 },
              encoding: { text: { field: 'label', type: 'nominal' }, color: { value: 'black' } },
            },
          ],
        },
      },
    });
  }

  const cosines: Row[] = runs.flatMap((r) =>
    (r.conflicts?.gradientHistory ?? []).flatMap((g) =>
      g.tasks.flatMap((a, i) =>
        g.tasks.flatMap((b, j) =>
          j <= i
            ? []
            : [{ strategy: r.strategy, pair: `${a} ↔ ${b}`, step: g.step, cosine: num(g.cosine[i]![j]!) }],
        ),
      ),
    ),
  );
  if (cosines.length > 0) {
    charts.push({
      title: 'Gradient cosine over time',
      caption:
        'Cosine similarity of each pair of task gradients at each recorded step; below 0 the tasks conflict.',
      spec: lineFacet(cosines, 'step', 'cosine', 'pair', 'strategy', 'step', 'cosine'),
    });
  }
  return charts;
}
