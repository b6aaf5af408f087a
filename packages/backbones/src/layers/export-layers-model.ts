import * as tfl from '@tensorflow/tfjs-layers';
import { MultitaskError, type MultitaskModel } from '@multitask/core';
import { backboneGraph, layerActivation, wire, type WeightCopy } from './backbone-graphs.ts';

/** Options of {@link exportLayersModel}. */
export interface ExportLayersOptions {
  /** Export only these tasks' paths (default: every task, one output each, in task order). */
  readonly tasks?: readonly string[];
  /** Append a softmax to classification heads (their multitask output is logits). Default false. */
  readonly softmax?: boolean;
}

/**
 * Builds a plain tfjs-layers model equivalent (at inference) to a multitask model — one output per task — and
 * copies the weights, so it can be saved with `layersModel.save(…)` and loaded with `tf.loadLayersModel` without
 * any multitask package. Exports the `mlp`, `multi-lenet`, `resnet` (batch norm with its moving statistics),
 * `mmoe` and `cgc` (experts, softmax gates and the mix as built-in layers) backbones, and `multi-input` whose
 * branches are `mlp`, `multi-lenet` or `resnet` (one model input per branch, named after it, in branch order);
 * with heads made of dense layers (the classification, regression, binary and multi-label heads of
 * `@multitask/heads`: hidden stack + output). Dropout is dropped, as at inference. Other backbones throw
 * `INVALID_CONFIG` listing the supported ones. The caller disposes the model.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { MultitaskModel } from '@multitask/core';
 * import { mlpBackbone } from '@multitask/backbones';
 * import { exportLayersModel } from '@multitask/backbones/layers';
 * import { fileSystemHandler } from '@multitask/backbones/node';
 * import { classificationTask } from '@multitask/heads';
 *
 * const model = new MultitaskModel({
 *   backbone: mlpBackbone({ inputSize: 784, units: [50] }),
 *   tasks: [classificationTask('digit', { inputSize: 50, numClasses: 10 })],
 * });
 * const layers = exportLayersModel(model, { tasks: ['digit'], softmax: true });
 * await layers.save(fileSystemHandler('export/digit')); // model.json + weights.bin for tf.loadLayersModel
 * layers.dispose();
 * ```
 */
export function exportLayersModel(model: MultitaskModel, options: ExportLayersOptions = {}): tfl.LayersModel {
  const copies: WeightCopy[] = [];
  try {
    return build(model, options, copies);
  } catch (e) {
    // Layers built before the failure own variables that no model will dispose.
    for (const [layer] of copies) if (layer.built) layer.dispose();
    throw e;
  }
}

/** Builds the graph (backbone, then each task's head), then copies the weights into the built layers. */
function build(model: MultitaskModel, options: ExportLayersOptions, copies: WeightCopy[]): tfl.LayersModel {
  const graph = backboneGraph(model.backbone, copies);
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
    let y = graph.representation(name);
    for (let i = 0; i < hv.length / 2; i++) {
      const last = i === hv.length / 2 - 1;
      const activation = last
        ? options.softmax && hc.type === 'classification'
          ? 'softmax'
          : 'linear'
        : act.dense;
      const layerName = last ? name : `${name}_hidden_${i}`;
      const layer = tfl.layers.dense({
        units: hv[2 * i]!.shape[1]!,
        activation: activation as never,
        name: layerName,
      });
      y = wire(copies, layer, y, [hv[2 * i]!, hv[2 * i + 1]!]);
      if (!last) y = act.after(y, layerName);
    }
    return y;
  });
  const layersModel = tfl.model({
    inputs: graph.inputs.length === 1 ? graph.inputs[0]! : graph.inputs,
    outputs,
  });
  for (const [layer, weights] of copies) layer.setWeights([...weights]);
  return layersModel;
}
