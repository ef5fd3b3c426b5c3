import type { InstanceRecord } from '../store/index.ts';

/** How many waiting instances a message names; the rest are counted. */
const NAMED = 3;

/**
 * What a step past its progressDeadline was waiting for, for the rollback's
 * message: the revision's instances that are not ready yet, each with where
 * it runs when the platform says (a swarm task's node) and the last thing
 * its health check said. Empty when none is waiting: the step waited for
 * something else (an analysis, a hook).
 */
export function describeWaiting(instances: readonly InstanceRecord[], placeOf: (id: string) => string | undefined): string {
  const waiting = instances.filter((instance) => instance.state === 'starting');
  if (waiting.length === 0) return '';
  const named = waiting.slice(0, NAMED).map((instance) => {
    const place = placeOf(instance.id);
    const last = instance.message ? `: ${instance.message}` : '';
    return `${instance.id}${place ? ` on ${place}` : ''}${last}`;
  });
  const more = waiting.length > NAMED ? ` and ${waiting.length - NAMED} more` : '';
  return `; still not healthy: ${named.join('; ')}${more}`;
}
