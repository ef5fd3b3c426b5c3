import { describe, expect, it } from 'vitest';
import { freePort, isPortFree, portRange } from './net.ts';

describe('freePort', () => {
  // Linux picks each ephemeral port at random among ~28,000: without the
  // reservation, 300 ports in a row repeat one about 4 times in 5.
  it('does not hand out a port again within a minute, one after another or at once', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    ports.push(...(await Promise.all(Array.from({ length: 50 }, () => freePort()))));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });

  it('gives a port that can be bound', async () => {
    expect(await isPortFree(await freePort())).toBe(true);
  });
});

describe('portRange', () => {
  it('ends just below the ephemeral range, where outgoing connections take their local ports', () => {
    expect(portRange({ low: 32_768, high: 60_999 })).toEqual({ low: 20_000, high: 32_767 });
  });

  it('is null when too few ports lie below the ephemeral range, and the OS picks', () => {
    expect(portRange({ low: 20_500, high: 60_999 })).toBeNull();
    expect(portRange({ low: 1_024, high: 65_535 })).toBeNull();
  });

  it('bounds every port freePort hands out on this machine', async () => {
    const range = portRange();
    if (!range) return; // the OS picks here: nothing to bound
    for (let i = 0; i < 50; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(range.low);
      expect(port).toBeLessThanOrEqual(range.high);
    }
  });
});
