import type { Context } from 'hono';
import type { ServiceRef } from '../core/types.ts';

/**
 * The (service, environment) a route under `/v1/environments/:env/services/:name`
 * addresses: both taken from the path, never looked up, so the environment
 * a caller's role is checked on is the only one the call can touch.
 */
export function serviceRef(c: Context): ServiceRef {
  return { service: c.req.param('name') ?? '', environment: c.req.param('env') ?? '' };
}
