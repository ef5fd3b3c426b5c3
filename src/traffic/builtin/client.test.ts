import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouterStats } from '../../router/wire.ts';
import { RouterAdminClient } from './client.ts';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A fake router admin API that answers GET /stats with each of `reads` in turn (the last one again after that). */
async function statsServer(reads: Partial<RouterStats>[]): Promise<{ client: RouterAdminClient; served: () => number }> {
  let served = 0;
  const server = createServer((_req, res) => {
    const read = reads[Math.min(served++, reads.length - 1)];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service: 's', generation: 1, revisions: {}, ...read }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { client: new RouterAdminClient((server.address() as AddressInfo).port, 'token', { pollMs: 5 }), served: () => served };
}

describe('RouterAdminClient.waitForDrain', () => {
  it('does not call an instance drained while a worker of a supervised router did not answer: its old counters may miss requests', async () => {
    const partial = { backends: { old: { inFlight: 0, healthy: true, requests: 9 } }, unanswered: 1 };
    const full = { backends: { old: { inFlight: 0, healthy: true, requests: 9 } } };
    const { client, served } = await statsServer([partial, partial, full]);
    expect(await client.waitForDrain('old', 10_000)).toEqual({ drained: true, inFlight: 0 });
    expect(served()).toBe(3);
  });

  it('gives up at its deadline when workers never all answer', async () => {
    const { client } = await statsServer([{ backends: {}, unanswered: 2 }]);
    expect(await client.waitForDrain('old', 50)).toEqual({ drained: false, inFlight: 0 });
  });
});
