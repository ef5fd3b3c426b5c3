import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CutoverError, ErrorCode, type FieldProblem } from '../core/errors.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:7400';
export const DEFAULT_DATA_DIR = '.cutover';

export interface ClientOptions {
  server?: string;
  dataDir?: string;
  /** Overrides CUTOVER_TOKEN and the token file. */
  token?: string;
}

/** An error the API answered, with its status for the CLI's exit code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
  }
}

/**
 * Talks to the control plane. Server from --server, CUTOVER_SERVER, or the
 * local default; token from CUTOVER_TOKEN or the local server's token file.
 */
export class ApiClient {
  readonly server: string;
  private readonly token: string;

  constructor(options: ClientOptions = {}) {
    this.server = (options.server ?? process.env.CUTOVER_SERVER ?? DEFAULT_SERVER).replace(/\/$/, '');
    this.token = options.token ?? (process.env.CUTOVER_TOKEN || readToken(options.dataDir ?? process.env.CUTOVER_DATA_DIR ?? DEFAULT_DATA_DIR));
  }

  /** Opens a Server-Sent Events stream; the caller reads the body. */
  async stream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await fetch(`${this.server}${path}`, { headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' }, signal });
    if (!response.ok || !response.body) throw new ApiError(response.status, 'Error', `event stream answered ${response.status}`);
    return response.body;
  }

  async request<T>(method: string, path: string, body?: unknown, raw?: { data: Buffer; type: string }): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.server}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(raw ? { 'content-type': raw.type } : body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(raw ? { body: new Uint8Array(raw.data) } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new CutoverError(ErrorCode.ServerUnavailable, `cannot reach the cutover server at ${this.server} (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}); start one with \`cutover server\` or set --server / CUTOVER_SERVER`);
    }
    const text = await response.text();
    if (!response.ok) {
      let parsed: { error?: { code?: string; message?: string; problems?: FieldProblem[] } } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // not JSON: use the text
      }
      throw new ApiError(response.status, parsed.error?.code ?? 'Error', parsed.error?.message ?? (text || response.statusText), parsed.error?.problems ?? []);
    }
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? JSON.parse(text) : text) as T;
  }
}

/** Not exported on purpose: the token stays inside the client. */
function readToken(dataDir: string): string {
  try {
    return readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  } catch {
    return '';
  }
}
