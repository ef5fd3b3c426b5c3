import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
// The same parser as http1-client.ts (llhttp, strict mode): see there why it is used directly.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- `_http_common` has no type declarations.
import { HTTPParser, methods } from '_http_common';
import type { ProxyListener, ProxyRequest, ProxyResponse } from './exchange.ts';
import type { RawHeaders } from './headers.ts';
import type { UpgradeListener } from './listen.ts';

/**
 * The server side of the router on plain `net` sockets, in place of Node's
 * http.Server: per request it builds one small request and one small
 * response object, no streams (unless the request has a body), and writes
 * an answer's head and its first chunk in one system call.
 *
 * What it refuses, as Node's server and HAProxy do (RFC 9112 §11 on
 * smuggling): llhttp in strict mode rejects Content-Length with
 * Transfer-Encoding, duplicate or invalid Content-Length, obs-fold, bare CR
 * or LF, invalid header names and values (400, then the connection closes);
 * a head over MAX_HEAD_BYTES gets 431. A head must arrive within
 * HEAD_TIMEOUT_MS (slowloris), a whole request within REQUEST_TIMEOUT_MS.
 * Pipelined requests are answered one after the other: the parser pauses at
 * the next head until the answer before it has ended.
 */

/** A head larger than this is refused with 431, as Node's server does by default. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** From a request's first byte to the end of its head. */
export const HEAD_TIMEOUT_MS = 10_000;
/** From a request's first byte to the end of its body (Node's requestTimeout). */
export const REQUEST_TIMEOUT_MS = 300_000;
/** An idle keep-alive connection closes after this (see listen.ts: longer than common clients' 60 s). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Requests on one connection; the last one's answer says "Connection: close" (nginx's keepalive_requests). */
export const MAX_REQUESTS_PER_CONNECTION = 1000;

const kOnHeaders: number = HTTPParser.kOnHeaders;
const kOnHeadersComplete: number = HTTPParser.kOnHeadersComplete;
const kOnBody: number = HTTPParser.kOnBody;
const kOnMessageComplete: number = HTTPParser.kOnMessageComplete;
/** What on_headers_complete returns to make llhttp pause (llhttp's HPE_PAUSED). */
const PAUSE = 21;
const METHODS = methods as readonly string[];
const CONNECT = METHODS.indexOf('CONNECT');

interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | (Error & { code?: string; bytesParsed?: number });
  resume(): void;
  close(): void;
  [key: number]: unknown;
}

/** A parsed head, waiting for the request before it to be answered (pipelining). */
interface Head {
  method: string;
  url: string;
  rawHeaders: RawHeaders;
  keepAlive: boolean;
  http10: boolean;
  upgrade: boolean;
}

/** One request of the router's own server: its head, and its body as 'data'/'end' events when it has one. */
export class OwnRequest extends EventEmitter implements ProxyRequest {
  readableEnded = false;
  /** The whole request has been parsed (its body may still be held for the handler). */
  received = false;
  /** Body chunks parsed before the handler ran (it listens synchronously, then they are emitted). */
  private held: Buffer[] | undefined = [];
  private completeHeld = false;
  private lowered: IncomingHttpHeaders | undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly rawHeaders: RawHeaders,
    readonly socket: Socket,
  ) {
    super();
  }

  get headers(): IncomingHttpHeaders {
    if (this.lowered) return this.lowered;
    const headers: Record<string, string> = {};
    for (let i = 0; i < this.rawHeaders.length; i += 2) {
      const name = this.rawHeaders[i]!.toLowerCase();
      headers[name] = headers[name] === undefined ? this.rawHeaders[i + 1]! : `${headers[name]}, ${this.rawHeaders[i + 1]!}`;
    }
    return (this.lowered = headers);
  }

  pause(): this {
    this.socket.pause();
    return this;
  }

  resume(): this {
    this.socket.resume();
    return this;
  }

  /** @internal */
  body(chunk: Buffer): void {
    if (this.held) this.held.push(chunk);
    else this.emit('data', chunk);
  }

  /** @internal */
  complete(): void {
    this.received = true;
    if (this.held) this.completeHeld = true;
    else this.ended();
  }

  /** @internal The handler has run: what was held goes to its listeners. */
  flush(): void {
    const held = this.held;
    this.held = undefined;
    if (held) for (const chunk of held) this.emit('data', chunk);
    if (this.completeHeld) this.ended();
  }

  private ended(): void {
    this.readableEnded = true;
    this.emit('end');
  }
}

