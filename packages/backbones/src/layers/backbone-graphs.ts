/**
 * tfjs-layers graphs equivalent (at inference) to the exportable backbones, used by `exportLayersModel`. Internal:
 * not re-exported from the entry point.
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MultitaskError, type Backbone } from '@multitask/core';

/** A layer and the tensors to copy into it (in the layer's weight order) once the model is built. */
export type WeightCopy = readonly [tfl.layers.Layer, readonly tf.Tensor[]];

/** The symbolic graph of one exported backbone. */
export interface BackboneGraph {
  /** The model inputs, in feeding order. */
  readonly inputs: tfl.SymbolicTensor[];
  /** The representation of a task (the same tensor for every task unless the backbone is gated). */
  readonly representation: (task: string) => tfl.SymbolicTensor;
}

/** Backbone types `exportLayersModel` exports, in the order its error message lists them. */
export const EXPORTABLE_BACKBONES: readonly string[] = [
  'mlp',
  'multi-lenet',
  'resnet',
  'mmoe',
  'cgc',
  'multi-input',
];

/** Backbone types allowed as branches of an exported `multi-input` backbone. */
export const EXPORTABLE_BRANCHES: readonly string[] = ['mlp', 'multi-lenet', 'resnet'];

const LAYER_ACTIVATIONS: Readonly<Record<string, string>> = {
  relu: 'relu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  elu: 'elu',
  selu: 'selu',
  linear: 'linear',
  // No activation string: the dense layer stays linear and a LeakyReLU layer (α = 0.2, as core's) follows it.
  'leaky-relu': 'linear',
};

/** The slope for negative inputs of core's `leaky-relu`. */
const LEAKY_ALPHA = 0.2;

/**
 * How a multitask activation exports: the dense layer's activation string, and `after`, which appends the layers
 * the string cannot express (a LeakyReLU for `leaky-relu`). Throws `INVALID_CONFIG` naming `part`.
 */
export function layerActivation(
  value: unknown,
  part: string,
): { readonly dense: string; after(y: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor } {
  const name = typeof value === 'string' ? value : 'relu';
  const a = LAYER_ACTIVATIONS[name];
  if (a === undefined) {
    throw new MultitaskError(
      'INVALID_CONFIG',
      `[@multitask/backbones] exportLayersModel: the ${part} uses activation "${name}", which has no ` +
        `tfjs-layers equivalent — use relu, tanh, sigmoid, elu, selu, leaky-relu or linear.`,
    );
  }
  return {
    dense: a,
    after: (y, layerName) =>
      name === 'leaky-relu'
        ? (tfl.layers
            .leakyReLU({ alpha: LEAKY_ALPHA, name: `${layerName}_leaky_relu` })
            .apply(y) as tfl.SymbolicTensor)
        : y,
  };
}

/** Hands out a backbone's variables in order; throws if the backbone has fewer than its config implies. */
function cursor(vars: readonly tf.Tensor[], type: string, kind: string): () => tf.Tensor {
  let i = 0;
  return () => {
    const v = vars[i++];
    if (v === undefined) {
      throw new MultitaskError(
        'INVALID_CONFIG',
        `[@multitask/backbones] exportLayersModel: the ${type} backbone has fewer ${kind} variables than its ` +
          `config implies (${vars.length}) — export a backbone built by its factory.`,
        { details: { name: type } },
      );
    }
    return v;
  };
}

const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]): tfl.SymbolicTensor =>
  layer.apply(x) as tfl.SymbolicTensor;

/** Records the weights of `layer` (taken before it is built, so a missing variable builds nothing), then applies it. */
export function wire(
  copies: WeightCopy[],
  layer: tfl.layers.Layer,
  x: tfl.SymbolicTensor,
  weights: readonly tf.Tensor[],
): tfl.SymbolicTensor {
  copies.push([layer, weights]);
  return apply(layer, x);
}

