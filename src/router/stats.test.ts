import { describe, expect, it } from 'vitest';
import { MAX_ROUTES } from './wire.ts';
import { SampleRing, TrafficStats, type SampleTags } from './stats.ts';

const tags: SampleTags = { route: 'GET /', pinned: false, instanceAgeMs: 5000 };

describe('SampleRing', () => {
  it('returns the answers recorded after a sequence number, in order', () => {
    const ring = new SampleRing(10);
    ring.push(1, 200, 2.5, tags);
    ring.push(2, 500, 7, { route: 'POST /orders', pinned: true, instanceAgeMs: 1200.4 });
    const first = ring.after(0);
    expect(first).toEqual({ seq: 2, dropped: 0, revision: [1, 2], status: [200, 500], latencyMs: [2.5, 7], routes: ['GET /', 'POST /orders'], route: [0, 1], pinned: [0, 1], instanceAgeMs: [5000, 1200] });
    ring.push(2, 200, 1, tags);
    expect(ring.after(first.seq)).toEqual({ seq: 3, dropped: 0, revision: [2], status: [200], latencyMs: [1], routes: ['GET /', 'POST /orders'], route: [0], pinned: [0], instanceAgeMs: [5000] });
  });

  it('says how many answers were overwritten before they were read', () => {
    const ring = new SampleRing(3);
    for (let i = 0; i < 5; i++) ring.push(1, 200, i, tags);
    const read = ring.after(0);
    expect(read.dropped).toBe(2);
    expect(read.latencyMs).toEqual([2, 3, 4]);
    expect(read.seq).toBe(5);
  });

  it('returns nothing new when read again at the last sequence number', () => {
    const ring = new SampleRing(3);
    ring.push(1, 200, 1, tags);
    expect(ring.after(1).revision).toEqual([]);
  });

  it('tells at most MAX_ROUTES routes apart and counts the rest as "other", however many paths clients send', () => {
    const ring = new SampleRing(1000);
    for (let i = 0; i < MAX_ROUTES + 50; i++) ring.push(1, 200, 1, { ...tags, route: `GET /r${i}` });
    const read = ring.after(0);
    expect(read.routes).toHaveLength(MAX_ROUTES + 1);
    expect(read.routes?.at(-1)).toBe('other');
    expect(new Set(read.route!.slice(MAX_ROUTES))).toEqual(new Set([MAX_ROUTES]));
  });
});

describe('TrafficStats', () => {
  it('counts requests by the class of their answer: broken-off and router answers are 5xx, abandoned ones none', () => {
    const stats = new TrafficStats();
    stats.answered(1, 200, 1, tags);
    stats.answered(1, 204, 1, tags);
    stats.answered(1, 404, 1, tags);
    stats.answered(1, 503, 1, tags);
    stats.brokeOff(1, tags);
    stats.routerError(1);
    stats.abandoned(1);
    const revision = stats.snapshot()['1']!;
    expect(revision.statusClasses).toEqual({ '2xx': 2, '4xx': 1, '5xx': 3, none: 1 });
    expect(revision.requests).toBe(7);
  });
});
