/**
 * `multitask export-data`: writes the exact arrays an experiment config trains and tests on (after the app's own
 * loading, splitting and task selection) as NumPy `.npy` files plus a `manifest.json`, so that another framework
 * (e.g. the PyTorch reference in `bench/reference/`) can train on the same data.
 *
 * Layout of the output directory (written atomically: built under a temporary name, then renamed into place):
 *
 * - `manifest.json` — `{ format: "multitask-export/1", config, tasks, inputShape, splits, notes }` (`config`: the
 *   name, file, data set, backbone, optimizer and training recipe; `tasks`: name, type, options); each split
 *   (`train`, `test`, and `validation` when the data set has one) lists its row count and, per array, the file,
 *   `dtype` (`float32` or `int32`) and `shape`.
 * - `<split>-inputs.npy` — the inputs (`[rows, …inputShape]`, as the backbone receives them); named inputs are
 *   `<split>-inputs-<j>.npy` listed under `namedInputs`.
 * - `<split>-targets-<i>.npy`, `<split>-masks-<i>.npy` — task `i`'s targets (class indices int32 `[rows]`,
 *   regression values float32 `[rows, d]` or `[rows]`) and float32 masks (1 = labelled, 0 = missing; all ones
 *   when the source gives no mask), `i` the task's index in the config.
 *
 * Rows are in the source's own order (no shuffling). Every `.npy` is version 1.0, little-endian, C order, and
 * loads with `numpy.load` alone.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Tensor } from '@tensorflow/tfjs-core';
import { selectBackend } from '@multitask/backend';
import {
  disposeBatch,
  isTensorLike,
  MultitaskError,
  type Batch,
  type DataSource,
  type JsonValue,
} from '@multitask/core';
import { loadConfig, type ExperimentConfig } from './config.ts';
import { datasets } from './registries.ts';
import { onlyTasks } from './task-subset.ts';

/** The `format` field of every export manifest. */
export const EXPORT_FORMAT = 'multitask-export/1';

/** Element types an export writes. */
export type ExportDtype = 'float32' | 'int32';

/** One array of an export: its file (relative to the export directory), element type and shape. */
export interface ExportArray {
  readonly file: string;
  readonly dtype: ExportDtype;
  readonly shape: readonly number[];
}

/** One split of an export. */
export interface ExportSplit {
  /** Number of rows. */
  readonly rows: number;
  /** The inputs, when the source yields one tensor per batch. */
  readonly inputs?: ExportArray;
  /** The inputs by name, when the source yields named tensors. */
  readonly namedInputs?: Readonly<Record<string, ExportArray>>;
  /** Targets by task name. */
  readonly targets: Readonly<Record<string, ExportArray>>;
  /** Masks by task name (float32 `[rows]`, 1 = labelled). */
  readonly masks: Readonly<Record<string, ExportArray>>;
}

/** The `manifest.json` of an export. */
export interface ExportManifest {
  readonly format: typeof EXPORT_FORMAT;
  /** The config the arrays were made for (name, file, data set) and its training recipe. */
  readonly config: {
    readonly name: string;
    readonly file?: string;
    readonly dataset: { readonly name: string; readonly options: { readonly [key: string]: JsonValue } };
    readonly backbone: { readonly type: string; readonly options: { readonly [key: string]: JsonValue } };
    readonly optimizer: { readonly name: string; readonly learningRate: number };
    readonly training: { readonly epochs: number; readonly batchSize: number; readonly seed: number };
  };
  /** The tasks in config order (the `i` of `targets-<i>` files), with their config options (e.g. `numClasses`). */
  readonly tasks: readonly {
    readonly name: string;
    readonly type: string;
    readonly options: { readonly [key: string]: JsonValue };
  }[];
  /** Shape of one input row. */
  readonly inputShape: readonly number[];
  readonly splits: Readonly<Record<string, ExportSplit>>;
  /** The data set's notes (e.g. scales of regression targets). */
  readonly notes?: Readonly<Record<string, JsonValue>>;
}

/** Options of {@link exportData}. */
export interface ExportDataOptions {
  /** The config file name, recorded in the manifest. */
  readonly configFile?: string;
  /** Rows per read while streaming (default 1000; does not change the output). */
  readonly chunkRows?: number;
}

/** Bytes reserved for every `.npy` header (magic, version, length and the padded dict): a multiple of 64. */
const HEADER_BYTES = 128;

