import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse } from '../src/client/index.ts';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec } from './support/cluster.ts';

describe('deploy locks and the live event stream', () => {
  const cluster = new Cluster();
  const service = 'hello-lock';
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
  });
  afterAll(() => cluster.destroy());

  it('refuses an apply while the service is locked, saying who holds the lock and why', async () => {
    const locked = await cluster.cli('lock', 'acquire', service, '--env', 'development', '-m', 'database migration');
    expect(locked.code, locked.stderr).toBe(0);
    const again = await cluster.cli('lock', 'acquire', service, '--env', 'development', '-m', 'me too');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already locked by admin .*database migration/);
    const status = await cluster.cli('lock', 'status', service, '--env', 'development');
    expect(status.stdout).toMatch(/locked by admin since .*"database migration"/);
    const refused = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 1 })));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/locked by admin since .*"database migration".*cutover lock release/);
    expect((await cluster.cli('lock', 'release', service, '--env', 'development')).code).toBe(0);
    expect((await cluster.cli('lock', 'status', service, '--env', 'development')).stdout).toMatch(/not locked/);
  });

  it('streams every event; a client reconnecting with Last-Event-ID misses nothing', async () => {
    const start = (await cluster.api<{ last: number }>('GET', `/v1/events?after=${Number.MAX_SAFE_INTEGER}`)).body.last;
    const seen: number[] = [];
    const read = async (after: number, stopAfter: number) => {
      const controller = new AbortController();
      const response = await fetch(`${cluster.url}/v1/events/stream?service=${service}`, {
        headers: { authorization: `Bearer ${cluster.token}`, 'last-event-id': String(after) },
        signal: controller.signal,
      });
      expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
      let count = 0;
      try {
        for await (const event of parseSse(response.body!)) {
          seen.push(Number(event.id));
          expect(JSON.parse(event.data).type).toBe(event.event);
          if (++count >= stopAfter) break;
        }
      } finally {
        controller.abort();
      }
      return seen.at(-1)!;
    };
    const applying = cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 2 })), '--wait');
    const lastSeen = await read(start, 3); // disconnect after 3 events
    const result = await applying;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const all = (await cluster.api<{ events: { seq: number }[] }>('GET', `/v1/events?service=${service}&after=${start}`)).body.events.map((e) => e.seq);
    await read(lastSeen, all.filter((seq) => seq > lastSeen).length); // reconnect where it left off
    expect(seen).toEqual(all);
  });
});
