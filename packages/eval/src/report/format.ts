/**
 * Formats a number for report tables: `digits` significant digits (default 4) without trailing zeros,
 * exponential notation below 1e-3 and from 1e5 on, `∞`/`−∞`, and `—` for a missing value or NaN.
 *
 * @example
 * ```ts
 * import { formatNumber } from '@multitask/eval';
 *
 * console.log(formatNumber(0.912345), formatNumber(123456), formatNumber(undefined)); // 0.9123 1.235e+5 —
 * ```
 */
export function formatNumber(x: number | undefined | null, digits = 4): string {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toString();
}

/**
 * Formats a signed percentage such as Δm% with two decimals and an explicit `+` on positive values
 * (`+1.23`, `-0.50`, `0.00`), and `—` for a missing value or NaN.
 *
 * @example
 * ```ts
 * import { formatSigned } from '@multitask/eval';
 *
 * console.log(formatSigned(1.234), formatSigned(-0.5), formatSigned(null)); // +1.23 -0.50 —
 * ```
 */
export function formatSigned(x: number | undefined | null): string {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  return `${x > 0 ? '+' : ''}${x.toFixed(2)}`;
}

/**
 * Escapes text for HTML element content and quoted attribute values: `&`, `<`, `>`, `"` and `'`.
 *
 * @example
 * ```ts
 * import { escapeHtml } from '@multitask/eval';
 *
 * console.log(escapeHtml('a < b & "c"')); // a &lt; b &amp; &quot;c&quot;
 * ```
 */
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

/**
 * Pretty-printed JSON text (two-space indent) in which NaN and ±Infinity become `null`, as in the JSON reports.
 *
 * @example
 * ```ts
 * import { toJsonText } from '@multitask/eval';
 *
 * console.log(toJsonText({ loss: NaN })); // {\n  "loss": null\n}
 * ```
 */
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