/** A single-input backbone applied to `input`: returns its representation `[batch, n]`. */
function singleInputGraph(
  backbone: Backbone,
  input: tfl.SymbolicTensor,
  prefix: string,
  copies: WeightCopy[],
): tfl.SymbolicTensor {
  const cfg = backbone.getConfig();
  const o = cfg.options as Record<string, unknown>;
  const next = cursor(backbone.trainableVariables, cfg.type, 'trainable');
  if (cfg.type === 'mlp') {
    const act = layerActivation(o.activation, 'mlp backbone');
    let z = input;
    (o.units as number[]).forEach((u, i) => {
      const layer = tfl.layers.dense({
        units: u,
        activation: act.dense as never,
        name: `${prefix}dense_${i}`,
      });
      z = act.after(wire(copies, layer, z, [next(), next()]), `${prefix}dense_${i}`);
    });
    return z;
  }
  if (cfg.type === 'multi-lenet') {
    const [f1, f2] = o.filters as [number, number];
    const k = o.kernelSize as number;
    const conv1 = tfl.layers.conv2d({
      filters: f1,
      kernelSize: k,
      padding: 'valid',
      name: `${prefix}conv_0`,
    });
    const conv2 = tfl.layers.conv2d({
      filters: f2,
      kernelSize: k,
      padding: 'valid',
      name: `${prefix}conv_1`,
    });
    const fc = tfl.layers.dense({ units: o.units as number, activation: 'relu', name: `${prefix}dense` });
    const poolRelu = (y: tfl.SymbolicTensor): tfl.SymbolicTensor =>
      apply(
        tfl.layers.activation({ activation: 'relu' }),
        apply(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }), y),
      );
    const y1 = poolRelu(wire(copies, conv1, input, [next(), next()]));
    const y2 = poolRelu(wire(copies, conv2, y1, [next(), next()]));
    return wire(copies, fc, apply(tfl.layers.flatten(), y2), [next(), next()]);
  }
  if (cfg.type === 'resnet') return resnetGraph(backbone, input, prefix, copies);
  throw new MultitaskError(
    'INVALID_CONFIG',
    `[@multitask/backbones] exportLayersModel: a multi-input branch must be one of ${EXPORTABLE_BRANCHES.join(', ')}, ` +
      `not "${cfg.type}".`,
    { details: { name: cfg.type } },
  );
}

/**
 * The resnet backbone in inference mode. Variable order (see `resnetBackbone`): stem conv kernel, stem BN γ, β;
 * then per block c1 kernel, b1 γ β, c2 kernel, b2 γ β, and for a projection its conv kernel and BN γ β. The moving
 * mean and variance come in the same BN order from `nonTrainableVariables`.
 */
function resnetGraph(
  backbone: Backbone,
  input: tfl.SymbolicTensor,
  prefix: string,
  copies: WeightCopy[],
): tfl.SymbolicTensor {
  const o = backbone.getConfig().options as Record<string, unknown>;
  const widths = o.widths as number[];
  const blocksPerStage = o.blocksPerStage as number;
  const momentum = o.momentum as number;
  const next = cursor(backbone.trainableVariables, 'resnet', 'trainable');
  const nextStat = cursor(backbone.nonTrainableVariables ?? [], 'resnet', 'non-trainable');
  let n = 0;
  // Our 'same' pads the extra row/column after, as does tfjs-core's conv2d 'same' (which tfjs-layers calls).
  const convBn = (x: tfl.SymbolicTensor, k: number, filters: number, stride: number): tfl.SymbolicTensor => {
    const id = n++;
    const conv = tfl.layers.conv2d({
      filters,
      kernelSize: k,
      strides: stride,
      padding: k === 1 ? 'valid' : 'same',
      useBias: false,
      name: `${prefix}conv_${id}`,
    });
    const bn = tfl.layers.batchNormalization({
      axis: -1,
      epsilon: 1e-3,
      momentum,
      name: `${prefix}bn_${id}`,
    });
    const y = wire(copies, conv, x, [next()]);
    const gamma = next();
    const beta = next();
    return wire(copies, bn, y, [gamma, beta, nextStat(), nextStat()]);
  };
  const relu = (x: tfl.SymbolicTensor): tfl.SymbolicTensor => apply(tfl.layers.reLU(), x);
  let y = relu(convBn(input, 3, widths[0]!, 1));
  let cin = widths[0]!;
  widths.forEach((cout, s) => {
    for (let i = 0; i < blocksPerStage; i++) {
      const stride = s > 0 && i === 0 ? 2 : 1;
      const r = relu(convBn(y, 3, cout, stride));
      const r2 = convBn(r, 3, cout, 1);
      const shortcut = stride !== 1 || cin !== cout ? convBn(y, 1, cout, stride) : y;
      y = relu(apply(tfl.layers.add(), [r2, shortcut]));
      cin = cout;
    }
  });
  return apply(tfl.layers.globalAveragePooling2d({}), y);
}

