import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MultitaskError, type MultitaskModel } from '@multitask/core';

/** Options of {@link exportLayersModel}. */
export interface ExportLayersOptions {
  /** Export only these tasks' paths (default: every task, one output each, in task order). */
  readonly tasks?: readonly string[];
  /** Append a softmax to classification heads (their multitask output is logits). Default false. */
  readonly softmax?: boolean;
}

const LAYER_ACTIVATIONS: Readonly<Record<string, string>> = {
  relu: 'relu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  elu: 'elu',
  selu: 'selu',
  linear: 'linear',
};

function layerActivation(value: unknown, part: string): string {
  const name = typeof value === 'string' ? value : 'relu';
  const a = LAYER_ACTIVATIONS[name];
  if (a === undefined) {
    throw new MultitaskError(
      'INVALID_CONFIG',
      `[@multitask/backbones] exportLayersModel: the ${part} uses activation "${name}", which has no ` +
        `tfjs-layers activation string — use relu, tanh, sigmoid, elu, selu or linear.`,
    );
  }
  return a;
}

/**
 * Builds a plain tfjs-layers model equivalent (at inference) to a multitask model — one output per task — and
 * copies the weights, so it can be saved with `layersModel.save(…)` and loaded with `tf.loadLayersModel` without
 * any multitask package. Exports the `mlp` and `multi-lenet` backbones and heads made of dense layers (the
 * classification, regression, binary and multi-label heads of `@multitask/heads`: hidden stack + output;
 * dropout is dropped, as at inference). Other backbones throw `INVALID_CONFIG`. The caller disposes the model.
 *
 * @example
 * ```ts
 * const layers = exportLayersModel(model, { tasks: ['digit'], softmax: true });
 * await layers.save(fileSystemHandler('export/digit')); // model.json + weights.bin for tf.loadLayersModel
 * layers.dispose();
 * ```
 */
export function exportLayersModel(model: MultitaskModel, options: ExportLayersOptions = {}): tfl.LayersModel {
  const cfg = model.backbone.getConfig();
  const o = cfg.options as Record<string, unknown>;
  const vars = model.backbone.trainableVariables;
  const copies: [tfl.layers.Layer, tf.Tensor[]][] = [];
  let input: tfl.SymbolicTensor;
  let z: tfl.SymbolicTensor;
  if (cfg.type === 'mlp') {
    input = tfl.input({ shape: [o.inputSize as number], name: 'input' });
    z = input;
    const act = layerActivation(o.activation, 'mlp backbone');
    (o.units as number[]).forEach((u, i) => {
      const layer = tfl.layers.dense({ units: u, activation: act as never, name: `backbone_dense_${i}` });
      z = layer.apply(z) as tfl.SymbolicTensor;
      copies.push([layer, [vars[2 * i]!, vars[2 * i + 1]!]]);
    });
  } else if (cfg.type === 'multi-lenet') {
    const [h, w, c] = o.inputShape as [number, number, number];
    const [f1, f2] = o.filters as [number, number];
    const k = o.kernelSize as number;
    input = tfl.input({ shape: [h, w, c], name: 'input' });
    const conv1 = tfl.layers.conv2d({ filters: f1, kernelSize: k, padding: 'valid', name: 'backbone_conv_0' });
    const conv2 = tfl.layers.conv2d({ filters: f2, kernelSize: k, padding: 'valid', name: 'backbone_conv_1' });
    const fc = tfl.layers.dense({ units: o.units as number, activation: 'relu', name: 'backbone_dense' });
    let y = conv1.apply(input) as tfl.SymbolicTensor;
    y = tfl.layers.activation({ activation: 'relu' }).apply(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(y)) as tfl.SymbolicTensor;
    y = conv2.apply(y) as tfl.SymbolicTensor;
    y = tfl.layers.activation({ activation: 'relu' }).apply(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(y)) as tfl.SymbolicTensor;
    z = fc.apply(tfl.layers.flatten().apply(y)) as tfl.SymbolicTensor;
    copies.push([conv1, [vars[0]!, vars[1]!]], [conv2, [vars[2]!, vars[3]!]], [fc, [vars[4]!, vars[5]!]]);
  } else {
    throw new MultitaskError(
      'INVALID_CONFIG',
      `[@multitask/backbones] exportLayersModel supports the mlp and multi-lenet backbones, not "${cfg.type}".`,
      { details: { name: cfg.type } },
    );
  }
  const outputs = (options.tasks ?? model.taskNames).map((name) => {
    const task = model.task(name);
    const head = task.head;
    const hc = head.getConfig();
    const hv = head.trainableVariables;
    if (hv.length === 0 || hv.length % 2 !== 0 || hv.some((v, i) => v.rank !== (i % 2 === 0 ? 2 : 1))) {
      throw new MultitaskError(
        'INVALID_CONFIG',
        `[@multitask/backbones] exportLayersModel: the head of task "${name}" (${hc.type}) is not a stack of dense ` +
          `layers (or has not been built yet) — only dense heads export.`,
        { details: { task: name } },
      );
    }
    const act = layerActivation((hc.options as Record<string, unknown>).activation, `head of task "${name}"`);
    let y = z;
    for (let i = 0; i < hv.length / 2; i++) {
      const last = i === hv.length / 2 - 1;
      const activation = last ? (options.softmax && hc.type === 'classification' ? 'softmax' : 'linear') : act;
      const layer = tfl.layers.dense({
        units: hv[2 * i]!.shape[1]!,
        activation: activation as never,
        name: last ? name : `${name}_hidden_${i}`,
      });
      y = layer.apply(y) as tfl.SymbolicTensor;
      copies.push([layer, [hv[2 * i]!, hv[2 * i + 1]!]]);
    }
    return y;
  });
  const layersModel = tfl.model({ inputs: input, outputs });
  for (const [layer, weights] of copies) layer.setWeights(weights);
  return layersModel;
}
