/** Expert networks and softmax gates shared by the gated sharing schemes (MMoE, CGC). Internal. */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import {
  MultitaskError,
  Rng,
  type Backbone,
  type ForwardContext,
  type JsonValue,
  type SharedRepresentation,
  type TaskRepresentations,
} from '@multitask/core';
import {
  activate,
  applyDense,
  disposeVariables,
  makeDense,
  makeDenseLayers,
  maybeDropout,
  toRows,
  type Activation,
  type Dense,
  type Initializer,
  type ResolvedCommonPartOptions,
} from '@multitask/core/parts';
import type { GatedBackbone } from '../mmoe-backbone.ts';
import { singleInput } from './single-input.ts';

/** One expert: a small MLP. */
export type Expert = readonly Dense[];

/** Creates an expert MLP `inputSize → units…`. */
export function makeExpert(
  rng: Rng,
  inputSize: number,
  units: readonly number[],
  initializer: Initializer,
): Expert {
  return makeDenseLayers(rng, inputSize, units, initializer);
}

/**
 * Runs the experts on `x` and stacks their outputs: `[batch, experts, units]`. All experts run as one matmul per
 * layer (kernels concatenated; deeper layers as a block-diagonal matrix), which is much cheaper to
 * differentiate on the cpu and wasm backends than per-expert ops followed by a stack.
 */
export function runExperts(
  x: Tensor2D,
  experts: readonly Expert[],
  activation: Activation,
  dropout: number,
  context: ForwardContext,
  rng: Rng,
): Tensor {
  const E = experts.length;
  const depth = experts[0]!.length;
  let h: Tensor = x;
  for (let l = 0; l < depth; l++) {
    const kernels = experts.map((e) => e[l]!.kernel);
    const [rows, cols] = kernels[0]!.shape as [number, number];
    let kernel: Tensor;
    if (l === 0) {
      kernel = tf.concat(kernels, 1);
    } else {
      kernel = tf.concat(
        kernels.map((k, e) => {
          const parts: Tensor[] = [];
          if (e > 0) parts.push(tf.zeros([e * rows, cols]));
          parts.push(k);
          if (e < E - 1) parts.push(tf.zeros([(E - 1 - e) * rows, cols]));
          return parts.length === 1 ? k : tf.concat(parts, 0);
        }),
        1,
      );
    }
    const bias = tf.concat(
      experts.map((e) => e[l]!.bias),
      0,
    );
    h = maybeDropout(
      activate(tf.add(tf.matMul(h as Tensor2D, kernel as Tensor2D), bias), activation),
      dropout,
      context,
      rng,
    );
  }
  const units = experts[0]![depth - 1]!.kernel.shape[1]!;
  return tf.reshape(h, [-1, E, units]);
}

/**
 * The constant 0/1 matrices {@link gateMix} multiplies by to mix the experts `selected` (indices into `numExperts`
 * stacked outputs of `units` each): `spread` `[k, E·u]` copies gate j over expert selected[j]'s columns, `gather`
 * `[E·u, u]` sums the experts' columns per unit. Built once per task.
 */
export interface GateMatrices {
  readonly k: number;
  readonly spread: Float32Array;
  readonly gather: Float32Array;
}

/** Builds the {@link GateMatrices} of one task. */
export function gateMatrices(numExperts: number, units: number, selected: readonly number[]): GateMatrices {
  const E = numExperts;
  const u = units;
  const k = selected.length;
  const spread = new Float32Array(k * E * u);
  const gather = new Float32Array(E * u * u);
  selected.forEach((e, j) => {
    for (let c = 0; c < u; c++) {
      spread[j * E * u + e * u + c] = 1;
      gather[(e * u + c) * u + c] = 1;
    }
  });
  return { k, spread, gather };
}

/**
 * Mixes the selected experts of the stacked `[batch, E, units]` outputs with the softmax gate
 * `softmax(x·W + b)` `[batch, k]`: `Σⱼ gⱼ · experts[:, selected[j], :]`, written as two 2-D matmuls with the
 * constant 0/1 matrices `m` (cheap to differentiate on every backend).
 */
export function gateMix(x: Tensor2D, gate: Dense, experts: Tensor, m: GateMatrices): Tensor {
  const [, E, u] = experts.shape as [number, number, number];
  const g = tf.softmax(applyDense(x, gate)) as Tensor2D; // [B, k]
  const flat = tf.reshape(experts, [-1, E * u]);
  const weighted = tf.mul(tf.matMul(g, tf.tensor2d(m.spread, [m.k, E * u])), flat);
  return tf.matMul(weighted, tf.tensor2d(m.gather, [E * u, u]));
}

/** Variables of a list of experts. */
export function expertVariables(experts: readonly Expert[]): Variable[] {
  return experts.flatMap((layers) => layers.flatMap((l) => [l.kernel, l.bias]));
}

