import {
  type Activation,
  checkCommonOptions,
  checkPositiveInt,
  checkWidths,
  type Initializer,
} from '@multitask/core/parts';
import { checkTaskNames, gatedBackbone } from './internal/experts.ts';
import type { GatedBackbone } from './mmoe-backbone.ts';

/** Options of {@link cgcBackbone}. */
export interface CgcBackboneOptions {
  /** Number of input features per row. */
  readonly inputSize: number;
  /** Names of the tasks (the keys of the returned representations). */
  readonly tasks: readonly string[];
  /** Number of experts shared by all tasks. Default 2. */
  readonly numSharedExperts?: number;
  /** Number of experts owned by each task. Default 2. */
  readonly numTaskExperts?: number;
  /** Hidden widths of each expert MLP; the last is the representation size. Default `[16]`. */
  readonly expertUnits?: readonly number[];
  /** Activation of the expert layers. Default `'relu'`. */
  readonly activation?: Activation;
  /** Dropout rate after every expert layer while training. Default 0. */
  readonly dropout?: number;
  /**
   * How the expert and gate weights start: `'glorot-uniform'` (default), `'he-uniform'`, `'lecun-uniform'` or
   * `'pytorch'` (PyTorch's `nn.Linear` default); see core's `Initializer`.
   */
  readonly initializer?: Initializer;
  /** Seed of the initial weights (and of dropout when the caller hands no seed stream). Default 1. */
  readonly seed?: number;
}

/**
 * Customized Gate Control — one extraction level of PLE (Tang et al., RecSys 2020): shared experts plus
 * experts owned by each task; task t's softmax gate mixes the shared experts and its own. `applyShared`
 * returns all expert outputs stacked `[batch, shared + tasks·own, units]`; `forTask` selects the shared and
 * the task's own experts and gates them.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { cgcBackbone } from '@multitask/backbones';
 *
 * const backbone = cgcBackbone({ inputSize: 100, tasks: ['a', 'b'], numSharedExperts: 2, numTaskExperts: 2 });
 * const x = tf.randomNormal([4, 100]);
 * const reps = backbone.apply(x, { training: false }) as Record<string, tf.Tensor>; // { a: [4, 16], b: [4, 16] }
 * console.log(reps.a?.shape, reps.b?.shape);
 * tf.dispose([x, ...Object.values(reps)]);
 * backbone.dispose();
 * ```
 */
export function cgcBackbone(options: CgcBackboneOptions): GatedBackbone {
  const part = 'cgc backbone';
  const inputSize = checkPositiveInt('backbones', part, 'inputSize', options.inputSize);
  const tasks = checkTaskNames(part, options.tasks);
  const numShared = checkPositiveInt('backbones', part, 'numSharedExperts', options.numSharedExperts ?? 2);
  const numOwn = checkPositiveInt('backbones', part, 'numTaskExperts', options.numTaskExperts ?? 2);
  const expertUnits = checkWidths('backbones', part, 'expertUnits', options.expertUnits ?? [16]);
  const common = checkCommonOptions('backbones', part, options);
  return gatedBackbone({
    name: 'cgc',
    part,
    inputSize,
    tasks,
    numShared,
    numOwn,
    expertUnits,
    common,
    config: {
      inputSize,
      tasks: [...tasks],
      numSharedExperts: numShared,
      numTaskExperts: numOwn,
      expertUnits: [...expertUnits],
      ...common,
    },
  });
}
