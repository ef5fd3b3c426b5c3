/**
 * The route a request is for, as the canary judge compares like with like:
 * its method and a template of its path ("GET /users/:id/orders"). The router
 * does not know the service's routes, so the template is guessed: the query is
 * dropped, segments that look like identifiers (numbers, UUIDs, long hex or
 * long tokens) become `:id`, and only the first MAX_SEGMENTS segments are
 * kept. Clients choose paths, so everything here is bounded in size.
 */
const MAX_SEGMENTS = 4;
const MAX_SEGMENT_LENGTH = 32;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const PLAIN_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const IDENTIFIER = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{12,}|(?=.*\d)[A-Za-z0-9_-]{20,})$/i;

/** Keys of the paths seen lately: most requests repeat a few paths. Bounded, since clients choose paths. */
const CACHE_LIMIT = 1024;
const cache = new Map<string, string>();

export function routeKey(method: string | undefined, url: string | undefined): string {
  const seen = `${method ?? ''} ${url ?? ''}`;
  let key = cache.get(seen);
  if (key === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    key = templateOf(method, url);
    cache.set(seen, key);
  }
  return key;
}

function templateOf(method: string | undefined, url: string | undefined): string {
  const verb = method && METHODS.has(method) ? method : 'OTHER';
  const path = (url ?? '/').split(/[?#]/, 1)[0] ?? '/';
  const segments = path.split('/').filter(Boolean);
  const template = segments.slice(0, MAX_SEGMENTS).map((segment) => (segment.length > MAX_SEGMENT_LENGTH || !PLAIN_SEGMENT.test(segment) || IDENTIFIER.test(segment) ? ':id' : segment));
  if (segments.length > MAX_SEGMENTS) template.push('…');
  return `${verb} /${template.join('/')}`;
}
