/**
 * A streaming CSV reader (RFC 4180 quoting, CRLF or LF) producing typed raw tables.
 */
import { MultitaskError } from '@multitask/core';
import { cellError, rawTableBuilder, type RawTable, type TableSchema } from './tabular.ts';

/** Text given all at once, or as chunks (e.g. a decoded file stream); chunk borders may fall anywhere. */
export type TextInput = string | Iterable<string> | AsyncIterable<string>;

/** Options of {@link readCsv}. */
export interface CsvOptions {
  /** Columns to read and their types and roles. */
  readonly schema: TableSchema;
  /** File name for error messages (default `"CSV"`). */
  readonly file?: string;
  /** Field delimiter (default `,`). */
  readonly delimiter?: string;
  /** The first record names the columns (default true). */
  readonly header?: boolean;
  /** Column names when there is no header (one per field). */
  readonly columns?: readonly string[];
}

/** One CSV record and the line it starts on. */
export interface CsvRecord {
  /** 1-based line number of the record's first character. */
  readonly line: number;
  /** The fields, unquoted. */
  readonly fields: readonly string[];
}

interface Quoted {
  readonly fields: string[];
  /** Index just after the record (after its line break, or the end of the text). */
  readonly next: number;
  /** Line breaks consumed, including the one ending the record. */
  readonly lines: number;
}

/**
 * Parses one record with quotes starting at `start`. Returns undefined when the text ends inside the record
 * and more may follow (`final` false), or when a quote is never closed (`final` true; the caller reports it).
 */
function parseQuoted(text: string, start: number, delimiter: string, final: boolean): Quoted | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStart = true;
  let lines = 0;
  let i = start;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') {
        if (ch === '\n') lines++;
        field += ch;
      } else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (i + 1 >= text.length && !final) {
        return undefined; // the next chunk may start with the second quote of a doubled quote
      } else {
        quoted = false;
      }
      continue;
    }
    if (ch === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
    } else if (ch === delimiter) {
      fields.push(field);
      field = '';
      fieldStart = true;
    } else if (ch === '\n') {
      fields.push(field);
      return { fields, next: i + 1, lines: lines + 1 };
    } else if (ch !== '\r') {
      field += ch;
      fieldStart = false;
    }
  }
  if (quoted || !final) return undefined;
  fields.push(field);
  return { fields, next: i, lines };
}

/**
 * Splits CSV text into records, chunk by chunk. Quoted fields may hold delimiters, quotes (`""`) and line
 * breaks. Blank lines are skipped. An unterminated quote is `INVALID_DATA` with the line of its record.
 * Lines without quotes take a fast path (a plain split).
 *
 * @example
 * ```ts
 * import { csvRecords } from '@multitask/data';
 *
 * for await (const { line, fields } of csvRecords('a,b\n1,"x,y"\n')) console.log(line, fields); // 1 [a, b], then 2 [1, "x,y"]
 * ```
 */
export async function* csvRecords(
  input: TextInput,
  file = 'CSV',
  delimiter = ',',
): AsyncGenerator<CsvRecord> {
  const chunks = typeof input === 'string' ? [input] : input;
  const iterator = (async function* (): AsyncGenerator<string> {
    for await (const c of chunks) yield c;
  })();
  let buf = '';
  let pos = 0;
  let line = 1;
  const state = { eof: false };
  // read through a call: the flag changes inside more()
  const atEnd = (): boolean => state.eof;
  const more = async (): Promise<void> => {
    buf = buf.slice(pos);
    pos = 0;
    const r = await iterator.next();
    if (r.done === true) state.eof = true;
    else buf += r.value;
  };
  for (;;) {
    let nl = buf.indexOf('\n', pos);
    while (nl < 0 && !atEnd()) {
      await more();
      nl = buf.indexOf('\n', pos);
    }
    if (pos >= buf.length && atEnd()) return;
    const end = nl < 0 ? buf.length : nl;
    const quote = buf.indexOf('"', pos);
    if (quote < 0 || quote > end) {
      let text = buf.slice(pos, end);
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (text.length > 0) yield { line, fields: text.split(delimiter) };
      line++;
      pos = end + 1;
      continue;
    }
    const r = parseQuoted(buf, pos, delimiter, atEnd());
    if (!r) {
      if (atEnd()) {
        throw new MultitaskError(
          'INVALID_DATA',
          `[@multitask/data] ${file}, line ${line}: a quoted field is never closed — the file is truncated or has a stray quote.`,
          { details: { file, line } },
        );
      }
      await more();
      continue;
    }
    yield { line, fields: r.fields };
    line += r.lines;
    pos = r.next;
  }
}

/**
 * Reads CSV text into a typed {@link RawTable}, streaming record by record. Errors are `INVALID_DATA` with
 * file, line and column: a wrong field count, a non-number in a number column, a schema column missing from
 * the header. On error nothing is returned (no half-loaded table).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { fitEncoder, readCsv } from '@multitask/data';
 *
 * const text = 'x1,city,label,score\n0.5,Oslo,yes,1.5\n1.5,Rome,no,\n2.5,Oslo,no,0.2\n';
 * const raw = await readCsv(text, {
 *   file: 'data.csv',
 *   schema: {
 *     x1: { type: 'number' },
 *     city: { type: 'category' },
 *     label: { type: 'category', role: 'target' },
 *     score: { type: 'number', role: 'target' }, // an empty cell is a missing label (mask 0)
 *   },
 * });
 * const encoder = fitEncoder(raw);
 * const table = encoder.encode(raw);
 * console.log(table.size); // 3
 * ```
 */
export async function readCsv(input: TextInput, options: CsvOptions): Promise<RawTable> {
  const file = options.file ?? 'CSV';
  const builder = rawTableBuilder(options.schema, file);
  let names: readonly string[] | undefined = options.header === false ? options.columns : undefined;
  if (options.header === false && !names) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/data] ${file}: header is false, so give columns (one name per field).`,
      {
        details: { option: 'columns', file },
      },
    );
  }
  let position: number[] = [];
  const bind = (header: readonly string[], line: number): void => {
    const index = new Map<string, number>();
    header.forEach((h, k) => {
      const name = h.trim();
      const first = index.get(name);
      if (first !== undefined) {
        throw cellError(
          file,
          line,
          name,
          `the header names this column twice (fields ${first + 1} and ${k + 1}) — rename one of them.`,
        );
      }
      index.set(name, k);
    });
    position = Object.keys(options.schema).map((n) => {
      const k = index.get(n);
      if (k === undefined)
        throw cellError(
          file,
          line,
          n,
          `the schema column is not in the header (${header.map((h) => h.trim()).join(', ')}).`,
        );
      return k;
    });
  };
  if (names) bind(names, 1);
  for await (const record of csvRecords(input, file, options.delimiter ?? ',')) {
    if (!names) {
      names = record.fields;
      bind(names, record.line);
      continue;
    }
    const { fields, line } = record;
    if (fields.length !== names.length) {
      const column = fields.length < names.length ? names[fields.length]!.trim() : `#${names.length + 1}`;
      throw cellError(
        file,
        line,
        column,
        `${fields.length} fields, the header has ${names.length} — a missing or extra delimiter?`,
      );
    }
    builder.add(line, (_column, j) => fields[position[j]!]);
  }
  return builder.finish();
}
