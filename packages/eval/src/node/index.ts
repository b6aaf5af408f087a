/**
 * Node-only helpers of `@multitask/eval`: writing reports to disk.
 * @module @multitask/eval/node
 * @packageDocumentation
 */
export { writeReport } from './write-report.ts';
export type { WrittenReport } from './write-report.ts';
