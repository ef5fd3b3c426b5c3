/**
 * Fuzz targets through a real control plane (`cutover server` as a process,
 * over HTTP): every route that takes a body, every GET route's query string,
 * and the event stream's Last-Event-ID. No answer may be a 5xx, and every
 * 400 must name what was wrong: a problem with its field path, or a message
 * that names the body, a field, a parameter or a header.
 */
import fc from 'fast-check';
import { ROUTES } from '../../../src/api/permissions.ts';
import type { Cluster } from '../cluster.ts';
import { anyValue, durationLike } from './pure-targets.ts';
import { fuzzTarget, type FuzzTarget, type Outcome } from './target.ts';

const PARAM_VALUES: Record<string, fc.Arbitrary<string>> = {
  env: fc.oneof(fc.constantFrom('development', 'production', 'nope', '..', '%2e%2e', 'a'.repeat(300)), fc.string({ maxLength: 12 })),
  name: fc.oneof(fc.constantFrom('fuzz', 'hello', '..', 'x'.repeat(300), '%00'), fc.string({ maxLength: 12 })),
  id: fc.oneof(fc.constantFrom('1', '0', '-1', '1e400', '99999999999999999999', 'x', '1.5'), fc.string({ maxLength: 8 })),
  digest: fc.oneof(fc.constantFrom('a'.repeat(64), 'zz', ''), fc.string({ maxLength: 70 })),
  keyid: fc.oneof(fc.constantFrom('RWQ', 'x'), fc.string({ maxLength: 20 })),
};

function fillPath(path: string): fc.Arbitrary<string> {
  const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  return fc.tuple(...names.map((n) => PARAM_VALUES[n] ?? fc.string({ maxLength: 10 }))).map((values) => {
    let i = 0;
    return path.replace(/:(\w+)/g, () => encodeURIComponent(values[i++]!));
  });
}

/** Bodies: any JSON, objects with the fields the routes read set to odd values, and text that is not JSON. */
const FIELDS = ['spec', 'artifact', 'digest', 'message', 'reason', 'name', 'role', 'roles', 'environment', 'environments', 'to', 'revision', 'ttl', 'duration', 'publicKey', 'key', 'alert', 'sink', 'policies', 'input', 'version', 'force', 'wait', 'comment'];
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(anyValue, durationLike), { maxKeys: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('', '{', '[]', 'null', '"x"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', `{"a":${'['.repeat(5000)}}`),
);

/** A 4xx is a refusal; a 400 must say what was wrong. A 5xx, or a 400 naming nothing, fails the property. */
async function judge(response: Response, what: string): Promise<Outcome> {
  const text = await response.text();
  if (response.status >= 500) throw new Error(`${what} answered ${response.status}: ${text.slice(0, 500)}`);
  if (response.status < 400) return 'accepted';
  if (response.status === 400) {
    let error: { message?: string; problems?: { path?: unknown }[] } | undefined;
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error;
    } catch {
      throw new Error(`${what} answered 400 with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    const named = error?.problems?.some((p) => typeof p.path === 'string') || /\b(body|field|parameter|query|header|spec|"?[a-zA-Z]+"? (is|must)|expected|[a-z]+\.[a-z]+|\?[a-z]+=)/i.test(error?.message ?? '');
    if (!named) throw new Error(`${what} was refused without naming what was wrong: ${text.slice(0, 300)}`);
  }
  return 'refused';
}

async function send(cluster: Cluster, method: string, path: string, init: { body?: string | Blob; headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${cluster.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${cluster.token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
    signal: AbortSignal.timeout(15_000),
  });
}

/** Routes whose body is fuzzed: every POST but rotating the server's keys (each rotation re-encrypts every artifact: slow, and not about bodies). */
const BODY_ROUTES = ROUTES.filter((r) => r.method === 'POST' && r.path !== '/v1/keys/rotate');
const GET_ROUTES = ROUTES.filter((r) => r.method === 'GET' && r.path !== '/v1/events/stream');

const QUERY_NAMES = ['name', 'service', 'env', 'environment', 'limit', 'after', 'before', 'since', 'until', 'revision', 'instance', 'tail', 'follow', 'type', 'cursor', 'format', 'window', 'x'];
const queryString = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_NAMES), fc.string({ maxLength: 6 })), fc.oneof(fc.constantFrom('0', '-1', '1e400', 'NaN', '99999999999999999999', 'true', '', '..', '%ZZ', 'a'.repeat(2000)), fc.string({ maxLength: 10 }), durationLike)), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v.startsWith('%') ? v : encodeURIComponent(v)}`).join('&'));

export function apiTargets(cluster: Cluster): FuzzTarget[] {
  return [
    fuzzTarget('API bodies', fc.tuple(fc.constantFrom(...BODY_ROUTES), body).chain(([route, text]) => fillPath(route.path).map((path) => ({ route, path, text }))), async ({ route, path, text }) =>
      judge(await send(cluster, route.method, path, route.path === '/v1/artifacts' ? { body: new Blob([Buffer.from(text)]), headers: { 'content-type': 'application/octet-stream' } } : { body: text }), `${route.method} ${path} with ${text.slice(0, 200)}`),
    ),
    fuzzTarget('query strings', fc.tuple(fc.constantFrom(...GET_ROUTES), queryString).chain(([route, query]) => fillPath(route.path).map((path) => `${path}?${query}`)), async (url) => judge(await send(cluster, 'GET', url), `GET ${url}`)),
    fuzzTarget('SSE Last-Event-ID', fc.tuple(fc.oneof(fc.constantFrom('0', '-1', '1e400', 'NaN', '99999999999999999999', '0x10', ' 5', '5 ', ''), fc.string({ maxLength: 30 }).filter((s) => !/[\r\n\0]/.test(s)), fc.bigInt().map(String)), queryString), async ([lastEventId, query]) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 15_000);
      try {
        const response = await fetch(`${cluster.url}/v1/events/stream?${query}`, { headers: { authorization: `Bearer ${cluster.token}`, 'last-event-id': lastEventId }, signal: controller.signal });
        if (response.status === 200) return 'accepted'; // a stream: it stays open; the abort below closes it
        return await judge(response, `GET /v1/events/stream?${query} with Last-Event-ID ${JSON.stringify(lastEventId)}`);
      } finally {
        clearTimeout(timer);
        controller.abort();
      }
    }),
  ];
}
