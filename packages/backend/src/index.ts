/**
 * Picks and prepares the fastest TensorFlow.js backend available in this process.
 * @packageDocumentation
 */
export { selectBackend } from './select-backend.ts';
export type { BackendName, SelectBackendOptions, BackendSelection } from './select-backend.ts';
