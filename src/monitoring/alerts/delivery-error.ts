/**
 * A sink could not deliver. `retryable` says whether trying again can help:
 * network failures, timeouts, 408, 429 and 5xx can; other 4xx cannot.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(message: string, options: { status?: number; retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.retryable = options.retryable;
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