/** How the answer's body is framed on the wire. */
type Framing = 'length' | 'chunked' | 'none' | 'until-close';

/** One answer of the router's own server; the events the proxy listens to are kept in plain fields. */
export class OwnResponse implements ProxyResponse {
  headersSent = false;
  writableFinished = false;
  private head: string | undefined;
  private framing: Framing = 'length';
  private onClose: (() => void)[] | undefined;
  private onFinish: (() => void)[] | undefined;
  /** @internal */
  onDrain: (() => void) | undefined;

  constructor(
    private readonly connection: ClientConnection,
    private readonly bodyless: boolean,
    private readonly http10: boolean,
  ) {}

  once(event: 'close' | 'finish' | 'drain', listener: () => void): this {
    if (event === 'drain') this.onDrain = listener;
    else if (event === 'close') (this.onClose ??= []).push(listener);
    else (this.onFinish ??= []).push(listener);
    return this;
  }

  hasHeader(): boolean {
    return false;
  }

  appendHeader(): this {
    throw new Error('OwnResponse takes its headers in writeHead');
  }

  writeHead(statusCode: number, messageOrHeaders?: string | OutgoingHttpHeaders, maybeHeaders?: RawHeaders | OutgoingHttpHeaders): this {
    if (this.headersSent) throw Object.assign(new Error('The head of this answer was already written'), { code: 'ERR_HTTP_HEADERS_SENT' });
    const message = typeof messageOrHeaders === 'string' ? messageOrHeaders : (STATUS_CODES[statusCode] ?? '');
    const headers = typeof messageOrHeaders === 'string' || messageOrHeaders === undefined ? maybeHeaders : messageOrHeaders;
    let text = `HTTP/1.1 ${statusCode} ${message}\r\n`;
    let length = false;
    let dated = false;
    if (Array.isArray(headers)) {
      for (let i = 0; i < headers.length; i += 2) {
        const name = headers[i]!;
        text += headerLine(name, headers[i + 1]!);
        if (!length && name.length === 14 && name.toLowerCase() === 'content-length') length = true;
        else if (!dated && name.length === 4 && name.toLowerCase() === 'date') dated = true;
      }
    } else if (headers) {
      for (const [name, value] of Object.entries(headers)) {
        if (value === undefined) continue;
        for (const one of Array.isArray(value) ? value : [value]) text += headerLine(name, String(one));
        const lower = name.toLowerCase();
        if (lower === 'content-length') length = true;
        else if (lower === 'date') dated = true;
      }
    }
    // RFC 9110 §6.6.1: an origin with a clock sends Date; the router's own answers (errors) have none of their own.
    if (!dated) text += `date: ${httpDate()}\r\n`;
    // RFC 9112 §6.3: no body after HEAD, 1xx, 204 and 304, whatever the headers say.
    if (this.bodyless || statusCode === 204 || statusCode === 304 || statusCode < 200) this.framing = 'none';
    else if (length) this.framing = 'length';
    else if (this.http10) this.framing = 'until-close';
    else {
      this.framing = 'chunked';
      text += 'transfer-encoding: chunked\r\n';
    }
    const keepAlive = this.connection.keepsAlive() && this.framing !== 'until-close';
    if (!keepAlive) {
      this.connection.closeAfterAnswer();
      text += 'connection: close\r\n';
    } else if (this.http10) text += 'connection: keep-alive\r\n';
    this.head = `${text}\r\n`;
    this.headersSent = true;
    return this;
  }