/**
 * A gated backbone (mmoe or cgc). Experts are chains of dense layers (one per expert layer); a task's selected
 * experts are stacked to `[batch, k, units]` and mixed with its softmax gate `[batch, k]` by a `dot` layer:
 * `Σⱼ gⱼ · expertⱼ`. Experts are built on first use, so exporting a subset of tasks leaves out other tasks'
 * own (cgc) experts. Variable order: mmoe — experts (layer kernel, bias each), then per task its gate kernel,
 * bias; cgc — shared experts, then per task its own experts and its gate.
 */
function gatedGraph(backbone: Backbone, copies: WeightCopy[]): BackboneGraph {
  const cfg = backbone.getConfig();
  const o = cfg.options as Record<string, unknown>;
  const vars = backbone.trainableVariables;
  const inputSize = o.inputSize as number;
  const tasks = o.tasks as string[];
  const units = o.expertUnits as number[];
  const depth = units.length;
  const act = layerActivation(o.activation, `${cfg.type} backbone`);
  const mmoe = cfg.type === 'mmoe';
  const numShared = mmoe ? (o.numExperts as number) : (o.numSharedExperts as number);
  const numOwn = mmoe ? 0 : (o.numTaskExperts as number);
  const perTask = 2 * (numOwn * depth + 1);
  const sharedSize = 2 * numShared * depth;
  if (vars.length !== sharedSize + tasks.length * perTask) {
    throw new MultitaskError(
      'INVALID_CONFIG',
      `[@multitask/backbones] exportLayersModel: the ${cfg.type} backbone has ${vars.length} trainable variables, ` +
        `its config implies ${sharedSize + tasks.length * perTask} — export a backbone built by its factory.`,
      { details: { name: cfg.type } },
    );
  }
  const input = tfl.input({ shape: [inputSize], name: 'input' });
  const experts = new Map<string, tfl.SymbolicTensor>();
  /** Expert output `[batch, 1, units]`; its layer-l variables start at `start + 2l`. */
  const expert = (name: string, start: number): tfl.SymbolicTensor => {
    let h = experts.get(name);
    if (h !== undefined) return h;
    h = input;
    for (let l = 0; l < depth; l++) {
      const layer = tfl.layers.dense({
        units: units[l]!,
        activation: act.dense as never,
        name: `backbone_${name}_dense_${l}`,
      });
      h = act.after(
        wire(copies, layer, h, [vars[start + 2 * l]!, vars[start + 2 * l + 1]!]),
        `backbone_${name}_dense_${l}`,
      );
    }
    h = apply(tfl.layers.reshape({ targetShape: [1, units[depth - 1]!], name: `backbone_${name}_row` }), h);
    experts.set(name, h);
    return h;
  };
  const representation = (task: string): tfl.SymbolicTensor => {
    const t = tasks.indexOf(task);
    if (t < 0) {
      throw new MultitaskError(
        'UNKNOWN_NAME',
        `[@multitask/backbones] exportLayersModel: the ${cfg.type} backbone has no gate for task "${task}" (it ` +
          `was built for: ${tasks.join(', ')}).`,
        { details: { task } },
      );
    }
    const base = sharedSize + t * perTask;
    const selected = [
      ...Array.from({ length: numShared }, (_, e) => expert(`expert_${e}`, 2 * e * depth)),
      ...Array.from({ length: numOwn }, (_, j) => expert(`${task}_expert_${j}`, base + 2 * j * depth)),
    ];
    const stacked =
      selected.length === 1
        ? selected[0]!
        : apply(tfl.layers.concatenate({ axis: 1, name: `backbone_${task}_experts` }), selected);
    const gate = tfl.layers.dense({
      units: selected.length,
      activation: 'softmax',
      name: `backbone_${task}_gate`,
    });
    const g = wire(copies, gate, input, [vars[base + perTask - 2]!, vars[base + perTask - 1]!]);
    return apply(tfl.layers.dot({ axes: [1, 1], name: `backbone_${task}_mix` }), [g, stacked]);
  };
  return { inputs: [input], representation };
}

