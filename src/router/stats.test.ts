import { describe, expect, it } from 'vitest';
import { SampleRing } from './stats.ts';

describe('SampleRing', () => {
  it('returns the answers recorded after a sequence number, in order', () => {
    const ring = new SampleRing(10);
    ring.push(1, 200, 2.5);
    ring.push(2, 500, 7);
    const first = ring.after(0);
    expect(first).toEqual({ seq: 2, dropped: 0, revision: [1, 2], status: [200, 500], latencyMs: [2.5, 7] });
    ring.push(2, 200, 1);
    expect(ring.after(first.seq)).toEqual({ seq: 3, dropped: 0, revision: [2], status: [200], latencyMs: [1] });
  });

  it('says how many answers were overwritten before they were read', () => {
    const ring = new SampleRing(3);
    for (let i = 0; i < 5; i++) ring.push(1, 200, i);
    const read = ring.after(0);
    expect(read.dropped).toBe(2);
    expect(read.latencyMs).toEqual([2, 3, 4]);
    expect(read.seq).toBe(5);
  });

  it('returns nothing new when read again at the last sequence number', () => {
    const ring = new SampleRing(3);
    ring.push(1, 200, 1);
    expect(ring.after(1).revision).toEqual([]);
  });
});
