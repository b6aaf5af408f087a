/**
 * The error this package throws. It is shaped like `@multitask/core`'s `MultitaskError` (same `name`, `code`,
 * `details` and brand symbol, so core's `isMultitaskError` recognises it) without importing core: the shared
 * test setup imports this package, and core's tests import the shared setup.
 */

const BRAND: unique symbol = Symbol.for('@multitask/error') as never;

/** Thrown by `@multitask/backend`; `code` is always `'BACKEND_ERROR'`. */
export class BackendError extends Error {
  override readonly name = 'MultitaskError';
  /** Machine-readable reason, as in core's `MultitaskErrorCode`. */
  readonly code = 'BACKEND_ERROR' as const;
  /** Structured facts (kernel, shape, option). */
  readonly details: Readonly<Record<string, string | number | boolean | readonly number[] | undefined>>;

  constructor(
    message: string,
    details: Readonly<Record<string, string | number | boolean | readonly number[] | undefined>> = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.details = details;
    Object.defineProperty(this, BRAND, { value: true });
  }
}
