/**
 * Node-only helpers of `@multitask/eval`: writing reports to disk.
 * @packageDocumentation
 */
export { writeReport } from './write-report.ts';
export type { WrittenReport } from './write-report.ts';
