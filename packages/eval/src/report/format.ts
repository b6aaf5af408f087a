/** Formats a number for tables: 4 significant digits, `—` for missing/NaN (internal). */
export function formatNumber(x: number | undefined, digits = 4): string {
  if (x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toString();
}

/** Formats a signed percentage, e.g. `+1.23`. */
export function formatSigned(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '—';
  return `${x > 0 ? '+' : ''}${x.toFixed(2)}`;
}

/** Escapes text for HTML. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Escapes a Markdown table cell. */
export function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** JSON text where NaN and ±Infinity become `null`. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  );
}

/** Formats a metric cell: `value` or `value ± std`. */
export function formatMetric(value: number | undefined, std: number | undefined): string {
  const v = formatNumber(value);
  return std === undefined || Number.isNaN(std) ? v : `${v} ± ${formatNumber(std, 2)}`;
}
