import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import {
  type Backbone,
  MultitaskError,
  type PartConfig,
  Rng,
  type TaskRepresentations,
} from '@multitask/core';
import {
  activate,
  type Activation,
  applyDense,
  checkCommonOptions,
  checkPositiveInt,
  checkWidths,
  type Dense,
  disposeVariables,
  type Initializer,
  makeDense,
  makeVariable,
  maybeDropout,
  toRows,
} from '@multitask/core/parts';
import { checkTaskNames } from './internal/experts.ts';
import { singleInput } from './internal/single-input.ts';

/** Options of {@link crossStitchBackbone}. */
export interface CrossStitchBackboneOptions {
  /** Number of input features per row. */
  readonly inputSize: number;
  /** Names of the tasks, one column network each (the keys of the returned representations). */
  readonly tasks: readonly string[];
  /** Hidden widths of every task's column; the last is the representation size. */
  readonly units: readonly number[];
  /** Activation of the column layers. Default `'relu'`. */
  readonly activation?: Activation;
  /** Dropout rate after every layer while training. Default 0. */
  readonly dropout?: number;
  /** Initial weight a task's cross-stitch unit gives its own column (the rest is split evenly). Default 0.9. */
  readonly selfWeight?: number;
  /**
   * How the dense (MLP) weights start: `'glorot-uniform'` (default), `'he-uniform'`, `'lecun-uniform'` or
   * `'pytorch'`; see core's `Initializer`.
   */
  readonly initializer?: Initializer;
  /** Seed of the initial weights (and of dropout when the caller hands no seed stream). Default 1. */
  readonly seed?: number;
}

/** The backbone returned by {@link crossStitchBackbone}. */
export interface CrossStitchBackbone extends Backbone {
  /** Always `"cross-stitch"`. */
  readonly name: 'cross-stitch';
  /** Size of each task's representation. */
  readonly outputSize: number;
  /** The task names. */
  readonly tasks: readonly string[];
  /** The cross-stitch matrices `[T, T]`, one after each layer (row t mixes the columns into task t). */
  readonly stitches: readonly Variable[];
}

/**
 * Cross-stitch networks (Misra et al., CVPR 2016): one MLP column per task, and after every layer a learned
 * `T×T` cross-stitch unit that mixes the columns' activations: `h̃ₜ = Σₛ αₜₛ hₛ`. Returns `{ [task]: zₜ }`.
 *
 * It has no `applyShared`: no single tensor feeds every task (each column is itself a mixture), so a trainer
 * refuses `representation` gradient mode with it; use `parameters` mode or loss weighting.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { crossStitchBackbone } from '@multitask/backbones';
 *
 * const backbone = crossStitchBackbone({ inputSize: 100, tasks: ['a', 'b'], units: [32, 16] });
 * const x = tf.randomNormal([4, 100]);
 * const reps = backbone.apply(x, { training: false }) as Record<string, tf.Tensor>; // { a: [4, 16], b: [4, 16] }
 * console.log(reps.a?.shape, reps.b?.shape);
 * tf.dispose([x, ...Object.values(reps)]);
 * backbone.dispose();
 * ```
 */
export function crossStitchBackbone(options: CrossStitchBackboneOptions): CrossStitchBackbone {
  const part = 'cross-stitch backbone';
  const inputSize = checkPositiveInt('backbones', part, 'inputSize', options.inputSize);
  const tasks = checkTaskNames(part, options.tasks);
  const units = checkWidths('backbones', part, 'units', options.units, 1);
  const { activation, dropout, initializer, seed } = checkCommonOptions('backbones', part, options);
  const selfWeight = options.selfWeight ?? 0.9;
  if (!(selfWeight >= 0 && selfWeight <= 1)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/backbones] ${part}: option "selfWeight" must be in [0, 1], got ${selfWeight}.`,
      {
        details: { option: 'selfWeight' },
      },
    );
  }
  const rng = new Rng(seed);
  const T = tasks.length;
  const columns: Dense[][] = tasks.map(() => {
    let n = inputSize;
    return units.map((u) => {
      const d = makeDense(rng, n, u, initializer);
      n = u;
      return d;
    });
  });
  const initial = new Float32Array(T * T);
  for (let t = 0; t < T; t++)
    for (let s = 0; s < T; s++)
      initial[t * T + s] = T === 1 ? 1 : t === s ? selfWeight : (1 - selfWeight) / (T - 1);
  const stitches = units.map(() => makeVariable(initial, [T, T]));
  const dropoutRng = rng.fork();
  const variables: Variable[] = [
    ...columns.flatMap((c) => c.flatMap((d) => [d.kernel, d.bias])),
    ...stitches,
  ];
  return {
    name: 'cross-stitch',
    outputSize: units.at(-1)!,
    tasks,
    stitches,
    trainableVariables: variables,
    nonTrainableVariables: [],
    apply(inputs, context): TaskRepresentations {
      const x = singleInput(part, inputs);
      return tf.tidy(() => {
        const rows = toRows('backbones', part, x, inputSize);
        let hs: Tensor[] = tasks.map(() => rows);
        units.forEach((_, l) => {
          const out = hs.map((h, t) =>
            maybeDropout(activate(applyDense(h, columns[t]![l]!), activation), dropout, context, dropoutRng),
          );
          const stacked = tf.stack(out, 0); // [T, B, u]
          const mixed = tf.reshape(tf.matMul(stitches[l]!, tf.reshape(stacked, [T, -1])), stacked.shape);
          hs = tf.unstack(mixed, 0);
        });
        return Object.fromEntries(tasks.map((t, i) => [t, hs[i]!]));
      });
    },
    getConfig(): PartConfig {
      return {
        type: 'cross-stitch',
        options: {
          inputSize,
          tasks: [...tasks],
          units: [...units],
          activation,
          dropout,
          selfWeight,
          initializer,
          seed,
        },
      };
    },
    dispose(): void {
      disposeVariables(variables);
    },
  };
}
