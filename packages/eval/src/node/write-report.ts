import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MultitaskError } from '@multitask/core';
import { reportHtml } from '../report/html.ts';
import { reportJson } from '../report/json.ts';
import { reportMarkdown } from '../report/markdown.ts';
import type { ExperimentReport } from '../report/types.ts';

/** The files {@link writeReport} wrote. */
export interface WrittenReport {
  /** Path of `report.json`. */
  readonly json: string;
  /** Path of `report.md`. */
  readonly markdown: string;
  /** Path of `report.html` (self-contained: open it in any browser). */
  readonly html: string;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, path);
}

/**
 * Writes a report into `dir` (created if missing): `report.json` ({@link reportJson}), `report.md`
 * ({@link reportMarkdown}) and `report.html` ({@link reportHtml}). Each file is written to a temporary name and
 * renamed into place. Throws `IO_ERROR` naming the directory when writing fails.
 *
 * @example
 * ```ts
 * import { writeReport } from '@multitask/eval/node';
 *
 * const files = await writeReport('out/report', {
 *   title: 'digit + parity',
 *   runs: [{ strategy: 'equal', tasks: ['digit', 'parity'], epochs: [], finalMetrics: { digit: { accuracy: 0.97 }, parity: { accuracy: 0.93 } } }],
 * });
 * console.log(`open ${files.html}`);
 * ```
 */
export async function writeReport(dir: string, report: ExperimentReport): Promise<WrittenReport> {
  const files: WrittenReport = {
    json: join(dir, 'report.json'),
    markdown: join(dir, 'report.md'),
    html: join(dir, 'report.html'),
  };
  const html = await reportHtml(report);
  try {
    await mkdir(dir, { recursive: true });
    await writeAtomic(files.json, reportJson(report));
    await writeAtomic(files.markdown, reportMarkdown(report));
    await writeAtomic(files.html, html);
  } catch (e) {
    throw new MultitaskError(
      'IO_ERROR',
      `[@multitask/eval] Could not write the report into "${dir}" — check the path and its permissions.`,
      {
        cause: e,
        details: { dir },
      },
    );
  }
  return files;
}
