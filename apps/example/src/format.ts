/** Human-readable text of a result. */
import type { ExperimentResult } from './experiment.ts';

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

/** A table of test metrics per task, plus weights and strategy facts. */
export function formatResult(r: ExperimentResult): string {
  const tasks = Object.keys(r.test);
  const columns = [...new Set(tasks.flatMap((t) => Object.keys(r.test[t]!)))];
  const rows = tasks.map((t) => [
    t,
    ...columns.map((c) => (r.test[t]![c] === undefined ? '' : fmt(r.test[t]![c]))),
  ]);
  const header = ['task', ...columns];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    '',
    `test metrics (${r.epochs} epochs, ${r.steps} steps, ${r.seconds.toFixed(1)} s, backend ${r.backend.name}${r.gradientMode ? `, gradients w.r.t. ${r.gradientMode}` : ''}):`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  if (r.weights)
    out.push(
      '',
      `task weights: ${Object.entries(r.weights)
        .map(([t, w]) => `${t} ${fmt(w)}`)
        .join('  ')}`,
    );
  if (r.strategyInfo) out.push(`strategy: ${JSON.stringify(r.strategyInfo)}`);
  return out.join('\n');
}
