import type { ProxyResponse } from './exchange.ts';

/**
 * An answer the router gives itself (no instance, upstream failed): JSON that
 * says what happened, never cached. A 503 asks the client to retry soon.
 */
export function answerRouterError(res: ProxyResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    // Part of an instance's answer is already out: only cutting the connection tells the client.
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(status === 503 ? { 'retry-after': '1' } : {}),
  });
  res.end(body);
}
