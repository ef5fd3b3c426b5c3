import { connect, type Socket } from 'node:net';
// Node's own HTTP/1.1 parser (llhttp), the one http.request uses: parsing the
// instance's answers stays as strict as before. Not a documented API, so
// src/router/http1-client.test.ts checks it on every Node this runs on.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- `_http_common` has no type declarations.
import { HTTPParser } from '_http_common';
import type { RawHeaders } from './headers.ts';

/**
 * Why not http.request and an Agent: per request they build a ClientRequest
 * (an OutgoingMessage stream that validates and stores every header again),
 * an IncomingMessage stream, and go through the Agent's free-socket
 * bookkeeping on several ticks. In the router's profile under load those
 * were most of the JavaScript time of a request. Here a request is one
 * string written to a pooled socket and its answer's body is handed to the
 * caller chunk by chunk, as it is parsed.
 */

/** Where the body of an instance's answer goes. */
export interface BodySink {
  /** A chunk of the body; false asks the instance to wait until `UpstreamResponse.resume()`. */
  write(chunk: Buffer): boolean;
  /** The whole body arrived. */
  end(): void;
  /** The instance broke off before the end of its answer. */
  fail(error: Error): void;
}

/** An instance's answer: its head at once, its body through `relay`. */
export class UpstreamResponse {
  complete = false;
  private sink: BodySink | undefined;
  /** Body chunks parsed before `relay` was called (the head and body often arrive in one read). */
  private early: Buffer[] | undefined;
  private failure: Error | undefined;

  constructor(
    readonly statusCode: number,
    readonly statusMessage: string,
    readonly rawHeaders: RawHeaders,
    private readonly connection: UpstreamConnection,
  ) {}

  /** Starts handing the body to `sink`; what arrived already goes first. */
  relay(sink: BodySink): void {
    this.sink = sink;
    const early = this.early;
    this.early = undefined;
    let wantsMore = true;
    if (early) for (const chunk of early) wantsMore = sink.write(chunk) && wantsMore;
    if (this.complete) sink.end();
    else if (this.failure) sink.fail(this.failure);
    else if (!wantsMore) this.connection.socket.pause();
  }

  /** The sink has room again. */
  resume(): void {
    if (!this.complete) this.connection.socket.resume();
  }

  /** The caller gives up on the rest of the body: the connection cannot be reused. */
  destroy(): void {
    if (!this.complete) this.connection.destroy(new Error('the answer was not read to its end'));
  }

  /** @internal from the parser */
  body(chunk: Buffer): void {
    if (this.sink) {
      if (!this.sink.write(chunk)) this.connection.socket.pause();
    } else (this.early ??= []).push(chunk);
  }

  /** @internal */
  finished(): void {
    this.complete = true;
    this.sink?.end();
  }

  /** @internal */
  broke(error: Error): void {
    if (this.complete || this.failure) return;
    this.failure = error;
    this.sink?.fail(error);
  }
}

/** One exchange on a connection, as its sender follows it. */
export interface Exchange {
  /** The head of the answer arrived (1xx interim answers are skipped). */
  answered(response: UpstreamResponse): void;
  /** The connection failed or closed before the head of an answer. */
  failed(error: NodeJS.ErrnoException): void;
  /** The exchange is over, whichever way: the connection is idle again or gone. Called once. */
  done(): void;
  /** A HEAD request: its answer has a head only. */
  head: boolean;
}

const kOnHeaders: number = HTTPParser.kOnHeaders;
const kOnHeadersComplete: number = HTTPParser.kOnHeadersComplete;
const kOnBody: number = HTTPParser.kOnBody;
const kOnMessageComplete: number = HTTPParser.kOnMessageComplete;

/** A head longer than Node's default limit is refused, as http.request would. */
const MAX_HEADER_BYTES = 16 * 1024;

interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [key: number]: unknown;
}

/** A keep-alive connection to one instance, carrying one exchange at a time. */
export class UpstreamConnection {
  readonly socket: Socket;
  private readonly parser: Parser;
  private exchange: Exchange | undefined;
  private response: UpstreamResponse | undefined;
  /** Header pairs llhttp hands over before the head is complete (when there are many). */
  private pendingHeaders: RawHeaders | undefined;
  private keepAlive = false;
  private closed = false;
  /**
   * Inside a call into the parser: closing it now would free it under its
   * own feet (a crash, not an exception), so it is closed once the call returns.
   */
  private parsing = false;

