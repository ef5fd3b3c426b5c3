import { describe, expect, it } from 'vitest';
import { freePort, isPortFree } from './net.ts';

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
