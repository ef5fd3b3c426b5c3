import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * A client's request as the proxy reads it. Node's IncomingMessage is one;
 * so is the router's own server's request (src/router/http1-server.ts),
 * which builds no stream unless the request has a body.
 */
export interface ProxyRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly rawHeaders: string[];
  /** Lowercased headers, for header routes only (built when asked for). */
  readonly headers: IncomingHttpHeaders;
  /** The client's address; the router's own address and port name the host of an HTTP/1.0 request without Host. */
  readonly socket: { readonly remoteAddress?: string | undefined; readonly localAddress?: string | undefined; readonly localPort?: number | undefined };
  /** The whole body has been read ('end' was emitted). */
  readonly readableEnded: boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'end', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'end' | 'close', listener: () => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** The answer to a client, as the proxy writes it: Node's ServerResponse, or the router's own server's. */
export interface ProxyResponse {
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  /** 'close': the connection closed (before the end of the answer, if writableFinished is false). */
  once(event: 'close' | 'finish' | 'drain', listener: () => void): unknown;
  hasHeader(name: string): boolean;
  appendHeader(name: string, value: string): unknown;
  writeHead(statusCode: number, statusMessage?: string, headers?: string[] | OutgoingHttpHeaders): unknown;
  writeHead(statusCode: number, headers?: OutgoingHttpHeaders): unknown;
  write(chunk: Buffer): boolean;
  end(data?: string): unknown;
  destroy(): unknown;
}

/** An `Upgrade` request: its head only; the socket is the upgrade handler's from then on. */
export type UpgradeRequest = Pick<ProxyRequest, 'method' | 'url' | 'rawHeaders' | 'headers' | 'socket'>;

/** What a traffic listener does with each request. */
export type ProxyListener = (req: ProxyRequest, res: ProxyResponse) => void;
