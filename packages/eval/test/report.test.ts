import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { reportCharts, reportHtml, reportJson, reportMarkdown, summarizeExperiment } from '../src/index.ts';
import { syntheticReport } from './fixtures.ts';

// Δm of the synthetic runs against the baselines (digit accuracy ↑ 0.92; depth mse ↓ 0.45, mae ↓ 0.50):
// equal:  digit (0.90 − 0.92)/0.92 = −2.1739 % ; depth mse −(0.50 − 0.45)/0.45 = −11.111 %, mae −(0.55 − 0.5)/0.5 = −10 %
//         depth mean −10.5556 ; Δm = (−2.1739 − 10.5556)/2 = −6.3647 ; flat = (2.1739 + 11.111 + 10)/3 = +7.7617
// pcgrad: digit +1.0870 ; depth mse +11.111, mae 0 → 5.5556 ; Δm = 3.3213 ; flat = −(1.0870 + 11.111 + 0)/3 = −4.0660
const EQUAL_DM = (-2 / 0.92 + ((-(0.05 / 0.45) - 0.1) / 2) * 100) / 2;
const PCGRAD_DM = (1 / 0.92 + ((0.05 / 0.45) * 100 + 0) / 2) / 2;

describe('reports', () => {
  test('summary: Δm per strategy and the best one', () => {
    const s = summarizeExperiment(syntheticReport());
    expect(s.strategies[0]!.deltaM).toBeCloseTo(EQUAL_DM, 8);
    expect(s.strategies[0]!.deltaM).toBeCloseTo(-6.3647, 3);
    expect(s.strategies[1]!.deltaM).toBeCloseTo(PCGRAD_DM, 8);
    expect(s.strategies[1]!.deltaM).toBeCloseTo(3.3213, 3);
    expect(s.strategies[0]!.flatDeltaM).toBeCloseTo(7.7617, 3);
    expect(s.strategies[1]!.flatDeltaM).toBeCloseTo(-4.066, 3);
    expect(s.best).toBe('pcgrad');
    expect(s.columns.map((c) => `${c.task}.${c.metric}${c.higherIsBetter ? '↑' : '↓'}`)).toEqual([
      'digit.accuracy↑',
      'depth.mse↓',
      'depth.mae↓',
    ]);
  });

  test('markdown table', () => {
    const md = reportMarkdown(syntheticReport());
    expect(md).toContain('| strategy | digit accuracy ↑ | depth mse ↓ | depth mae ↓ | Δm% ↑ | flat Δm% ↓ |');
    expect(md).toContain('| single-task baseline | 0.92 | 0.45 | 0.5 | 0.00 | 0.00 |');
    expect(md).toContain('| equal | 0.9 | 0.5 | 0.55 | -6.36 | +7.76 |');
    expect(md).toContain('| pcgrad (best) | 0.93 | 0.4 | 0.5 | +3.32 | -4.07 |');
    expect(md).toMatch(/### equal \(12 Gramians, mode parameters\)/);
    expect(md).toMatch(/\| digit ↔ depth \| -?[\d.]+ \| [\d.]+° \| [\d.]+ % \| 4 \|/);
  });

  test('standard deviations show as value ± std', () => {
    const report = syntheticReport();
    const md = reportMarkdown({
      ...report,
      runs: [{ ...report.runs[0]!, finalMetricsStd: { digit: { accuracy: 0.012 } } }],
    });
    expect(md).toContain('| equal (best) | 0.9 ± 0.012 | 0.5 | 0.55 |'); // the only run, so the best
  });

  test('json round-trips, NaN as null', () => {
    const report = syntheticReport();
    const parsed = JSON.parse(
      reportJson({ ...report, runs: [{ ...report.runs[0]!, finalMetrics: { digit: { accuracy: NaN } } }] }),
    );
    expect(parsed.report.runs[0].finalMetrics.digit.accuracy).toBeNull();
    expect(parsed.summary.strategies[0].deltaMError).toMatch(/finite/);
    expect(JSON.parse(reportJson(report)).summary.best).toBe('pcgrad');
  });

  test('html: self-contained, escaped, one inline SVG per chart', async () => {
    const report = syntheticReport();
    const charts = reportCharts(report.runs, summarizeExperiment(report));
    expect(charts.map((c) => c.title)).toEqual([
      'Δm% by strategy',
      'Training loss per epoch',
      'Validation metrics per epoch',
      'Training loss per step',
      'Task weights over time',
      'Gradient conflict matrix',
      'Gradient cosine over time',
    ]);
    const html = await reportHtml(report);
    expect(html.match(/<svg[\s>]/g)).toHaveLength(charts.length);
    expect(html).toContain('Synthetic &lt;digit &amp; depth&gt; report');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  // Recorded at 5f3de70, before the HTML building blocks were exported for other pages: the report pages must
  // stay byte-identical.
  test('html, markdown and json bytes are pinned', async () => {
    const base = syntheticReport();
    const report = {
      ...base,
      runs: [
        { ...base.runs[0]!, notes: 'first <run> & "notes"' },
        { ...base.runs[1]!, finalMetricsStd: { digit: { accuracy: 0.01 } } },
      ],
    };
    // vega numbers its SVG gradients with a process-wide counter (`gradient_0`, `gradient_1`…), so a page's ids
    // depend on what rendered before it: hash them as one placeholder.
    const sha = (text: string): string =>
      createHash('sha256')
        .update(text.replace(/gradient_\d+/g, 'gradient_N'), 'utf8')
        .digest('hex');
    const html = await reportHtml(report);
    expect(html).toContain('<strong>equal</strong>: first &lt;run&gt; &amp; &quot;notes&quot;');
    expect(sha(html)).toBe('6c46149a5eb8b512dcc220f8b58688e80f8d7fb000bc8847c9b529e3ccc7f9e4');
    expect(sha(reportMarkdown(report))).toBe(
      '70bddbdac22c894f30d072541448ca27dda25e8c76c51eccdbe2b7f610795a92',
    );
    expect(sha(reportJson(report))).toBe('ec7921d7e37ea1e261bd68cbff4cb58cbea970234c82ed3fff13f2d02f73e1b4');
  });
});
