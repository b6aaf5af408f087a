/**
 * Node-only helpers of @multitask/core: checkpoints on disk, written atomically and verified on load.
 * @module @multitask/core/node
 * @packageDocumentation
 */
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpoint,
  findCheckpoint,
  checkpointCallback,
} from './checkpoint-files.ts';
export type {
  CheckpointCallbackOptions,
  CheckpointWriteStage,
  FoundCheckpoint,
  SaveCheckpointOptions,
} from './checkpoint-files.ts';
