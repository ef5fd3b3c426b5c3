import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { signRequest, type SignatureKey } from '../security/signatures/index.ts';
import { ApiError } from './api-error.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:7400';
export const DEFAULT_DATA_DIR = '.cutover';

export interface ClientOptions {
  /** The control plane's URL. @default CUTOVER_SERVER, else http://127.0.0.1:7400 */
  server?: string;
  /** Where a local server keeps its admin-token, read when no token is given. @default CUTOVER_DATA_DIR, else .cutover */
  dataDir?: string;
  /** A bearer token; overrides CUTOVER_TOKEN, the token file and a signing key. */
  token?: string;
  /** A signing key (its id and the file `cutover signing-key add` wrote); overrides CUTOVER_KEY_ID/CUTOVER_KEY_FILE and every token. */
  signingKey?: { keyid: string; file: string };
  /** Where `server` came from, when it is not the user's own flag or variable (`context prod`): named when the server cannot be reached. */
  serverFrom?: string;
}

/**
 * Talks to the control plane. Server from the options, CUTOVER_SERVER, or the
 * local default; credentials from a signing key (CUTOVER_KEY_ID and
 * CUTOVER_KEY_FILE), else a token (CUTOVER_TOKEN or the local server's token
 * file). Answers that are not 2xx throw an ApiError.
 */
export class ApiClient {
  readonly server: string;
  private readonly serverFrom: string | undefined;
  private readonly token: string;
  /** A signing key: every request is signed per RFC 9421 instead of carrying a token. */
  private readonly key: SignatureKey | null;

  constructor(options: ClientOptions = {}) {
    this.server = (options.server ?? process.env.CUTOVER_SERVER ?? DEFAULT_SERVER).replace(/\/$/, '');
    this.serverFrom = options.serverFrom;
    this.token = options.token ?? (process.env.CUTOVER_TOKEN || readToken(options.dataDir ?? process.env.CUTOVER_DATA_DIR ?? DEFAULT_DATA_DIR));
    this.key = options.signingKey ? readSigningKey(options.signingKey.keyid, options.signingKey.file, 'the key file') : options.token ? null : signingKeyFromEnv();
  }

  /** A call with an optional JSON body; resolves with the parsed JSON answer (or the text of a text answer). */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : { bytes: new TextEncoder().encode(JSON.stringify(body)), type: 'application/json' };
    return parse<T>(await this.send(method, path, payload));
  }

  /** POSTs raw bytes (an artifact); resolves with the parsed JSON answer. */
  async upload<T>(path: string, bytes: Uint8Array, type = 'application/octet-stream'): Promise<T> {
    return parse<T>(await this.send('POST', path, { bytes: new Uint8Array(bytes), type }));
  }

  /** GETs raw bytes (an exported artifact). */
  async download(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.send('GET', path)).arrayBuffer());
  }

  /** Opens a stream the server keeps writing to (Server-Sent Events by default, see parseSse; followed logs are text); the caller reads the body. */
  async stream(path: string, signal: AbortSignal, accept = 'text/event-stream'): Promise<ReadableStream<Uint8Array>> {
    const url = `${this.server}${path}`;
    const response = await fetch(url, { headers: { accept, ...this.credentials('GET', url, {}) }, signal });
    if (!response.ok) throw ApiError.fromAnswer(response.status, response.statusText, await response.text());
    if (!response.body) throw new ApiError(response.status, ApiError.UNKNOWN_CODE, `the event stream at ${path} answered ${response.status} with no body`);
    return response.body;
  }

  /** Sends one request; a 2xx answer is returned unread, anything else thrown as an ApiError. */
  private async send(method: string, path: string, payload?: { bytes: Uint8Array<ArrayBuffer>; type: string }): Promise<Response> {
    const url = `${this.server}${path}`;
    const headers: Record<string, string> = payload ? { 'content-type': payload.type } : {};
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...headers, ...this.credentials(method, url, headers, payload?.bytes) },
        ...(payload ? { body: payload.bytes } : {}),
      });
    } catch (error) {
      const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
      const fix = this.serverFrom ? `check the server of ${this.serverFrom} (\`cutover context list\`), or pick another with --context` : 'start one with `cutover server` or set --server / CUTOVER_SERVER';
      throw new CutoverError(ErrorCode.ServerUnavailable, `cannot reach the cutover server at ${this.server}${this.serverFrom ? ` (from ${this.serverFrom})` : ''} (${reason}); ${fix}`, {
        cause: error,
        context: { server: this.server },
      });
    }
    if (!response.ok) throw ApiError.fromAnswer(response.status, response.statusText, await response.text());
    return response;
  }

  /** Authorization headers for one request: a signature when a key is set, else the bearer token. */
  private credentials(method: string, url: string, headers: Record<string, string>, body?: Uint8Array): Record<string, string> {
    if (!this.key) return { authorization: `Bearer ${this.token}` };
    const signed = signRequest({ method, url, headers, ...(body && body.byteLength ? { body } : {}) }, this.key);
    return { ...signed };
  }
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text();
  return ((response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text) as T;
}

/**
 * The user's signing key, when CUTOVER_KEY_ID and CUTOVER_KEY_FILE are set:
 * an Ed25519 private key (PEM) or an HMAC secret (base64), as `cutover signing-key add` wrote it.
 */
function signingKeyFromEnv(): SignatureKey | null {
  const keyid = process.env.CUTOVER_KEY_ID;
  const file = process.env.CUTOVER_KEY_FILE;
  if (!keyid || !file) return null;
  return readSigningKey(keyid, file, 'CUTOVER_KEY_FILE');
}

/** A signing key from the file `cutover signing-key add --out FILE` wrote; `source` names where the path came from. */
function readSigningKey(keyid: string, file: string, source: string): SignatureKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new CutoverError(ErrorCode.InvalidRequest, `cannot read ${source} ${file}: ${(error as Error).message}; point it at the file \`cutover signing-key add USER --out FILE\` wrote`, {
      cause: error,
      context: { file },
    });
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
