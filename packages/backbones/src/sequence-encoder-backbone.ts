import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D, Tensor3D, Variable } from '@tensorflow/tfjs-core';
import {
  type Backbone,
  type ForwardContext,
  type Inputs,
  isTensorLike,
  MultitaskError,
  type PartConfig,
  Rng,
  shapeString,
  type SharedRepresentation,
} from '@multitask/core';
import {
  activate,
  type Activation,
  checkCommonOptions,
  checkPositiveInt,
  disposeVariables,
  glorotUniform,
  makeVariable,
  maybeDropout,
  uniformValues,
} from '@multitask/core/parts';

/** One embedded input feature of {@link sequenceEncoderBackbone}. */
export interface SequenceFeature {
  /** Input name (a key of the named inputs), e.g. `"words"`. */
  readonly name: string;
  /** Number of ids; ids are integers in `[0, vocabSize)` and 0 is padding. */
  readonly vocabSize: number;
  /** Size of the feature's embedding. */
  readonly dim: number;
}

/** How the sentence representation is pooled from the token representations. */
export type SequencePooling = 'mean' | 'max';

/**
 * What the sentence tasks' representation pools: `'encoder'` the encoder's per-token output (size `outputSize`),
 * `'embeddings'` the concatenated input embeddings (a bag of embeddings, as in fastText), `'both'` the two side by
 * side (`outputSize` + the summed embedding sizes).
 */
export type SequencePoolSource = 'encoder' | 'embeddings' | 'both';

/** Options of {@link sequenceEncoderBackbone}. */
export interface SequenceEncoderBackboneOptions {
  /**
   * The embedded inputs, concatenated per token. The first feature marks padding: a position whose id there is 0
   * is padding. Inputs are int32 `[batch, length]` each (named inputs when there are several features).
   */
  readonly features: readonly SequenceFeature[];
  /** Every task of the model, in any order: each gets per-token or pooled representations (see `sequenceTasks`). */
  readonly tasks: readonly string[];
  /** Tasks that label whole sequences: they get the pooled `[batch, d]` representation; the others get `[batch, length, d]`. */
  readonly sequenceTasks?: readonly string[];
  /** Number of 1-D convolution layers over time (default 2; 0 = embeddings only, then the optional GRU). */
  readonly convLayers?: number;
  /** Output channels of each convolution (default 128). */
  readonly filters?: number;
  /** Window of each convolution in tokens, odd (default 3; 'same' padding, so the length is kept). */
  readonly kernelSize?: number;
  /** Units per direction of a bidirectional GRU after the convolutions (default 0 = none); doubles the output size. */
  readonly gruUnits?: number;
  /** Activation after each convolution (default `'relu'`). */
  readonly activation?: Activation;
  /** Dropout after the embeddings and after each layer while training, in [0, 1) (default 0). */
  readonly dropout?: number;
  /** How the sentence representation is pooled over the tokens (padding excluded): `'mean'` (default) or `'max'`. */
  readonly pooling?: SequencePooling;
  /**
   * What the sentence representation pools (default `'encoder'`). Lexical tasks such as a sentence's genre gain
   * from `'both'`: the convolutions' features are shaped by the token tasks, while pooled embeddings keep which
   * words occur. Token tasks always get the encoder's output.
   */
  readonly poolSource?: SequencePoolSource;
  /** Seed of the initial weights (and of dropout when the caller hands no seed stream). Default 1. */
  readonly seed?: number;
}

/** The backbone returned by {@link sequenceEncoderBackbone}. */
export interface SequenceEncoderBackbone extends Backbone {
  /** Always `"sequence-encoder"`. */
  readonly name: 'sequence-encoder';
  /** Size `d` of every token representation (and of the sentence representation when `poolSource` is `'encoder'`). */
  readonly outputSize: number;
  /** Size of each sentence task's representation (set only when `poolSource` is not `'encoder'`). */
  readonly outputSizes?: Readonly<Record<string, number>>;
  /** The input names, one per feature. */
  readonly inputNames: readonly string[];
  /** Tasks that get the pooled representation. */
  readonly sequenceTasks: readonly string[];
  /** Tasks that get per-token representations. */
  readonly tokenTasks: readonly string[];
  /**
   * Per-token representations `[batch, length, d]` (0 at padding), the float32 mask `[batch, length]` and, when
   * `poolSource` is not `'encoder'`, the concatenated input embeddings `[batch, length, e]` (after dropout).
   */
  encode(
    inputs: Inputs,
    context: ForwardContext,
  ): { readonly tokens: Tensor3D; readonly mask: Tensor2D; readonly embeddings?: Tensor3D };
  /** Pools per-token representations `[batch, length, d]` into `[batch, d]` over the positions where `mask` is 1. */
  pool(tokens: Tensor, mask: Tensor): Tensor2D;
  /**
   * Calls {@link SequenceEncoderBackbone.encode} and splits per task; the shared tensor is the per-token one (with
   * the embeddings concatenated on the last axis when sentence tasks pool them, so every task's representation
   * is a function of the shared tensor).
   */
  applyShared(inputs: Inputs, context: ForwardContext): SharedRepresentation;
}

