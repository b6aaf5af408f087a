import * as tf from '@tensorflow/tfjs-core';

/** A backend multitask can run on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Try this backend first (default: the fastest available). */
  readonly prefer?: BackendName;
}

/** Which backend {@link selectBackend} chose, and why. */
export interface BackendSelection {
  /** The backend now active. */
  readonly name: BackendName;
  /** Why it was chosen (and why faster ones were not). */
  readonly reason: string;
}

/** Selects and initialises a backend (preliminary: cpu or stock wasm). */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  if (options.prefer === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    await tf.ready();
    return { name: 'wasm', reason: 'requested' };
  }
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', reason: 'default' };
}
