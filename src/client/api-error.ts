import type { ErrorContext, FieldProblem } from '../core/errors.ts';

/** Longest error message kept from a server's answer: a misconfigured proxy may answer with a whole page. */
const MAX_MESSAGE_CHARS = 2_000;

/**
 * An error the server answered, with everything it said (code, message,
 * context, field problems) and the HTTP status, so the CLI can print it and
 * choose its exit code. Not a CutoverError: its code is whatever the server
 * sent, and a newer server may send codes this client does not know.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The code of an answer that was not a cutover error (a proxy's page, a crash). */
  static readonly UNKNOWN_CODE = 'Error';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly context: ErrorContext = {},
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
  }

  /**
   * The error in an answer that was not 2xx: the server's `{ error: { code,
   * message, context, problems } }`, or the text itself when the answer is
   * not that (a proxy's page, a crash).
   */
  static fromAnswer(status: number, statusText: string, text: string): ApiError {
    const body = parseJson(text);
    const error = isRecord(body) && isRecord(body.error) ? body.error : null;
    if (!error) return new ApiError(status, ApiError.UNKNOWN_CODE, truncate(text.trim() || statusText || `HTTP ${status}`));
    const message = typeof error.message === 'string' && error.message ? error.message : statusText || `HTTP ${status}`;
    const problems = Array.isArray(error.problems) ? error.problems.filter(isFieldProblem) : [];
    return new ApiError(status, typeof error.code === 'string' ? error.code : ApiError.UNKNOWN_CODE, truncate(message), isRecord(error.context) ? error.context : {}, problems);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFieldProblem(value: unknown): value is FieldProblem {
  return isRecord(value) && typeof value.path === 'string' && typeof value.message === 'string';
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}
