import type { StatusView } from '../api/views.ts';
import type { ServiceRef } from '../core/types.ts';
import type { ApiClient } from './api-client.ts';
import { ApiError } from './api-error.ts';

/** The API path of a service in an environment, with an optional tail (`/history`, `/lock`). */
export function servicePath(ref: ServiceRef, tail = ''): string {
  return `/v1/environments/${encodeURIComponent(ref.environment)}/services/${encodeURIComponent(ref.service)}${tail}`;
}

/**
 * The (service, environment) a command names: `env` (the --env option), else
 * CUTOVER_ENV, else the one environment the server has the service in. A
 * name in several environments without either is an error that lists them,
 * never a guess: the same name in staging and production are two services.
 */
export async function resolveService(client: ApiClient, service: string, env: string | undefined = process.env.CUTOVER_ENV || undefined): Promise<ServiceRef> {
  if (env) return { service, environment: env };
  const { services } = await client.request<{ services: StatusView[] }>('GET', `/v1/services?name=${encodeURIComponent(service)}`);
  const environments = services.map((s) => s.environment);
  if (environments.length === 1) return { service, environment: environments[0]! };
  // Answered as the server would, with its code and context: a missing service is a failure (exit 1), an ambiguous name a usage error (exit 2).
  if (environments.length === 0) {
    throw new ApiError(404, 'NotFound', `no service named "${service}" in any environment you can see; \`cutover apply -f SPEC\` creates it (or pass --env ENV for one that does not exist yet)`, { service });
  }
  throw new ApiError(400, 'InvalidRequest', `service ${service} is in ${environments.length} environments (${environments.join(', ')}); say which with --env ${environments[0]} (or set CUTOVER_ENV)`, { service, environments: environments.join(', ') });
}
