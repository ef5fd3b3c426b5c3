import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signRequest, type SignatureKey } from '../security/signatures/index.ts';
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
  /** A signing key (CUTOVER_KEY_ID + CUTOVER_KEY_FILE): every request is signed per RFC 9421 instead of carrying a token. */
  private readonly key: SignatureKey | null;

  constructor(options: ClientOptions = {}) {
    this.server = (options.server ?? process.env.CUTOVER_SERVER ?? DEFAULT_SERVER).replace(/\/$/, '');
    this.token = options.token ?? (process.env.CUTOVER_TOKEN || readToken(options.dataDir ?? process.env.CUTOVER_DATA_DIR ?? DEFAULT_DATA_DIR));
    this.key = options.token ? null : signingKeyFromEnv();
  }

  /** Authorization headers for one request: a signature when a key is set, else the bearer token. */
  private credentials(method: string, url: string, headers: Record<string, string>, body?: Uint8Array): Record<string, string> {
    if (!this.key) return { authorization: `Bearer ${this.token}` };
    const signed = signRequest({ method, url, headers, ...(body && body.byteLength ? { body } : {}) }, this.key);
    return { ...signed };
  }

  /** Opens a Server-Sent Events stream; the caller reads the body. */
  async stream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const url = `${this.server}${path}`;
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...this.credentials('GET', url, {}) }, signal });
    if (!response.ok || !response.body) throw new ApiError(response.status, 'Error', `event stream answered ${response.status}`);
    return response.body;
  }

  async request<T>(method: string, path: string, body?: unknown, raw?: { data: Buffer; type: string }, as: 'auto' | 'binary' = 'auto'): Promise<T> {
    let response: Response;
    const payload = raw ? new Uint8Array(raw.data) : body !== undefined ? new TextEncoder().encode(JSON.stringify(body)) : undefined;
    const headers: Record<string, string> = raw ? { 'content-type': raw.type } : body !== undefined ? { 'content-type': 'application/json' } : {};
    const url = `${this.server}${path}`;
    try {
      response = await fetch(url, {
        method,
        headers: { ...headers, ...this.credentials(method, url, headers, payload) },
        ...(payload ? { body: payload } : {}),
      });
    } catch (error) {
      throw new CutoverError(ErrorCode.ServerUnavailable, `cannot reach the cutover server at ${this.server} (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}); start one with \`cutover server\` or set --server / CUTOVER_SERVER`);
    }
    if (as === 'binary' && response.ok) return (await response.arrayBuffer()) as T;
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

/**
 * The user's signing key, when CUTOVER_KEY_ID and CUTOVER_KEY_FILE are set:
 * an Ed25519 private key (PEM) or an HMAC secret (base64), as `cutover key add` wrote it.
 */
function signingKeyFromEnv(): SignatureKey | null {
  const keyid = process.env.CUTOVER_KEY_ID;
  const file = process.env.CUTOVER_KEY_FILE;
  if (!keyid || !file) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new CutoverError(ErrorCode.InvalidRequest, `cannot read CUTOVER_KEY_FILE ${file}: ${(error as Error).message}`);
  }
  return text.startsWith('-----BEGIN')
    ? { keyid, alg: 'ed25519', secret: createPrivateKey(text) }
    : { keyid, alg: 'hmac-sha256', secret: Buffer.from(text, 'base64') };
}

/** Not exported on purpose: the token stays inside the client. */
function readToken(dataDir: string): string {
  try {
    return readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  } catch {
    return '';
  }
}
