import { describe, expect, it } from 'vitest';
import type { InstanceRecord } from '../store/index.ts';
import { describeWaiting } from './progress.ts';

function instance(id: string, state: InstanceRecord['state'], message = ''): InstanceRecord {
  return { id, service: 'hello', environment: 'production', revision: 2, port: 1, pid: 1, state, inRotation: false, retireAt: null, message, dir: '/d', logPath: '/l', createdAt: 0, updatedAt: 0 } as InstanceRecord;
}

describe('describeWaiting', () => {
  it('names the instances still starting, where each runs, and what it said last', () => {
    const places: Record<string, string> = { a: 'node worker-1 (10.0.0.2)' };
    expect(describeWaiting([instance('a', 'starting'), instance('b', 'ready'), instance('c', 'starting', 'connection refused')], (id) => places[id])).toBe(
      '; still not healthy: a on node worker-1 (10.0.0.2); c: connection refused',
    );
  });

  it('names three and counts the rest', () => {
    const starting = ['a', 'b', 'c', 'd', 'e'].map((id) => instance(id, 'starting'));
    expect(describeWaiting(starting, () => undefined)).toBe('; still not healthy: a; b; c and 2 more');
  });

  it('says nothing when no instance is waiting: the step waited for something else', () => {
    expect(describeWaiting([instance('a', 'ready'), instance('b', 'draining')], () => 'node x')).toBe('');
  });
});
