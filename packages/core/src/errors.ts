/**
 * The one error class of multitask. Every error carries a {@link MultitaskErrorCode} and a message that says
 * what is wrong and how to fix it.
 */

/** Machine-readable reason of a {@link MultitaskError}. */
export type MultitaskErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_OPTION'
  | 'UNKNOWN_NAME'
  | 'SHAPE_MISMATCH'
  | 'INVALID_DATA'
  | 'NO_DATA'
  | 'LABEL_OUT_OF_RANGE'
  | 'NON_FINITE_LOSS'
  | 'UNSUPPORTED_GRADIENT_MODE'
  | 'SOLVER_NOT_CONVERGED'
  | 'IO_ERROR'
  | 'CHECKPOINT_ERROR'
  | 'BACKEND_ERROR'
  | 'MISSING_GRADIENT'
  | 'INTERNAL';

/** Extra, structured facts about an error (task, file, line, option, shape…), for programs that handle it. */
export type MultitaskErrorDetails = Readonly<
  Record<string, string | number | boolean | readonly number[] | undefined>
>;

const BRAND: unique symbol = Symbol.for('@multitask/error') as never;

/** Options of {@link MultitaskError}. */
export interface MultitaskErrorOptions {
  /** The error that caused this one. */
  readonly cause?: unknown;
  /** Structured facts about the error. */
  readonly details?: MultitaskErrorDetails;
}

/**
 * The error thrown by every multitask package. Prefer {@link isMultitaskError} over `instanceof`: it also
 * recognises errors from a second copy of the package.
 *
 * @example
 * ```ts
 * import { MultitaskError, isMultitaskError } from '@multitask/core';
 *
 * try {
 *   throw new MultitaskError('NON_FINITE_LOSS', '[my-app] the loss of task "a" is NaN at step 3', { details: { task: 'a' } });
 * } catch (e) {
 *   if (isMultitaskError(e) && e.code === 'NON_FINITE_LOSS') console.log(`stopped: ${e.message}`, e.details.task);
 * }
 * ```
 */
export class MultitaskError extends Error {
  override readonly name = 'MultitaskError';
  /** Machine-readable reason. */
  readonly code: MultitaskErrorCode;
  /** Structured facts (task, file, line, option, shape…). */
  readonly details: MultitaskErrorDetails;

  /**
   * @param code - machine-readable reason
   * @param message - what is wrong and how to fix it; conventionally prefixed with `[@multitask/<package>]`
   * @param options - cause and structured details
   */
  constructor(code: MultitaskErrorCode, message: string, options: MultitaskErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True when `e` is a {@link MultitaskError} (from any copy of the package). */
export function isMultitaskError(e: unknown): e is MultitaskError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}
