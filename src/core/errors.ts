/**
 * One error class with a stable code, a message that says what to do next,
 * and the context it happened in. HTTP statuses are mapped from codes in one
 * place (api/errors.ts).
 */
export const ErrorCode = {
  InvalidSpec: 'InvalidSpec',
  InvalidRequest: 'InvalidRequest',
  /** The server's config file or flags: a startup failure, never an answer to a request. */
  InvalidConfig: 'InvalidConfig',
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  NotFound: 'NotFound',
  Conflict: 'Conflict',
  Locked: 'Locked',
  DeploymentRejected: 'DeploymentRejected',
  NothingToRollBack: 'NothingToRollBack',
  ArtifactMissing: 'ArtifactMissing',
  InstanceUnhealthy: 'InstanceUnhealthy',
  InstanceExited: 'InstanceExited',
  InstanceStartFailed: 'InstanceStartFailed',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  AnalysisFailed: 'AnalysisFailed',
  HookFailed: 'HookFailed',
  RouterUnavailable: 'RouterUnavailable',
  PortInUse: 'PortInUse',
  ServerUnavailable: 'ServerUnavailable',
  /** A bounded resource of the server (e.g. followed log streams) is full: try again later. */
  TooManyRequests: 'TooManyRequests',
  /** A request body over its route's limit (an artifact upload over limits.artifactSize): send less. */
  PayloadTooLarge: 'PayloadTooLarge',
  /** The store is empty or damaged while the data dir shows earlier state: a startup failure, never an answer to a request. */
  StoreDamaged: 'StoreDamaged',
  Internal: 'Internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorContext {
  service?: string;
  revision?: number;
  instance?: string;
  deployment?: number;
  field?: string;
  [key: string]: unknown;
}

/** A problem in one field of user input: where it is and what was expected. */
export interface FieldProblem {
  path: string;
  message: string;
}

export class CutoverError extends Error {
  override readonly name = 'CutoverError';
  readonly code: ErrorCode;
  readonly context: ErrorContext;
  /** Every field problem, when the error is about user input. */
  readonly problems: FieldProblem[];
  /** Transient errors are retried with backoff before they count. */
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { context?: ErrorContext; cause?: unknown; problems?: FieldProblem[]; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.context = options.context ?? {};
    this.problems = options.problems ?? [];
    this.retryable = options.retryable ?? false;
  }

  toJSON(): { code: ErrorCode; message: string; context: ErrorContext; problems?: FieldProblem[] } {
    return {
      code: this.code,
      message: this.message,
      context: this.context,
      ...(this.problems.length ? { problems: this.problems } : {}),
    };
  }
}

export function isCutoverError(error: unknown): error is CutoverError {
  return error instanceof CutoverError;
}

/** The message of anything thrown, for logs and events. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