function npyHeader(dtype: ExportDtype, shape: readonly number[]): Buffer {
  const descr = dtype === 'float32' ? '<f4' : '<i4';
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const room = HEADER_BYTES - 10;
  if (dict.length + 1 > room) {
    throw new MultitaskError(
      'INTERNAL',
      `[multitask] export-data: shape ${dims} does not fit a .npy header.`,
    );
  }
  const out = Buffer.alloc(HEADER_BYTES, 0x20);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(room, 8);
  out.write(dict, 10, 'latin1');
  out[HEADER_BYTES - 1] = 0x0a;
  return out;
}

/** A `.npy` file written row block by row block; the header (with the final row count) is written on close. */
class NpyWriter {
  readonly #fd: number;
  readonly #dtype: ExportDtype;
  #rowShape: readonly number[] | undefined;
  #rows = 0;

  constructor(path: string, dtype: ExportDtype) {
    this.#dtype = dtype;
    this.#fd = openSync(path, 'w');
    writeSync(this.#fd, Buffer.alloc(HEADER_BYTES, 0x20));
  }

  get dtype(): ExportDtype {
    return this.#dtype;
  }

  append(values: Float32Array | Int32Array, shape: readonly number[], what: string): void {
    const rowShape = shape.slice(1);
    if (this.#rowShape === undefined) this.#rowShape = rowShape;
    else if (rowShape.length !== this.#rowShape.length || rowShape.some((d, i) => d !== this.#rowShape![i])) {
      throw new MultitaskError(
        'SHAPE_MISMATCH',
        `[multitask] export-data: ${what} has rows of shape [${rowShape.join(', ')}] in one batch and ` +
          `[${this.#rowShape.join(', ')}] in an earlier one — an export needs one row shape per array.`,
        { details: { actual: [...shape] } },
      );
    }
    // Typed arrays are little-endian on every platform Node supports (x64, arm64).
    writeSync(this.#fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.#rows += shape[0] ?? 0;
  }

  /** Writes the header and closes; returns the array's full shape. */
  close(): number[] {
    const shape = [this.#rows, ...(this.#rowShape ?? [])];
    writeSync(this.#fd, npyHeader(this.#dtype, shape), 0, HEADER_BYTES, 0);
    closeSync(this.#fd);
    return shape;
  }

  abort(): void {
    try {
      closeSync(this.#fd);
    } catch {
      // already closed
    }
  }
}

function dtypeOf(t: Tensor, what: string): ExportDtype {
  if (t.dtype === 'float32' || t.dtype === 'int32') return t.dtype;
  if (t.dtype === 'bool') return 'int32';
  throw new MultitaskError(
    'INVALID_DATA',
    `[multitask] export-data: ${what} has dtype ${t.dtype}; an export holds float32 and int32 arrays only.`,
    { details: { dtype: t.dtype } },
  );
}

async function valuesOf(t: Tensor, dtype: ExportDtype): Promise<Float32Array | Int32Array> {
  const data = await t.data();
  if (dtype === 'float32')
    return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  return data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>);
}

/** Streams one split of `source` into `dir`; returns its manifest entry. */
async function exportSplit(
  split: string,
  source: DataSource,
  taskNames: readonly string[],
  dir: string,
  chunkRows: number,
): Promise<ExportSplit> {
  const writers = new Map<string, NpyWriter>();
  const files = new Map<string, string>();
  const writer = (key: string, file: string, dtype: ExportDtype): NpyWriter => {
    let w = writers.get(key);
    if (w === undefined) {
      w = new NpyWriter(join(dir, file), dtype);
      writers.set(key, w);
      files.set(key, file);
    }
    return w;
  };
  let inputNames: string[] | undefined;
  let named = false;
  let rows = 0;
  try {
    for await (const step of source.batches({ batchSize: chunkRows, shuffle: false, seed: 1 })) {
      if (Array.isArray(step)) {
        for (const b of step as readonly Batch[]) disposeBatch(b);
        throw new MultitaskError(
          'INVALID_DATA',
          `[multitask] export-data: the ${split} source "${source.name ?? split}" yields one batch per task ` +
            '(per-task loaders); an export needs joint batches (one input row labelled for every task).',
          { details: { split } },
        );
      }
      const batch = step as Batch;
      try {
        const inputs = batch.inputs;
        const n = (isTensorLike(inputs) ? inputs : Object.values(inputs)[0])?.shape[0] ?? 0;
        if (isTensorLike(inputs)) {
          const what = `the ${split} inputs`;
          const w = writer('inputs', `${split}-inputs.npy`, dtypeOf(inputs, what));
          w.append(await valuesOf(inputs, w.dtype), inputs.shape, what);
        } else {
          named = true;
          inputNames ??= Object.keys(inputs);
          for (const [j, name] of inputNames.entries()) {
            const t = inputs[name];
            if (t === undefined) {
              throw new MultitaskError(
                'INVALID_DATA',
                `[multitask] export-data: a ${split} batch lacks input "${name}" that an earlier batch had.`,
                { details: { split, input: name } },
              );
            }
            const what = `the ${split} input "${name}"`;
            const w = writer(`input:${name}`, `${split}-inputs-${j}.npy`, dtypeOf(t, what));
            w.append(await valuesOf(t, w.dtype), t.shape, what);
          }
        }
        for (const [i, task] of taskNames.entries()) {
          const target = batch.targets[task];
          if (target === undefined) {
            throw new MultitaskError(
              'INVALID_DATA',
              `[multitask] export-data: a ${split} batch has no targets for task "${task}".`,
              { details: { split, task } },
            );
          }
          const what = `the ${split} targets of task "${task}"`;
          const tw = writer(`target:${task}`, `${split}-targets-${i}.npy`, dtypeOf(target, what));
          tw.append(await valuesOf(target, tw.dtype), target.shape, what);
          const mask = batch.masks?.[task];
          const mw = writer(`mask:${task}`, `${split}-masks-${i}.npy`, 'float32');
          if (mask === undefined)
            mw.append(new Float32Array(n).fill(1), [n], `the ${split} masks of "${task}"`);
          else mw.append(await valuesOf(mask, 'float32'), [n], `the ${split} masks of "${task}"`);
        }
        rows += n;
      } finally {
        disposeBatch(batch);
      }
    }
  } catch (e) {
    for (const w of writers.values()) w.abort();
    throw e;
  }
  const spec = (key: string): ExportArray => {
    const w = writers.get(key)!;
    return { file: files.get(key)!, dtype: w.dtype, shape: w.close() };
  };
  if (rows === 0) {
    throw new MultitaskError('NO_DATA', `[multitask] export-data: the ${split} split has no rows.`, {
      details: { split },
    });
  }
  return {
    rows,
    ...(named
      ? { namedInputs: Object.fromEntries((inputNames ?? []).map((name) => [name, spec(`input:${name}`)])) }
      : { inputs: spec('inputs') }),
    targets: Object.fromEntries(taskNames.map((t) => [t, spec(`target:${t}`)])),
    masks: Object.fromEntries(taskNames.map((t) => [t, spec(`mask:${t}`)])),
  };
}

function isExportDir(dir: string): boolean {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { format?: unknown };
    return m.format === EXPORT_FORMAT;
  } catch {
    return false;
  }
}

function ioError(message: string, path: string, cause?: unknown): MultitaskError {
  return new MultitaskError('IO_ERROR', `[multitask] export-data: ${message}`, {
    ...(cause !== undefined ? { cause } : {}),
    details: { file: path },
  });
}

/**
 * Writes the train / test (/ validation) arrays of `config` into `outDir` (see the module documentation for the
 * layout) and returns the manifest. `outDir` is replaced atomically when it holds an earlier export; any other
 * existing path is refused.
 *
 * @example
 * ```ts
 * const manifest = await exportData(loadConfig('configs/multi-mnist.json'), 'data/multi-mnist');
 * manifest.splits.train.rows; // 60000
 * ```
 */
export async function exportData(
  config: ExperimentConfig,
  outDir: string,
  options: ExportDataOptions = {},
): Promise<ExportManifest> {
  const out = resolve(outDir);
  if (existsSync(out) && !isExportDir(out)) {
    throw ioError(
      `${outDir} exists and is not an export directory (no manifest.json of format ${EXPORT_FORMAT}) — ` +
        'pass a new directory.',
      out,
    );
  }
  const chunkRows = options.chunkRows ?? 1000;
  const loadData = datasets.get(config.dataset.name);
  await selectBackend(config.backend && config.backend !== 'auto' ? { prefer: config.backend } : {});
  const loaded = await loadData(config.dataset.options);
  const names = config.tasks.map((t) => t.name);
  for (const name of names) {
    if (!loaded.train.tasks.includes(name)) {
      throw new MultitaskError(
        'UNKNOWN_NAME',
        `[multitask] export-data: data set "${config.dataset.name}" has no task "${name}" (it has ` +
          `${loaded.train.tasks.join(', ')}).`,
        { details: { task: name } },
      );
    }
  }
  const sources: [string, DataSource][] = [
    ['train', onlyTasks(loaded.train, names)],
    ['test', onlyTasks(loaded.test, names)],
    ...(loaded.validation
      ? [['validation', onlyTasks(loaded.validation, names)] as [string, DataSource]]
      : []),
  ];
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(out), { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
  } catch (e) {
    throw ioError(`cannot create ${tmp}: ${(e as Error).message}`, tmp, e);
  }
  try {
    const splits: Record<string, ExportSplit> = {};
    for (const [split, source] of sources)
      splits[split] = await exportSplit(split, source, names, tmp, chunkRows);
    const manifest: ExportManifest = {
      format: EXPORT_FORMAT,
      config: {
        name: config.name,
        ...(options.configFile !== undefined ? { file: options.configFile } : {}),
        dataset: config.dataset,
        backbone: config.backbone,
        optimizer: config.optimizer,
        training: {
          epochs: config.training.epochs,
          batchSize: config.training.batchSize,
          seed: config.training.seed,
        },
      },
      tasks: config.tasks.map((t) => ({ name: t.name, type: t.type, options: t.options })),
      inputShape: [...loaded.inputShape],
      splits,
      ...(loaded.notes ? { notes: loaded.notes } : {}),
    };
    writeFileSync(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const old = `${out}.old-${process.pid}`;
    const replacing = existsSync(out);
    if (replacing) renameSync(out, old);
    renameSync(tmp, out);
    if (replacing) rmSync(old, { recursive: true, force: true });
    return manifest;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof MultitaskError) throw e;
    throw ioError(`writing ${outDir} failed: ${(e as Error).message}`, out, e);
  }
}

/** A `.npy` file read back: element type, shape and values. */
export interface NpyArray {
  readonly dtype: ExportDtype;
  readonly shape: number[];
  readonly data: Float32Array | Int32Array;
}

/** Reads a little-endian float32 / int32 C-order `.npy` file (versions 1.0–3.0), as {@link exportData} writes. */
export function readNpy(file: string): NpyArray {
  const buf = readFileSync(file);
  const bad = (why: string): MultitaskError =>
    new MultitaskError('INVALID_DATA', `[multitask] ${file} is not a readable .npy file: ${why}.`, {
      details: { file },
    });
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw bad('no \\x93NUMPY magic');
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw bad('header without descr/shape');
  if (fortran === 'True') throw bad('Fortran order');
  const dtype: ExportDtype | undefined = descr === '<f4' ? 'float32' : descr === '<i4' ? 'int32' : undefined;
  if (dtype === undefined) throw bad(`dtype ${descr} (expected <f4 or <i4)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  if (buf.length - offset !== count * 4)
    throw bad(`${buf.length - offset} data bytes for shape (${shape.join(', ')})`);
  const bytes = buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + offset + count * 4);
  return { dtype, shape, data: dtype === 'float32' ? new Float32Array(bytes) : new Int32Array(bytes) };
}

const EXPORT_USAGE = `Usage: multitask export-data --config FILE --out DIR

  --config FILE  experiment config (JSON); its data set and tasks decide the arrays
  --out DIR      output directory (replaced atomically when it holds an earlier export)
  --json         print the manifest as one JSON line instead of a summary
`;

/**
 * The `export-data` command of the CLI (`args` without the command name); writes text through `io.stdout`.
 * Missing options throw an `INVALID_OPTION` error that includes the usage text.
 */
export async function exportDataCommand(
  args: readonly string[],
  io: { readonly stdout: (text: string) => void },
): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      config: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(EXPORT_USAGE);
    return;
  }
  if (values.config === undefined || values.out === undefined) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[multitask] export-data needs ${values.config === undefined ? '--config FILE' : '--out DIR'}.\n\n${EXPORT_USAGE}`,
      { details: { option: values.config === undefined ? 'config' : 'out' } },
    );
  }
  const manifest = await exportData(loadConfig(values.config), values.out, { configFile: values.config });
  if (values.json) {
    io.stdout(`${JSON.stringify(manifest)}\n`);
    return;
  }
  const lines = Object.entries(manifest.splits).map(
    ([split, s]) =>
      `  ${split}: ${s.rows} rows${s.inputs ? ` · inputs [${s.inputs.shape.join(', ')}] ${s.inputs.dtype}` : ''}`,
  );
  io.stdout(
    `export-data — ${manifest.config.name}: tasks ${manifest.tasks.map((t) => t.name).join(', ')}\n` +
      `${lines.join('\n')}\nwritten to ${values.out} (manifest.json + .npy files)\n`,
  );
}
