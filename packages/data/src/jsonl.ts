/**
 * A streaming JSON Lines reader: one JSON object per line, fields read by a column schema.
 */
import { MultitaskError } from '@multitask/core';
import type { TextInput } from './csv.ts';
import { rawTableBuilder, type RawTable, type TableSchema } from './tabular.ts';

/** Options of {@link readJsonl}. */
export interface JsonlOptions {
  /** Fields to read and their types and roles; an absent field or `null` is missing. */
  readonly schema: TableSchema;
  /** File name for error messages (default `"JSONL"`). */
  readonly file?: string;
}

async function* linesOf(input: TextInput): AsyncGenerator<{ line: number; text: string }> {
  let rest = '';
  let line = 1;
  const chunks = typeof input === 'string' ? [input] : input;
  for await (const chunk of chunks) {
    let start = 0;
    let nl = chunk.indexOf('\n');
    while (nl >= 0) {
      yield { line: line++, text: rest + chunk.slice(start, nl) };
      rest = '';
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    rest += chunk.slice(start);
  }
  if (rest.length > 0) yield { line, text: rest };
}

/**
 * Reads JSON Lines into a typed {@link RawTable}. Blank lines are skipped; a line that is not a JSON object,
 * or a field of the wrong type, is `INVALID_DATA` with file, line (and column).
 *
 * @example
 * ```ts
 * import { readJsonl } from '@multitask/data';
 *
 * const raw = await readJsonl('{"x": 1, "y": "a"}\n{"x": 2, "y": null}\n', {
 *   schema: { x: { type: 'number' }, y: { type: 'category', role: 'target' } },
 * }); // y of row 2 is a missing label
 * console.log(raw.size); // 2
 * ```
 */
export async function readJsonl(input: TextInput, options: JsonlOptions): Promise<RawTable> {
  const file = options.file ?? 'JSONL';
  const builder = rawTableBuilder(options.schema, file);
  for await (const { line, text } of linesOf(input)) {
    const trimmed = text.trim();
    if (trimmed === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (e) {
      throw new MultitaskError(
        'INVALID_DATA',
        `[@multitask/data] ${file}, line ${line}: not valid JSON (${(e as Error).message}).`,
        {
          cause: e,
          details: { file, line },
        },
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new MultitaskError(
        'INVALID_DATA',
        `[@multitask/data] ${file}, line ${line}: expected a JSON object per line.`,
        {
          details: { file, line },
        },
      );
    }
    const record = value as Record<string, unknown>;
    builder.add(line, (column) => record[column]);
  }
  return builder.finish();
}
