import type { Context } from 'hono';
import { ALL_ENVIRONMENTS, can } from '../security/identity/index.ts';
import type { AuthEnv } from './auth.ts';

/** The environments a caller may read: all of them, or these. */
export type Visible = 'all' | ReadonlySet<string>;

/**
 * What the caller may see in lists, events, the event stream, environment
 * views and metrics: the environments it holds a role on. `read` on `*` (an
 * admin, a viewer of everything) and the metrics token (Prometheus, which
 * scrapes every service) see all of them.
 */
export function visibleEnvironments(c: Context<AuthEnv>): Visible {
  if (c.get('viaMetricsToken')) return 'all';
  const identity = c.get('identity');
  if (can(identity.grants, 'read', ALL_ENVIRONMENTS)) return 'all';
  return new Set(identity.grants.filter((grant) => can([grant], 'read', grant.environment)).map((grant) => grant.environment));
}

export function sees(visible: Visible, environment: string): boolean {
  return visible === 'all' || visible.has(environment);
}

/** The list for a store query: undefined for all environments. */
export function environmentFilter(visible: Visible): readonly string[] | undefined {
  return visible === 'all' ? undefined : [...visible];
}
