/**
 * Node-only helpers of @multitask/core: checkpoints on disk, written atomically.
 * @module @multitask/core/node
 * @packageDocumentation
 */
export { saveCheckpoint, loadCheckpoint, readCheckpoint, checkpointCallback } from './checkpoint-files.ts';
export type { CheckpointCallbackOptions } from './checkpoint-files.ts';