/** One `tfl.input` named after each input, each branch applied to its own, representations concatenated. */
function multiInputGraph(backbone: Backbone, copies: WeightCopy[]): BackboneGraph {
  const branches = (backbone as Backbone & { branches?: Readonly<Record<string, Backbone>> }).branches;
  if (branches === undefined) {
    throw new MultitaskError(
      'INVALID_CONFIG',
      '[@multitask/backbones] exportLayersModel: the multi-input backbone has no "branches" — export one built by ' +
        'multiInputBackbone.',
    );
  }
  const names = Object.keys(branches);
  const inputs = names.map((n) => {
    const b = branches[n]!;
    const o = b.getConfig().options as Record<string, unknown>;
    const type = b.getConfig().type;
    if (!EXPORTABLE_BRANCHES.includes(type)) {
      throw new MultitaskError(
        'INVALID_CONFIG',
        `[@multitask/backbones] exportLayersModel: branch "${n}" of the multi-input backbone is a "${type}" backbone; ` +
          `only ${EXPORTABLE_BRANCHES.join(', ')} branches export.`,
        { details: { input: n, name: type } },
      );
    }
    const shape = type === 'mlp' ? [o.inputSize as number] : [...(o.inputShape as number[])];
    return tfl.input({ shape, name: n });
  });
  const parts = names.map((n, i) => singleInputGraph(branches[n]!, inputs[i]!, `backbone_${n}_`, copies));
  const z =
    parts.length === 1
      ? parts[0]!
      : apply(tfl.layers.concatenate({ axis: -1, name: 'backbone_concat' }), parts);
  return { inputs, representation: () => z };
}

/**
 * Builds the tfjs-layers graph of `backbone`, pushing the weights to copy onto `copies`. Throws `INVALID_CONFIG`
 * naming the supported types for any other backbone.
 */
export function backboneGraph(backbone: Backbone, copies: WeightCopy[]): BackboneGraph {
  const cfg = backbone.getConfig();
  const o = cfg.options as Record<string, unknown>;
  switch (cfg.type) {
    case 'mlp':
    case 'multi-lenet':
    case 'resnet': {
      const shape = cfg.type === 'mlp' ? [o.inputSize as number] : [...(o.inputShape as number[])];
      const input = tfl.input({ shape, name: 'input' });
      const z = singleInputGraph(backbone, input, 'backbone_', copies);
      return { inputs: [input], representation: () => z };
    }
    case 'mmoe':
    case 'cgc':
      return gatedGraph(backbone, copies);
    case 'multi-input':
      return multiInputGraph(backbone, copies);
    default:
      throw new MultitaskError(
        'INVALID_CONFIG',
        `[@multitask/backbones] exportLayersModel supports the ${EXPORTABLE_BACKBONES.join(', ')} backbones ` +
          `(multi-input with ${EXPORTABLE_BRANCHES.join(', ')} branches), not "${cfg.type}" — save this model in ` +
          `multitask format (saveModelTo) instead.`,
        { details: { name: cfg.type } },
      );
  }
}
