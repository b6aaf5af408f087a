/// <reference types="node" />
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { MultitaskError } from '@multitask/core';

/** Name of the JSON file of a saved model directory. */
export const MODEL_JSON = 'model.json';
/** Name of the weights file of a saved model directory. */
export const WEIGHTS_BIN = 'weights.bin';

interface ModelJson {
  readonly format?: string;
  readonly generatedBy?: string;
  readonly modelTopology?: object;
  readonly weightsManifest?: readonly {
    readonly paths: readonly string[];
    readonly weights: tf.io.WeightsManifestEntry[];
  }[];
  readonly checksums?: Readonly<Record<string, string>>;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

function ioError(message: string, file: string, cause?: unknown): MultitaskError {
  return new MultitaskError('IO_ERROR', `[@multitask/backbones] ${message}`, {
    details: { file },
    ...(cause === undefined ? {} : { cause }),
  });
}

function toBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

/** Bytes a weight spec occupies in the weights file. */
function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const per = spec.quantization
    ? spec.quantization.dtype === 'uint8'
      ? 1
      : 2
    : spec.dtype === 'bool'
      ? 1
      : 4;
  return n * per;
}

/**
 * A tfjs IO handler that saves to and loads from a directory in Node, with no tfjs-node: `model.json`
 * (topology + weights manifest + SHA-256 of each weights file) and `weights.bin` (tfjs weights format). A save
 * writes a temporary sibling directory and renames it into place, so a crash never leaves a half-written
 * model. Loading checks that every weights file exists, has the size its manifest implies and its checksum.
 * Works for multitask models and for any tfjs artifacts (e.g. a LayersModel's `save`).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel } from '@multitask/core';
 * import { mlpBackbone, saveModelTo } from '@multitask/backbones';
 * import { fileSystemHandler } from '@multitask/backbones/node';
 * import { classificationTask } from '@multitask/heads';
 *
 * const model = new MultitaskModel({
 *   backbone: mlpBackbone({ inputSize: 784, units: [50] }),
 *   tasks: [classificationTask('digit', { inputSize: 50, numClasses: 10 })],
 * });
 * await saveModelTo(model, fileSystemHandler('out/model')); // any tfjs IOHandler user works the same way
 * const artifacts = await fileSystemHandler('out/model').load!();
 * console.log(artifacts.weightSpecs?.length);
 * ```
 */
export function fileSystemHandler(directory: string): tf.io.IOHandler {
  const dir = resolve(directory);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const bytes = toBytes(artifacts.weightData);
      const json: ModelJson = {
        ...(artifacts.format === undefined ? {} : { format: artifacts.format }),
        ...(artifacts.generatedBy === undefined ? {} : { generatedBy: artifacts.generatedBy }),
        ...(artifacts.modelTopology === undefined ? {} : { modelTopology: artifacts.modelTopology }),
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        checksums: { [WEIGHTS_BIN]: sha256(bytes) },
        ...(artifacts.userDefinedMetadata === undefined
          ? {}
          : { userDefinedMetadata: artifacts.userDefinedMetadata }),
      };
      const text = JSON.stringify(json, null, 1);
      const parent = dirname(dir);
      try {
        await mkdir(parent, { recursive: true });
        const tmp = await mkdtemp(join(parent, `.${basename(dir)}.tmp-`));
        await writeFile(join(tmp, WEIGHTS_BIN), bytes);
        await writeFile(join(tmp, MODEL_JSON), text);
        if (existsSync(dir)) {
          const old = `${tmp}-old`;
          await rename(dir, old);
          await rename(tmp, dir);
          await rm(old, { recursive: true, force: true });
        } else {
          await rename(tmp, dir);
        }
      } catch (e) {
        throw ioError(`Could not save the model to ${dir}: ${(e as Error).message}`, dir, e);
      }
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: text.length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: bytes.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = join(dir, MODEL_JSON);
      let text: string;
      try {
        text = await readFile(jsonPath, 'utf8');
      } catch (e) {
        throw ioError(
          `Cannot read ${jsonPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}) — is ${dir} a saved model directory?`,
          jsonPath,
          e,
        );
      }
      let json: ModelJson;
      try {
        json = JSON.parse(text) as ModelJson;
      } catch (e) {
        throw ioError(
          `${jsonPath} is not valid JSON (${(e as Error).message}) — the file is corrupted; save the model again.`,
          jsonPath,
          e,
        );
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of json.weightsManifest ?? []) {
        const groupBytes = group.weights.reduce((s, w) => s + specBytes(w), 0);
        const chunks: Uint8Array[] = [];
        for (const p of group.paths) {
          const file = join(dir, p);
          try {
            chunks.push(new Uint8Array(await readFile(file)));
          } catch (e) {
            throw ioError(
              `The weights file ${file} listed in ${jsonPath} is missing or unreadable ` +
                `(${(e as NodeJS.ErrnoException).code ?? (e as Error).message}) — copy the whole model directory.`,
              file,
              e,
            );
          }
        }
        const got = chunks.reduce((s, c) => s + c.byteLength, 0);
        if (got !== groupBytes) {
          throw ioError(
            `The weights file(s) ${group.paths.map((p) => join(dir, p)).join(', ')} hold ${got} bytes, but ` +
              `${jsonPath} describes ${groupBytes} — the files are truncated or corrupted; save the model again.`,
            join(dir, group.paths[0] ?? WEIGHTS_BIN),
          );
        }
        group.paths.forEach((p, i) => {
          const expected = json.checksums?.[basename(p)];
          if (expected !== undefined && sha256(chunks[i]!) !== expected) {
            const file = join(dir, p);
            throw ioError(
              `The weights file ${file} is corrupted (its SHA-256 does not match ${MODEL_JSON}) — save the model again.`,
              file,
            );
          }
        });
        specs.push(...group.weights);
        buffers.push(...chunks);
      }
      const all = new Uint8Array(buffers.reduce((s, b) => s + b.byteLength, 0));
      let offset = 0;
      for (const b of buffers) {
        all.set(b, offset);
        offset += b.byteLength;
      }
      return {
        ...(json.modelTopology === undefined ? {} : { modelTopology: json.modelTopology }),
        ...(json.format === undefined ? {} : { format: json.format }),
        ...(json.generatedBy === undefined ? {} : { generatedBy: json.generatedBy }),
        weightSpecs: specs,
        weightData: all.buffer,
      };
    },
  };
}
