/**
 * Export of multitask models to plain tfjs-layers models (`@multitask/backbones/layers`): a separate entry point
 * because it imports `@tensorflow/tfjs-layers`, which the main entry does not need.
 * @module @multitask/backbones/layers
 * @packageDocumentation
 */
export { exportLayersModel } from './export-layers-model.ts';
export type { ExportLayersOptions } from './export-layers-model.ts';
