import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import {
  type Activation,
  type Backbone,
  checkCommonOptions,
  checkPositiveInt,
  type Dense,
  disposeVariables,
  type Initializer,
  makeDense,
  type PartConfig,
  Rng,
  type SharedRepresentation,
  type TaskRepresentations,
  toRows,
} from '@multitask/core';
import { checkTaskNames, expertVariables, gateMix, makeExpert, runExperts, unknownTask, type Expert } from './internal/experts.ts';
import { singleInput } from './internal/single-input.ts';
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
 * const backbone = cgcBackbone({ inputSize: 100, tasks: ['a', 'b'], numSharedExperts: 2, numTaskExperts: 2 });
 * const reps = backbone.apply(x, { training: false }); // { a: [batch, 16], b: [batch, 16] }
 * ```
 */
export function cgcBackbone(options: CgcBackboneOptions): GatedBackbone {
  const part = 'cgc backbone';
  const inputSize = checkPositiveInt('backbones', part, 'inputSize', options.inputSize);
  const tasks = checkTaskNames(part, options.tasks);
  const numShared = checkPositiveInt('backbones', part, 'numSharedExperts', options.numSharedExperts ?? 2);
  const numOwn = checkPositiveInt('backbones', part, 'numTaskExperts', options.numTaskExperts ?? 2);
  const expertUnits = (options.expertUnits ?? [16]).map((u, i) =>
    checkPositiveInt('backbones', part, `expertUnits[${i}]`, u),
  );
  const { activation, dropout, initializer, seed } = checkCommonOptions('backbones', part, options);
  const rng = new Rng(seed);
  const shared: Expert[] = Array.from({ length: numShared }, () => makeExpert(rng, inputSize, expertUnits, initializer));
  const own = new Map<string, Expert[]>(
    tasks.map((t) => [t, Array.from({ length: numOwn }, () => makeExpert(rng, inputSize, expertUnits, initializer))]),
  );
  const gates = new Map<string, Dense>(tasks.map((t) => [t, makeDense(rng, inputSize, numShared + numOwn, initializer)]));
  const dropoutRng = rng.fork();
  const allExperts = [...shared, ...tasks.flatMap((t) => own.get(t)!)];
  const taskVariables = Object.fromEntries(
    tasks.map((t) => [t, [...expertVariables(own.get(t)!), gates.get(t)!.kernel, gates.get(t)!.bias]]),
  );
  const variables: Variable[] = [
    ...expertVariables(shared),
    ...tasks.flatMap((t) => taskVariables[t]!),
  ];
  const outputSize = expertUnits.at(-1) ?? inputSize;
  const applyShared = (inputs: Parameters<Backbone['apply']>[0], context: Parameters<Backbone['apply']>[1]): SharedRepresentation => {
    const x = toRows('backbones', part, singleInput(part, inputs), inputSize);
    return {
      shared: tf.tidy(() => runExperts(x, allExperts, activation, dropout, context, dropoutRng)),
      forTask: (stacked: Tensor, task: string): Tensor => {
        const gate = gates.get(task) ?? unknownTask(part, task, tasks);
        const start = numShared + tasks.indexOf(task) * numOwn;
        const selected = [
          ...Array.from({ length: numShared }, (_, i) => i),
          ...Array.from({ length: numOwn }, (_, i) => start + i),
        ];
        return tf.tidy(() => gateMix(x, gate, stacked, selected));
      },
    };
  };
  return {
    name: 'cgc',
    outputSize,
    tasks,
    taskVariables,
    trainableVariables: variables,
    nonTrainableVariables: [],
    applyShared,
    apply(inputs, context): TaskRepresentations {
      return tf.tidy(() => {
        const s = applyShared(inputs, context);
        return Object.fromEntries(tasks.map((t) => [t, s.forTask(s.shared, t)]));
      });
    },
    getConfig(): PartConfig {
      return {
        type: 'cgc',
        options: {
          inputSize,
          tasks: [...tasks],
          numSharedExperts: numShared,
          numTaskExperts: numOwn,
          expertUnits: [...expertUnits],
          initializer,
          activation,
          dropout,
          seed,
        },
      };
    },
    dispose(): void {
      disposeVariables(variables);
    },
  };
}