  write(chunk: Buffer): boolean {
    const socket = this.connection.socket;
    if (socket.destroyed || this.writableFinished) return true;
    if (this.framing === 'none') return this.flushHead();
    if (chunk.length === 0) return this.flushHead();
    if (this.framing === 'chunked') {
      socket.cork();
      this.writeHeadWith(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      const more = socket.write('\r\n', 'latin1');
      socket.uncork();
      return more;
    }
    const head = this.head;
    if (head === undefined) return socket.write(chunk);
    this.head = undefined;
    if (chunk.length > JOIN_LIMIT) {
      socket.cork();
      socket.write(head, 'latin1');
      const more = socket.write(chunk);
      socket.uncork();
      return more;
    }
    // One buffer, one plain write: cheaper in Node than a corked writev of a string and a buffer (seen in profiles).
    const out = Buffer.allocUnsafe(head.length + chunk.length);
    out.write(head, 0, 'latin1');
    chunk.copy(out, head.length);
    return socket.write(out);
  }

  end(data?: string): this {
    if (this.writableFinished) return this;
    if (!this.headersSent) this.writeHead(200);
    const socket = this.connection.socket;
    if (!socket.destroyed) {
      if (data !== undefined && data.length > 0) this.write(Buffer.from(data));
      if (this.framing === 'chunked') this.writeHeadWith('0\r\n\r\n');
      else this.flushHead();
    }
    this.writableFinished = true;
    if (this.onFinish) for (const listener of this.onFinish) listener();
    this.connection.answered(this);
    return this;
  }

  destroy(): this {
    this.connection.socket.destroy();
    return this;
  }

  /** @internal The connection closed: before the end of this answer, the client is gone. */
  closed(): void {
    const listeners = this.onClose;
    this.onClose = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  private flushHead(): boolean {
    if (this.head === undefined) return true;
    return this.writeHeadWith('');
  }

  /** Writes the head if it is still held, joined with `text` (one write where possible). */
  private writeHeadWith(text: string): boolean {
    const head = this.head;
    this.head = undefined;
    const out = head === undefined ? text : head + text;
    return out.length === 0 ? true : this.connection.socket.write(out, 'latin1');
  }
}

/** The Date header's value, made at most once a second (Node's server caches it the same way). */
let dateSecond = -1;
let dateText = '';
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** A first chunk up to this size is copied behind the head, so both go out in one buffer. */
const JOIN_LIMIT = 16 * 1024;

/** Bytes that would end a header line early in an answer: the answer is refused rather than split. */
const UNSAFE = /[\r\n\0]/;

function headerLine(name: string, value: string): string {
  if (UNSAFE.test(name) || UNSAFE.test(value) || name.includes(':')) {
    throw Object.assign(new TypeError(`Invalid header "${name}" in an answer: it holds a line break, a NUL or a colon`), { code: 'ERR_INVALID_CHAR' });
  }
  return `${name}: ${value}\r\n`;
}

/** What a connection needs from its server. */
export interface ConnectionOwner {
  readonly request: ProxyListener;
  readonly upgrade: UpgradeListener | undefined;
  /** The server is closing: answers say "Connection: close". */
  readonly closing: boolean;
  forget(connection: ClientConnection): void;
}

/** One client connection: parses its requests one at a time and hands them to the proxy. */
export class ClientConnection {
  private readonly parser: Parser;
  /** The request being answered, from its head until its answer ended. */
  private current: { request: OwnRequest; response: OwnResponse } | undefined;
  /** A pipelined head parsed while `current` was being answered, and the bytes after it. */
  private pending: Head | undefined;
  private rest: Buffer | undefined;
  private pendingHeaders: RawHeaders | undefined;
  private pendingUrl = '';
  private served = 0;
  private closeAfter = false;
  private gone = false;
  /** When the request being received began (0: none), and when its head ended (0: not yet). */
  receivingSince = 0;
  headDone = 0;
  idleSince = performance.now();

  constructor(
    readonly socket: Socket,
    private readonly owner: ConnectionOwner,
  ) {
    socket.setNoDelay(true);
    const parser = new HTTPParser() as Parser;
    parser.initialize(HTTPParser.REQUEST, {}, MAX_HEAD_BYTES, 0);
    parser[kOnHeaders] = (headers: string[], url: string) => {
      (this.pendingHeaders ??= []).push(...headers);
      this.pendingUrl += url;
    };
    parser[kOnHeadersComplete] = (
      major: number,
      minor: number,
      headers: string[] | undefined,
      method: number,
      url: string | undefined,
      _statusCode: unknown,
      _statusMessage: unknown,
      upgrade: boolean,
      keepAlive: boolean,
    ): number => this.onHead(major, minor, headers, method, url, upgrade, keepAlive);
    parser[kOnBody] = (chunk: Buffer) => this.current?.request.body(chunk);
    parser[kOnMessageComplete] = () => {
      this.receivingSince = 0;
      this.current?.request.complete();
    };
    this.parser = parser;
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('drain', () => this.current?.response.onDrain?.());
    socket.on('end', () => this.onEnd());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
  }

  /** @internal Whether the answer being written may leave the connection open. */
  keepsAlive(): boolean {
    return !this.closeAfter && !this.owner.closing && this.served < MAX_REQUESTS_PER_CONNECTION;
  }

  /** @internal */
  closeAfterAnswer(): void {
    this.closeAfter = true;
  }

  /** Idle: no request being received or answered. */
  get idle(): boolean {
    return this.current === undefined && this.receivingSince === 0;
  }

  /** Closes the connection now (server stopping, timeouts). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Answers 408 to a request whose head or body is too slow, and closes. */
  timedOut(): void {
    if (this.current?.response.headersSent) this.socket.destroy();
    else if (!this.current) this.refuse(408, 'the request took too long to arrive');
    else this.socket.destroy();
  }

  private onData(data: Buffer): void {
    if (this.gone || this.broken) return;
    if (this.receivingSince === 0 && this.current === undefined) this.receivingSince = performance.now();
    if (this.rest) {
      // Paused on a pipelined head: what comes meanwhile waits behind it.
      this.rest = Buffer.concat([this.rest, data]);
      return;
    }
    this.parse(data);
  }

  private parse(data: Buffer): void {
    const result = this.parser.execute(data);
    if (typeof result === 'number') {
      // llhttp stops after an upgrade's head: the bytes after it are the new protocol's.
      if (this.upgradeHead && result < data.length) this.rest = data.subarray(result);
      this.dispatch();
      return;
    }
    if (result.code === 'HPE_PAUSED') {
      this.rest = data.subarray(result.bytesParsed ?? data.length);
      this.socket.pause();
      this.dispatch();
      return;
    }
    this.parseFailed(result);
  }

  private onHead(major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined, upgrade: boolean, keepAlive: boolean): number {
    let raw = headers ?? [];
    if (this.pendingHeaders) {
      raw = [...this.pendingHeaders, ...raw];
      this.pendingHeaders = undefined;
    }
    const target = url ?? this.pendingUrl;
    this.pendingUrl = '';
    const head: Head = { method: METHODS[method] ?? 'GET', url: target, rawHeaders: raw, keepAlive, http10: major === 1 && minor === 0, upgrade: upgrade && method !== CONNECT };
    if (method === CONNECT) {
      head.method = 'CONNECT';
      head.upgrade = false;
    }
    this.headDone = performance.now();
    if (this.current) {
      this.pending = head;
      return PAUSE;
    }
    this.begin(head);
    // An upgrade's bytes after the head are the new protocol's; a HEAD request's answer has no body.
    return 0;
  }

  /** Makes `head` the current request (its handler runs once the parser returns). */
  private begin(head: Head): void {
    this.served++;
    if (!head.keepAlive) this.closeAfter = true;
    const request = new OwnRequest(head.method, head.url, head.rawHeaders, this.socket);
    const response = new OwnResponse(this, head.method === 'HEAD', head.http10);
    this.current = { request, response };
    this.upgradeHead = head.upgrade;
    this.http10 = head.http10;
  }

  private upgradeHead = false;
  /** The current request is HTTP/1.0 (which may leave Host out). */
  private http10 = false;
  /** Bytes that are not HTTP came after the current request: refused once it is answered. */
  private broken: (Error & { code?: string }) | undefined;
  private dispatched: OwnRequest | undefined;

  /** Runs the handler of the current request, once, after the parser returned (never inside it). */
  private dispatch(): void {
    const current = this.current;
    if (!current || this.dispatched === current.request) return;
    this.dispatched = current.request;
    const { request, response } = current;
    if (request.method === 'CONNECT') {
      this.refuse(405, 'this router does not tunnel CONNECT requests');
      return;
    }
    const { hosts, expect } = scanHead(request.rawHeaders);
    // RFC 9112 §3.2: an HTTP/1.1 request without Host, or any with more than one, gets 400 (Node's server refuses the first too).
    if (hosts > 1 || (hosts === 0 && !this.http10)) {
      this.refuse(400, hosts > 1 ? 'it has more than one Host header' : 'an HTTP/1.1 request needs a Host header');
      return;
    }
    if (this.upgradeHead && this.owner.upgrade) {
      this.handOver(request);
      return;
    }
    if (expect === 'continue') this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    else if (expect === 'unknown') {
      this.refuse(417, 'the only expectation this router meets is 100-continue');
      return;
    }
    this.owner.request(request, response);
    request.flush();
  }

  /** The socket is the upgrade handler's from now on, with the bytes that followed the head. */
  private handOver(request: OwnRequest): void {
    const rest = this.rest ?? Buffer.alloc(0);
    this.rest = undefined;
    this.current = undefined;
    this.gone = true;
    this.owner.forget(this);
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('drain');
    this.socket.removeAllListeners('end');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    this.parser.close();
    this.socket.resume();
    this.owner.upgrade!(request, this.socket, rest);
  }

  /** @internal The current answer ended: the next request, or the end of the connection. */
  answered(response: OwnResponse): void {
    if (this.current?.response !== response) return;
    this.current = undefined;
    this.idleSince = performance.now();
    if (this.broken) {
      this.refuseInvalid(this.broken);
      return;
    }
    if (this.closeAfter || this.owner.closing) {
      // Closed outright once the answer is out, as Node's server does: a
      // socket half-closed until the client's FIN would hold its place under
      // the listener's maxConnections for a round trip of the client, and a
      // client that never closes its side would hold it for good.
      this.socket.destroySoon();
      return;
    }
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.receivingSince = this.idleSince;
    this.headDone = this.idleSince;
    this.begin(pending);
    const rest = this.rest!;
    this.rest = undefined;
    this.parser.resume();
    this.socket.resume();
    // Parsed from a fresh stack: an answer ending inside a handler must not parse the next request in it.
    queueMicrotask(() => {
      if (this.gone) return;
      if (pending.upgrade) this.rest = rest;
      if (rest.length > 0 && !pending.upgrade) this.parse(rest);
      else this.dispatch();
    });
  }

  private parseFailed(error: Error & { code?: string }): void {
    this.broken = error;
    const current = this.current;
    if (current?.request.received && this.dispatched === current.request) {
      // The bad bytes came after a whole request already on its way: it is answered, then the rest is refused (see answered).
      this.socket.pause();
      return;
    }
    if (current?.request.received) {
      // A whole request with bad bytes right behind it, in the same read: the boundary the router saw may not be the
      // one a proxy in front of it saw (a GET whose body it framed differently), so neither is handed on (as Node's
      // server does: 400 and close, no instance reached).
      this.current = undefined;
      this.refuseInvalid(error);
      return;
    }
    if (current && this.dispatched === current.request) {
      // Its body broke off mid-way: the request is abandoned, and the instance's answer with it.
      this.socket.destroy();
      return;
    }
    // A request that failed to parse is never handed on: its head may be a smuggling attempt.
    this.current = undefined;
    this.refuseInvalid(error);
  }

  private refuseInvalid(error: Error & { code?: string }): void {
    if (error.code === 'HPE_HEADER_OVERFLOW') this.refuse(431, 'the request head is too large');
    else this.refuse(400, `the request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`);
  }

  /** An answer of the server itself, then the connection closes. */
  private refuse(status: number, reason: string): void {
    if (this.gone || this.socket.destroyed) return;
    const body = JSON.stringify({ error: { code: 'BadRequest', message: `The router refused the request: ${reason}.` } });
    this.gone = true;
    this.socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\ndate: ${httpDate()}\r\nconnection: close\r\n\r\n${body}`,
      'latin1',
    );
    this.socket.destroySoon();
  }

  /**
   * The client closed its side. As Node's server (without httpAllowHalfOpen)
   * does, that is the client leaving: the request in progress is abandoned,
   * and its instance's answer with it.
   */
  private onEnd(): void {
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.gone && this.current === undefined) {
      this.owner.forget(this);
      this.parser.close();
      return;
    }
    this.gone = true;
    this.owner.forget(this);
    const current = this.current;
    this.current = undefined;
    this.parser.close();
    if (current) {
      if (!current.request.readableEnded) current.request.emit('close');
      if (!current.response.writableFinished) current.response.closed();
    }
  }
}

/**
 * In one pass over a head: how many Host headers it has, and what its
 * Expect header asks (nothing, "100-continue", or something the router
 * cannot meet: 417).
 */
function scanHead(raw: RawHeaders): { hosts: number; expect: 'none' | 'continue' | 'unknown' } {
  let hosts = 0;
  let expect: 'none' | 'continue' | 'unknown' = 'none';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4) {
      if (name.toLowerCase() === 'host') hosts++;
    } else if (expect === 'none' && name.length === 6 && name.toLowerCase() === 'expect') {
      expect = raw[i + 1]!.trim().toLowerCase() === '100-continue' ? 'continue' : 'unknown';
    }
  }
  return { hosts, expect };
}
