/**
 * Row order of one epoch: the (optionally shuffled) row indices cut into batches.
 */
import { MultitaskError, Rng, type BatchRequest } from '@multitask/core';

/** Throws INVALID_OPTION unless the request is usable. */
export function checkRequest(request: BatchRequest, source: string): void {
  const { batchSize, seed } = request;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/data] batchSize of source "${source}" must be an integer ≥ 1, got ${batchSize} — pass e.g. { batchSize: 32 }.`,
      { details: { option: 'batchSize', source } },
    );
  }
  if (request.shuffle && !Number.isFinite(seed)) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/data] seed of source "${source}" must be a finite number when shuffling, got ${seed}.`,
      { details: { option: 'seed', source } },
    );
  }
}

/**
 * The batches of row indices of one epoch over `size` rows: shuffled with `new Rng(seed)` when `shuffle` is
 * set, the last smaller batch kept unless `dropRemainder` is true.
 */
export function epochBatches(size: number, request: BatchRequest, source: string): number[][] {
  checkRequest(request, source);
  const order = request.shuffle
    ? new Rng(request.seed).permutation(size)
    : Array.from({ length: size }, (_, i) => i);
  const out: number[][] = [];
  const { batchSize } = request;
  for (let start = 0; start < size; start += batchSize) {
    const end = Math.min(size, start + batchSize);
    if (end - start < batchSize && request.dropRemainder === true) break;
    out.push(order.slice(start, end));
  }
  return out;
}