/**
 * Embedding lookup whose gradient is a ScatterNd (duplicates summed), which the cpu, wasm and tensorflow backends
 * all run in O(ids · dim) — tfjs's own gather gradient is UnsortedSegmentSum, missing on wasm and a loop over
 * the whole vocabulary on cpu.
 */
function lookup(table: Variable, ids: Tensor1D): Tensor2D {
  const vocab = table.shape[0];
  const dim = table.shape[1]!;
  const op = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const [t, i] = args as [Tensor2D, Tensor1D];
    (args[2] as tf.GradSaveFunc)([i]);
    return {
      value: tf.gather(t, i),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const idx = saved[0] as Tensor1D;
        return [tf.scatterND(tf.reshape(idx, [-1, 1]), dy, [vocab, dim]), tf.zerosLike(idx)];
      },
    };
  });
  return op(table, ids);
}

/**
 * 'same' 1-D convolution over time of time-major rows `x` `[L·B, C]` (row `t·B + b`) with kernel `w` `[k·C, F]`
 * (taps stacked along the rows) and bias `[F]`: an unfold (k row-shifted copies side by side) and one matmul.
 * The gradient is written out with contiguous row slices, row concatenations with zeros and matmuls — fast on the
 * cpu backend (whose stock Conv2D filter gradient and strided SplitV/Slice gradients run per element) and made
 * of kernels the stock wasm backend has.
 */
function convSame(x: Tensor2D, w: Tensor2D, bias: Tensor, k: number, batch: number): Tensor2D {
  const rows = x.shape[0];
  const c = x.shape[1];
  const half = (k - 1) / 2;
  const unfold = (xx: Tensor2D): Tensor2D => {
    if (k === 1) return xx;
    const zeros = tf.zeros([half * batch, c]);
    const padded = tf.concat([zeros, xx, zeros], 0);
    return tf.concat(
      Array.from({ length: k }, (_, j) => tf.slice(padded, [j * batch, 0], [rows, c])),
      1,
    ) as Tensor2D;
  };
  const op = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ww, bb] = args as [Tensor2D, Tensor2D, Tensor];
    (args[3] as tf.GradSaveFunc)([xx, ww]);
    return {
      value: tf.add(tf.matMul(unfold(xx), ww), bb),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sw] = saved as [Tensor2D, Tensor2D];
        const d = dy as Tensor2D;
        const f = d.shape[1];
        const dw = tf.matMul(unfold(sx), d, true, false);
        const db = tf.reshape(tf.matMul(tf.ones([1, rows]), d), [f]);
        const parts = Array.from({ length: k }, (_, j) => {
          const g = tf.matMul(d, tf.slice(sw, [j * c, 0], [c, f]), false, true); // [L·B, C]
          const shift = (j - half) * batch; // tap j of output row r reads input row r + shift
          if (shift === 0) return g;
          const n = rows - Math.abs(shift);
          if (n <= 0) return tf.zeros([rows, c]);
          return shift > 0
            ? tf.concat([tf.zeros([shift, c]), tf.slice(g, [0, 0], [n, c])], 0)
            : tf.concat([tf.slice(g, [-shift, 0], [n, c]), tf.zeros([-shift, c])], 0);
        });
        return [parts.length === 1 ? parts[0]! : tf.addN(parts), dw, db];
      },
    };
  });
  return op(x, w, bias) as Tensor2D;
}

interface Conv {
  readonly kernel: Variable; // [k, in, out]
  readonly bias: Variable;
  readonly residual: boolean;
}

