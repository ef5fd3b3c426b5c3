import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CutoverError, ErrorCode, messageOf, type ErrorCode as Code } from '../core/errors.ts';

/** HTTP statuses for error codes, in one place. */
const STATUS: Record<Code, ContentfulStatusCode> = {
  InvalidSpec: 400,
  InvalidRequest: 400,
  // A startup failure; were it ever raised while serving, it is the server's fault, not the caller's.
  InvalidConfig: 500,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  Locked: 423,
  DeploymentRejected: 422,
  NothingToRollBack: 409,
  ArtifactMissing: 409,
  PortInUse: 409,
  InstanceUnhealthy: 500,
  InstanceExited: 500,
  InstanceStartFailed: 500,
  ProgressDeadlineExceeded: 500,
  AnalysisFailed: 500,
  HookFailed: 500,
  RouterUnavailable: 503,
  ServerUnavailable: 503,
  TooManyRequests: 429,
  PayloadTooLarge: 413,
  StoreDamaged: 500,
  Internal: 500,
};

export function statusOf(error: CutoverError): ContentfulStatusCode {
  return STATUS[error.code] ?? 500;
}

/** Anything thrown inside a handler, as the JSON body and status the client gets. */
export function toErrorResponse(error: unknown): { status: ContentfulStatusCode; body: { error: ReturnType<CutoverError['toJSON']> } } {
  const known =
    error instanceof CutoverError
      ? error
      : new CutoverError(ErrorCode.Internal, `internal error: ${messageOf(error)}; the server log has details`);
  return { status: statusOf(known), body: { error: known.toJSON() } };
}
