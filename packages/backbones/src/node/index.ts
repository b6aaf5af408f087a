/**
 * Node-only entry point of `@multitask/backbones`: save and load models to and from directories (no tfjs-node).
 * @module @multitask/backbones/node
 * @packageDocumentation
 */
export { fileSystemHandler, MODEL_JSON, WEIGHTS_BIN } from './file-system-handler.ts';
export { saveModel, loadModel } from './save-model.ts';
