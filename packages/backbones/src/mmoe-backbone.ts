import type { Variable } from '@tensorflow/tfjs-core';
import { type Backbone, type SharedRepresentation } from '@multitask/core';
import {
  type Activation,
  checkCommonOptions,
  checkPositiveInt,
  checkWidths,
  type Initializer,
} from '@multitask/core/parts';
import { checkTaskNames, gatedBackbone } from './internal/experts.ts';

/** Options of {@link mmoeBackbone}. */
export interface MmoeBackboneOptions {
  /** Number of input features per row. */
  readonly inputSize: number;
  /** Names of the tasks, one softmax gate each (the keys of the returned representations). */
  readonly tasks: readonly string[];
  /** Number of experts shared by all tasks. Default 4. */
  readonly numExperts?: number;
  /** Hidden widths of each expert MLP; the last is the representation size. Default `[16]`. */
  readonly expertUnits?: readonly number[];
  /** Activation of the expert layers. Default `'relu'`. */
  readonly activation?: Activation;
  /** Dropout rate after every expert layer while training. Default 0. */
  readonly dropout?: number;
  /**
   * How the expert and gate weights start: `'glorot-uniform'` (default), `'he-uniform'`, `'lecun-uniform'` or `'pytorch'`
   * (PyTorch's `nn.Linear` default); see core's `Initializer`.
   */
  readonly initializer?: Initializer;
  /** Seed of the initial weights (and of dropout when the caller hands no seed stream). Default 1. */
  readonly seed?: number;
}

/** A backbone that returns one representation per task (gated sharing). */
export interface GatedBackbone extends Backbone {
  /** Size of each task's representation. */
  readonly outputSize: number;
  /** The task names the backbone was built for. */
  readonly tasks: readonly string[];
  /**
   * The variables that serve a single task (its gate, and for CGC its own experts), keyed by task — a subset of
   * `trainableVariables`, for trainers that treat them like head variables.
   */
  readonly taskVariables: Readonly<Record<string, readonly Variable[]>>;
  /** Splits the forward pass at the stacked expert outputs; see {@link Backbone.applyShared}. */
  applyShared(
    inputs: Parameters<Backbone['apply']>[0],
    context: Parameters<Backbone['apply']>[1],
  ): SharedRepresentation;
}

/**
 * Multi-gate Mixture-of-Experts (Ma et al., KDD 2018): `numExperts` expert MLPs on the input, and per task a
 * softmax gate `gₜ(x) = softmax(x·Wₜ)` that mixes them: `zₜ = Σₑ gₜₑ(x)·fₑ(x)`. Returns `{ [task]: zₜ }`.
 * `applyShared` returns the stacked expert outputs `[batch, numExperts, units]` and a `forTask` that gates
 * them, so `representation` gradient mode works.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { mmoeBackbone } from '@multitask/backbones';
 *
 * const backbone = mmoeBackbone({ inputSize: 100, tasks: ['a', 'b'], numExperts: 8, expertUnits: [16] });
 * const x = tf.randomNormal([4, 100]);
 * const reps = backbone.apply(x, { training: false }) as Record<string, tf.Tensor>; // { a: [4, 16], b: [4, 16] }
 * console.log(reps.a?.shape, reps.b?.shape);
 * tf.dispose([x, ...Object.values(reps)]);
 * backbone.dispose();
 * ```
 */
export function mmoeBackbone(options: MmoeBackboneOptions): GatedBackbone {
  const part = 'mmoe backbone';
  const inputSize = checkPositiveInt('backbones', part, 'inputSize', options.inputSize);
  const tasks = checkTaskNames(part, options.tasks);
  const numExperts = checkPositiveInt('backbones', part, 'numExperts', options.numExperts ?? 4);
  const expertUnits = checkWidths('backbones', part, 'expertUnits', options.expertUnits ?? [16]);
  const common = checkCommonOptions('backbones', part, options);
  return gatedBackbone({
    name: 'mmoe',
    part,
    inputSize,
    tasks,
    numShared: numExperts,
    numOwn: 0,
    expertUnits,
    common,
    config: { inputSize, tasks: [...tasks], numExperts, expertUnits: [...expertUnits], ...common },
  });
}