  constructor(
    port: number,
    private readonly pool: ConnectionPool,
    host = '127.0.0.1',
  ) {
    this.socket = connect({ host, port, noDelay: true });
    const parser = new HTTPParser() as Parser;
    parser.initialize(HTTPParser.RESPONSE, {}, MAX_HEADER_BYTES, 0);
    parser[kOnHeaders] = (headers: string[]) => {
      (this.pendingHeaders ??= []).push(...headers);
    };
    parser[kOnHeadersComplete] = (
      _major: number,
      _minor: number,
      headers: string[] | undefined,
      _method: unknown,
      _url: unknown,
      statusCode: number,
      statusMessage: string,
      upgrade: boolean,
      shouldKeepAlive: boolean,
    ): number => this.onHead(headers, statusCode, statusMessage, upgrade, shouldKeepAlive);
    parser[kOnBody] = (chunk: Buffer) => this.response?.body(chunk);
    parser[kOnMessageComplete] = () => this.onComplete();
    this.parser = parser;
    this.socket.on('data', (data: Buffer) => this.onData(data));
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.onClose(error));
    this.socket.on('close', () => this.onClose(undefined));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('timeout', () => this.destroy(new Error('idle connection timed out')));
  }

  /** Sends one request: its head (and a held body) in one write. */
  send(exchange: Exchange, head: string, body: Buffer | undefined): void {
    this.exchange = exchange;
    this.socket.setTimeout(0);
    // The last exchange's reader may have paused it just as its answer ended.
    this.socket.resume();
    if (body && body.length > 0) {
      this.socket.cork();
      this.socket.write(head, 'latin1');
      this.socket.write(body);
      this.socket.uncork();
    } else this.socket.write(head, 'latin1');
  }

  /** Closes the connection; an exchange on it fails or breaks off with `error`. */
  destroy(error: Error): void {
    this.socket.destroy();
    this.onClose(error);
  }

  private onData(data: Buffer): void {
    if (!this.exchange) {
      // An instance may not speak unasked: whatever this is, the connection is no longer in step.
      this.destroy(new Error('the instance sent data outside an exchange'));
      return;
    }
    this.parsing = true;
    const parsed = this.parser.execute(data);
    this.parsing = false;
    if (this.closed) {
      this.parser.close();
      return;
    }
    if (parsed instanceof Error) this.destroy(Object.assign(parsed, { code: (parsed as NodeJS.ErrnoException).code ?? 'HPE_INVALID' }));
  }

  private onHead(headers: string[] | undefined, statusCode: number, statusMessage: string, upgrade: boolean, shouldKeepAlive: boolean): number {
    const raw = this.pendingHeaders ? [...this.pendingHeaders, ...(headers ?? [])] : (headers ?? []);
    this.pendingHeaders = undefined;
    const exchange = this.exchange;
    if (!exchange) return 0;
    // An interim answer (103 Early Hints…): the real one follows; it has no body.
    if (statusCode >= 100 && statusCode < 200 && statusCode !== 101) return 1;
    if (upgrade) {
      // Upgrades go through src/router/upgrade.ts; an instance switching protocols here is out of step.
      queueMicrotask(() => this.destroy(new Error('the instance switched protocols unasked')));
      return 1;
    }
    this.keepAlive = shouldKeepAlive;
    const response = new UpstreamResponse(statusCode, statusMessage, raw, this);
    this.response = response;
    exchange.answered(response);
    return exchange.head ? 1 : 0;
  }

  private onComplete(): void {
    const response = this.response;
    const exchange = this.exchange;
    // An interim answer ended: the exchange goes on.
    if (!response || !exchange) return;
    this.response = undefined;
    this.exchange = undefined;
    response.finished();
    exchange.done();
    if (this.keepAlive && !this.closed) this.pool.release(this);
    else this.destroy(new Error('the instance closes this connection'));
  }

  /** The instance closed its side: an answer whose body runs to the end of the connection ends here. */
  private onEnd(): void {
    if (this.response && !this.closed) {
      this.parsing = true;
      this.parser.finish();
      this.parsing = false;
      if (this.closed) this.parser.close();
    }
    this.destroy(Object.assign(new Error('the instance closed the connection'), { code: 'ECONNRESET' }));
  }

  private onClose(error: NodeJS.ErrnoException | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.pool.forget(this);
    const exchange = this.exchange;
    const response = this.response;
    this.exchange = undefined;
    this.response = undefined;
    if (!this.parsing) this.parser.close();
    if (!exchange) return;
    const cause = error ?? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    if (response) response.broke(cause);
    else exchange.failed(cause);
    exchange.done();
  }
}

/**
 * The idle keep-alive connections to one instance, so removing the instance
 * closes exactly its sockets. Idle connections close after `idleTimeoutMs`.
 */
export class ConnectionPool {
  private readonly idle: UpstreamConnection[] = [];
  private readonly all = new Set<UpstreamConnection>();
  private destroyed = false;

  constructor(
    private readonly port: number,
    private readonly idleTimeoutMs: number,
    /** The instance's address: its node's, on a swarm. */
    private readonly host = '127.0.0.1',
  ) {}

  /** The most recently used idle connection (the warmest), or a new one. */
  take(): UpstreamConnection {
    const reused = this.idle.pop();
    if (reused) return reused;
    const connection = new UpstreamConnection(this.port, this, this.host);
    this.all.add(connection);
    return connection;
  }

  /** @internal The connection finished an exchange and may carry another. */
  release(connection: UpstreamConnection): void {
    if (this.destroyed) {
      connection.destroy(new Error('the instance left the router'));
      return;
    }
    connection.socket.setTimeout(this.idleTimeoutMs);
    this.idle.push(connection);
  }

  /** @internal The connection closed. */
  forget(connection: UpstreamConnection): void {
    this.all.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
  }

  /** Closes every connection (the instance left, or the router stops); exchanges in progress fail. */
  destroy(): void {
    this.destroyed = true;
    for (const connection of [...this.all]) connection.destroy(new Error('the instance left the router'));
  }

  /** Connections open, idle or not (for tests). */
  get size(): number {
    return this.all.size;
  }
}

/** Bytes that would end a header line early: a value with them would smuggle a header or a request. */
const UNSAFE_HEADER = /[\r\n\0]/;

/**
 * The request line and headers as written on the wire. Throws on a header
 * that cannot be sent as it is, as http.request does; values come from
 * Node's own parser, so this is a guard against the router's own mistakes.
 */
export function requestHeadText(method: string, path: string, headers: RawHeaders): string {
  let text = `${method} ${path} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    if (UNSAFE_HEADER.test(name) || UNSAFE_HEADER.test(value) || name.includes(':')) {
      throw Object.assign(new TypeError(`Invalid header "${name}": it holds a line break, a NUL or a colon`), { code: 'ERR_INVALID_CHAR' });
    }
    text += `${name}: ${value}\r\n`;
  }
  return `${text}\r\n`;
}