/** Validates the `tasks` option: a non-empty list of unique names. */
export function checkTaskNames(part: string, tasks: unknown): string[] {
  if (
    !Array.isArray(tasks) ||
    tasks.length === 0 ||
    !tasks.every((t) => typeof t === 'string' && t.length > 0)
  ) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/backbones] ${part}: option "tasks" must list the task names (non-empty strings), got ` +
        `${JSON.stringify(tasks)}.`,
      { details: { option: 'tasks' } },
    );
  }
  const names = tasks as string[];
  const dup = names.find((t, i) => names.indexOf(t) !== i);
  if (dup !== undefined) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/backbones] ${part}: task "${dup}" is listed twice in "tasks".`,
      {
        details: { option: 'tasks', task: dup },
      },
    );
  }
  return [...names];
}

/** Throws `UNKNOWN_NAME` for a task the backbone was not built for. */
export function unknownTask(part: string, task: string, tasks: readonly string[]): never {
  throw new MultitaskError(
    'UNKNOWN_NAME',
    `[@multitask/backbones] ${part} has no gate for task "${task}" (it was built for: ${tasks.join(', ')}) — ` +
      `list every task name in its "tasks" option.`,
    { details: { task } },
  );
}

/** What a gated backbone is made of: `numShared` experts for every task, `numOwn` more per task, a gate per task. */
export interface GatedSpec {
  /** `'mmoe'` (no experts of its own per task) or `'cgc'`: the backbone's name and config type. */
  readonly name: 'mmoe' | 'cgc';
  /** Names the backbone in error messages. */
  readonly part: string;
  readonly inputSize: number;
  readonly tasks: readonly string[];
  readonly numShared: number;
  readonly numOwn: number;
  readonly expertUnits: readonly number[];
  readonly common: ResolvedCommonPartOptions;
  /** The options `getConfig()` returns. */
  readonly config: { readonly [key: string]: JsonValue };
}

/**
 * Builds MMoE (`numOwn` = 0) and CGC: weights drawn in the order shared experts, each task's own experts, the
 * gates; variables in the order shared experts, then per task its own experts and its gate (`taskVariables`).
 * `applyShared` stacks every expert's output `[batch, experts, units]`; `forTask` gates the shared experts and the
 * task's own.
 */
export function gatedBackbone(spec: GatedSpec): GatedBackbone {
  const { part, inputSize, tasks, numShared, numOwn, expertUnits } = spec;
  const { activation, dropout, initializer, seed } = spec.common;
  const rng = new Rng(seed);
  const experts = (n: number): Expert[] =>
    Array.from({ length: n }, () => makeExpert(rng, inputSize, expertUnits, initializer));
  const shared = experts(numShared);
  const own = new Map<string, Expert[]>(tasks.map((t) => [t, experts(numOwn)]));
  const gates = new Map<string, Dense>(
    tasks.map((t) => [t, makeDense(rng, inputSize, numShared + numOwn, initializer)]),
  );
  const dropoutRng = rng.fork();
  const allExperts = [...shared, ...tasks.flatMap((t) => own.get(t)!)];
  // Per task, the 0/1 matrices that select and mix its experts from the stacked outputs: the shared ones, then
  // its own (task i's own experts sit after the shared ones and those of tasks 0…i−1).
  const mixers = new Map<string, GateMatrices>(
    tasks.map((t, i) => [
      t,
      gateMatrices(allExperts.length, expertUnits.at(-1) ?? inputSize, [
        ...Array.from({ length: numShared }, (_, j) => j),
        ...Array.from({ length: numOwn }, (_, j) => numShared + i * numOwn + j),
      ]),
    ]),
  );
  const taskVariables = Object.fromEntries(
    tasks.map((t) => [t, [...expertVariables(own.get(t)!), gates.get(t)!.kernel, gates.get(t)!.bias]]),
  );
  const variables: Variable[] = [...expertVariables(shared), ...tasks.flatMap((t) => taskVariables[t]!)];
  const applyShared = (
    inputs: Parameters<Backbone['apply']>[0],
    context: ForwardContext,
  ): SharedRepresentation => {
    const x = toRows('backbones', part, singleInput(part, inputs), inputSize);
    return {
      shared: tf.tidy(() => runExperts(x, allExperts, activation, dropout, context, dropoutRng)),
      forTask: (stacked: Tensor, task: string): Tensor => {
        const gate = gates.get(task) ?? unknownTask(part, task, tasks);
        return tf.tidy(() => gateMix(x, gate, stacked, mixers.get(task)!));
      },
    };
  };
  return {
    name: spec.name,
    outputSize: expertUnits.at(-1) ?? inputSize,
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
    getConfig: () => ({ type: spec.name, options: { ...spec.config } }),
    dispose(): void {
      disposeVariables(variables);
    },
  };
}