interface GruDirection {
  readonly wx: Variable; // [in, 3u] (z, r, h)
  readonly wh: Variable; // [u, 3u]
  readonly b: Variable; // [3u]
}

function option(part: string, name: string, message: string): MultitaskError {
  return new MultitaskError('INVALID_OPTION', `[@multitask/backbones] ${part}: option "${name}" ${message}`, {
    details: { option: name },
  });
}

/**
 * A sequence encoder for token-level and sentence-level tasks on one trunk: per-token embeddings of one or more
 * id features (word, suffix, shape…, concatenated) → `convLayers` 1-D convolutions over time ('same' padding,
 * residual when the width is kept) → optional bidirectional GRU. Every task in `sequenceTasks` gets the sentence
 * representation (mean or max over the real tokens), every other task the per-token representation
 * `[batch, length, d]`; padding positions are 0 after every layer, so a sentence's representation does not depend
 * on how much padding its batch has. `applyShared` exposes the per-token tensor, so Gramian strategies can work
 * in `representation` mode (one backward pass).
 *
 * Weights start Glorot-uniform, embeddings U(±0.05). Runs on the cpu, wasm and tensorflow backends with their
 * stock kernels: a convolution is an unfold plus one matmul (no Conv2D backprop, which is missing on stock wasm
 * and slow on stock cpu), the embedding gradient a ScatterNd (tfjs's own gather gradient, UnsortedSegmentSum, is
 * missing on wasm and loops over the whole vocabulary on cpu).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { sequenceEncoderBackbone } from '@multitask/backbones';
 *
 * const backbone = sequenceEncoderBackbone({
 *   features: [
 *     { name: 'words', vocabSize: 100, dim: 16 },
 *     { name: 'shapes', vocabSize: 17, dim: 4 },
 *   ],
 *   tasks: ['pos', 'genre'],
 *   sequenceTasks: ['genre'],
 * });
 * const words = tf.tensor2d([[5, 7, 9, 0]], [1, 4], 'int32'); // id 0 is padding
 * const shapes = tf.tensor2d([[1, 2, 1, 0]], [1, 4], 'int32');
 * const rep = backbone.apply({ words, shapes }, { training: false }) as unknown as Record<string, tf.Tensor>;
 * console.log(rep.pos!.shape, rep.genre!.shape); // per token [1, 4, d] for pos, pooled [1, d] for genre
 * tf.dispose([words, shapes, ...Object.values(rep)]);
 * backbone.dispose();
 * ```
 */
export function sequenceEncoderBackbone(options: SequenceEncoderBackboneOptions): SequenceEncoderBackbone {
  const part = 'sequence-encoder backbone';
  const rawFeatures: readonly SequenceFeature[] = options.features;
  const featureList: unknown = rawFeatures;
  if (!Array.isArray(featureList) || rawFeatures.length === 0) {
    throw option(
      part,
      'features',
      `must be a non-empty array of { name, vocabSize, dim }, got ${JSON.stringify(rawFeatures)}.`,
    );
  }
  const features = rawFeatures.map((f, i) => ({
    name:
      typeof f.name === 'string' && f.name !== ''
        ? f.name
        : (() => {
            throw option(
              part,
              `features[${i}].name`,
              `must be a non-empty string, got ${JSON.stringify(f.name)}.`,
            );
          })(),
    vocabSize: checkPositiveInt('backbones', part, `features[${i}].vocabSize`, f.vocabSize),
    dim: checkPositiveInt('backbones', part, `features[${i}].dim`, f.dim),
  }));
  const names = features.map((f) => f.name);
  if (new Set(names).size !== names.length)
    throw option(part, 'features', `has a name twice (${names.join(', ')}).`);
  const tasks: readonly string[] = options.tasks;
  const taskList: unknown = tasks;
  if (!Array.isArray(taskList) || tasks.length === 0 || !taskList.every((t) => typeof t === 'string')) {
    throw option(part, 'tasks', `must be a non-empty array of task names, got ${JSON.stringify(tasks)}.`);
  }
  const sequenceTasks = options.sequenceTasks ?? [];
  const unknown = sequenceTasks.filter((t) => !tasks.includes(t));
  if (unknown.length > 0)
    throw option(
      part,
      'sequenceTasks',
      `names ${unknown.join(', ')}, which are not in tasks (${tasks.join(', ')}).`,
    );
  const tokenTasks = tasks.filter((t) => !sequenceTasks.includes(t));
  const convLayers = options.convLayers ?? 2;
  if (!Number.isInteger(convLayers) || convLayers < 0)
    throw option(part, 'convLayers', `must be an integer ≥ 0, got ${convLayers}.`);
  const filters = checkPositiveInt('backbones', part, 'filters', options.filters ?? 128);
  const kernelSize = checkPositiveInt('backbones', part, 'kernelSize', options.kernelSize ?? 3);
  if (kernelSize % 2 === 0)
    throw option(part, 'kernelSize', `must be odd ('same' padding on both sides), got ${kernelSize}.`);
  const gruUnits = options.gruUnits ?? 0;
  if (!Number.isInteger(gruUnits) || gruUnits < 0)
    throw option(part, 'gruUnits', `must be an integer ≥ 0, got ${gruUnits}.`);
  const poolingRaw: string = options.pooling ?? 'mean';
  if (poolingRaw !== 'mean' && poolingRaw !== 'max')
    throw option(part, 'pooling', `must be "mean" or "max", got ${JSON.stringify(poolingRaw)}.`);
  const pooling: SequencePooling = poolingRaw;
  const sourceRaw: string = options.poolSource ?? 'encoder';
  if (sourceRaw !== 'encoder' && sourceRaw !== 'embeddings' && sourceRaw !== 'both')
    throw option(
      part,
      'poolSource',
      `must be "encoder", "embeddings" or "both", got ${JSON.stringify(sourceRaw)}.`,
    );
  const poolSource: SequencePoolSource = sourceRaw;
  const { activation, dropout, seed } = checkCommonOptions('backbones', part, options);

  const rng = new Rng(seed);
  const tables = features.map((f) =>
    makeVariable(uniformValues(rng, f.vocabSize * f.dim, 0.05), [f.vocabSize, f.dim]),
  );
  let width = features.reduce((s, f) => s + f.dim, 0);
  const convs: Conv[] = [];
  for (let l = 0; l < convLayers; l++) {
    const fanIn = kernelSize * width;
    convs.push({
      kernel: makeVariable(glorotUniform(rng, kernelSize * width * filters, fanIn, kernelSize * filters), [
        kernelSize,
        width,
        filters,
      ]),
      bias: makeVariable(new Float32Array(filters), [filters]),
      residual: width === filters,
    });
    width = filters;
  }
  const gru: GruDirection[] = [];
  if (gruUnits > 0) {
    for (let d = 0; d < 2; d++) {
      gru.push({
        wx: makeVariable(glorotUniform(rng, width * 3 * gruUnits, width, 3 * gruUnits), [
          width,
          3 * gruUnits,
        ]),
        wh: makeVariable(glorotUniform(rng, gruUnits * 3 * gruUnits, gruUnits, 3 * gruUnits), [
          gruUnits,
          3 * gruUnits,
        ]),
        b: makeVariable(new Float32Array(3 * gruUnits), [3 * gruUnits]),
      });
    }
    width = 2 * gruUnits;
  }
  const outputSize = width;
  const embeddingSize = features.reduce((sum, f) => sum + f.dim, 0);
  const withEmbeddings = poolSource !== 'encoder' && sequenceTasks.length > 0;
  const sentenceSize =
    poolSource === 'encoder'
      ? outputSize
      : poolSource === 'embeddings'
        ? embeddingSize
        : outputSize + embeddingSize;
  const outputSizes =
    poolSource === 'encoder' ? undefined : Object.fromEntries(sequenceTasks.map((t) => [t, sentenceSize]));
  const dropoutRng = rng.fork();
  const variables: Variable[] = [
    ...tables,
    ...convs.flatMap((c) => [c.kernel, c.bias]),
    ...gru.flatMap((g) => [g.wx, g.wh, g.b]),
  ];

  const idsOf = (inputs: Inputs): Tensor2D[] => {
    const named: Record<string, Tensor> = isTensorLike(inputs) ? { [names[0]!]: inputs } : { ...inputs };
    if (isTensorLike(inputs) && names.length > 1) {
      throw new MultitaskError(
        'INVALID_DATA',
        `[@multitask/backbones] ${part} takes named inputs ${names.join(', ')}, but got one tensor.`,
      );
    }
    const missing = names.filter((n) => !(n in named));
    if (missing.length > 0) {
      throw new MultitaskError(
        'INVALID_DATA',
        `[@multitask/backbones] ${part} expects inputs ${names.join(', ')}; missing: ${missing.join(', ')}.`,
      );
    }
    const first = named[names[0]!]!;
    return names.map((n) => {
      const t = named[n]!;
      if (
        t.rank !== 2 ||
        t.shape[1] === 0 ||
        t.shape[0] !== first.shape[0] ||
        t.shape[1] !== first.shape[1]
      ) {
        throw new MultitaskError(
          'SHAPE_MISMATCH',
          `[@multitask/backbones] ${part}: input "${n}" must be token ids [batch, length] with length ≥ 1, the same shape as ` +
            `"${names[0]}" ${shapeString(first.shape)}; got ${shapeString(t.shape)}.`,
          { details: { input: n, actual: t.shape } },
        );
      }
      return t as Tensor2D;
    });
  };

  /** One GRU direction over time-major inputs `[L, B, in]` (masked: the state is carried over padding). */
  const runGru = (g: GruDirection, xs: Tensor3D, mask: Tensor2D, reverse: boolean): Tensor3D => {
    const [length, batch] = [xs.shape[0], xs.shape[1]];
    const u = gruUnits;
    const proj = tf.reshape(
      tf.add(tf.matMul(tf.reshape<tf.Rank.R2>(xs, [length * batch, -1]), g.wx as Tensor2D), g.b),
      [length, batch, 3 * u],
    );
    const whzr = tf.slice(g.wh, [0, 0], [u, 2 * u]) as Tensor2D;
    const whh = tf.slice(g.wh, [0, 2 * u], [u, u]) as Tensor2D;
    let h: Tensor2D = tf.zeros([batch, u]);
    const outs: Tensor2D[] = new Array<Tensor2D>(length);
    for (let s = 0; s < length; s++) {
      const t = reverse ? length - 1 - s : s;
      const p = tf.reshape<tf.Rank.R2>(tf.slice(proj, [t, 0, 0], [1, batch, 3 * u]), [batch, 3 * u]);
      const zr = tf.sigmoid(tf.add(tf.slice(p, [0, 0], [batch, 2 * u]), tf.matMul(h, whzr)));
      const z = tf.slice(zr, [0, 0], [batch, u]);
      const r = tf.slice(zr, [0, u], [batch, u]);
      const cand = tf.tanh(tf.add(tf.slice(p, [0, 2 * u], [batch, u]), tf.matMul(tf.mul(r, h), whh)));
      const next = tf.add<Tensor2D>(tf.mul(z, h), tf.mul(tf.sub(1, z), cand));
      const m = tf.reshape(tf.slice(mask, [0, t], [batch, 1]), [batch, 1]);
      h = tf.add<Tensor2D>(tf.mul(m, next), tf.mul(tf.sub(1, m), h));
      outs[t] = tf.mul<Tensor2D>(h, m);
    }
    return tf.stack(outs) as Tensor3D;
  };

  const encode = (
    inputs: Inputs,
    context: ForwardContext,
  ): { tokens: Tensor3D; mask: Tensor2D; embeddings?: Tensor3D } =>
    tf.tidy(() => {
      const ids = idsOf(inputs);
      const [batch, length] = ids[0]!.shape;
      const rows = length * batch;
      const mask: Tensor2D = tf.cast(tf.greater<Tensor2D>(ids[0]!, 0), 'float32');
      // Time-major rows (t·B + b): a time shift is a contiguous block of rows.
      const maskT = tf.reshape<tf.Rank.R2>(tf.transpose(mask), [rows, 1]);
      const spread = (width: number): Tensor2D => tf.matMul(maskT, tf.ones([1, width])); // no broadcasting on cpu
      const embedded = features.map((_, i) =>
        lookup(tables[i]!, tf.reshape<tf.Rank.R1>(tf.transpose(tf.cast(ids[i]!, 'int32')), [rows])),
      );
      // Padding embeds to 0, as the convolutions' own 'same' padding does.
      let h: Tensor2D = tf.mul(
        embedded.length === 1 ? embedded[0]! : tf.concat(embedded, 1),
        spread(embeddingSize),
      );
      h = maybeDropout(h, dropout, context, dropoutRng) as Tensor2D;
      const embeddings = withEmbeddings
        ? tf.transpose<Tensor3D>(tf.reshape(h, [length, batch, embeddingSize]), [1, 0, 2])
        : undefined;
      const maskF = convs.length > 0 ? spread(filters) : undefined;
      for (const c of convs) {
        const w = tf.reshape<tf.Rank.R2>(c.kernel, [kernelSize * c.kernel.shape[1]!, filters]);
        const y = activate(convSame(h, w, c.bias, kernelSize, batch), activation);
        h = tf.mul(c.residual ? tf.add(y, h) : y, maskF!);
        h = maybeDropout(h, dropout, context, dropoutRng) as Tensor2D;
      }
      let tokensT: Tensor3D = tf.reshape(h, [length, batch, h.shape[1]]);
      if (gru.length > 0) {
        const fwd = runGru(gru[0]!, tokensT, mask, false);
        const bwd = runGru(gru[1]!, tokensT, mask, true);
        tokensT = maybeDropout(tf.concat([fwd, bwd], 2), dropout, context, dropoutRng) as Tensor3D;
      }
      const tokens = tf.transpose<Tensor3D>(tokensT, [1, 0, 2]);
      return embeddings === undefined ? { tokens, mask } : { tokens, mask, embeddings };
    });

  const pool = (tokens: Tensor, mask: Tensor): Tensor2D =>
    tf.tidy(() => {
      const [batch, length, d] = tokens.shape as [number, number, number];
      const m = tf.reshape(tf.cast(mask, 'float32'), [batch, length, 1]);
      if (pooling === 'mean') {
        const count = tf.maximum(tf.sum(m, 1), 1); // [B, 1]
        return tf.div<Tensor2D>(tf.sum(tf.mul(tokens, m), 1), count);
      }
      const masked = tf.add(tokens, tf.mul(tf.sub(m, 1), 1e9));
      const any = tf.greater(tf.sum(m, 1), 0); // [B, 1]
      const max = tf.max<Tensor2D>(masked, 1);
      return tf.where(tf.broadcastTo(any, [batch, d]), max, tf.zerosLike(max));
    });

  /** The shared per-token tensor: the encoder's output, then the embeddings when sentence tasks pool them. */
  const joined = (tokens: Tensor3D, embeddings: Tensor3D | undefined): Tensor3D =>
    embeddings === undefined ? tokens : tf.concat([tokens, embeddings], 2);

  /** One task's representation from the shared tensor of {@link joined}. */
  const split = (shared: Tensor, mask: Tensor2D, task: string): Tensor =>
    tf.tidy(() => {
      const [batch, length, width] = shared.shape as [number, number, number];
      const part = (from: number, size: number): Tensor =>
        from === 0 && size === width ? shared : tf.slice(shared, [0, 0, from], [batch, length, size]);
      if (!sequenceTasks.includes(task)) return part(0, outputSize);
      if (poolSource === 'embeddings') return pool(part(outputSize, embeddingSize), mask);
      return pool(part(0, sentenceSize), mask);
    });

  return {
    name: 'sequence-encoder',
    outputSize,
    ...(outputSizes !== undefined ? { outputSizes } : {}),
    inputNames: names,
    sequenceTasks: [...sequenceTasks],
    tokenTasks,
    trainableVariables: variables,
    nonTrainableVariables: [],
    encode,
    pool,
    apply(inputs, context) {
      return tf.tidy(() => {
        const { tokens, mask, embeddings } = encode(inputs, context);
        const shared = joined(tokens, embeddings);
        return Object.fromEntries(tasks.map((t) => [t, split(shared, mask, t)]));
      });
    },
    applyShared(inputs, context) {
      const { tokens, mask, embeddings } = encode(inputs, context);
      const shared = joined(tokens, embeddings); // the caller's tidy frees tokens and embeddings
      return { shared, forTask: (s, task) => split(s, mask, task) };
    },
    getConfig(): PartConfig {
      return {
        type: 'sequence-encoder',
        options: {
          features: features.map((f) => ({ ...f })),
          tasks: [...tasks],
          sequenceTasks: [...sequenceTasks],
          convLayers,
          filters,
          kernelSize,
          gruUnits,
          activation,
          dropout,
          pooling,
          poolSource,
          seed,
        },
      };
    },
    dispose(): void {
      disposeVariables(variables);
    },
  };
}
