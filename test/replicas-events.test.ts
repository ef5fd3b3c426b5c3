import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseSse } from '../src/client/index.ts';
import { freePort } from '../src/core/net.ts';
import { helloSpec, waitFor } from './support/cluster.ts';
import { requirePostgres } from './support/postgres.ts';
import { ReplicaSet, type ReplicaProcess } from './support/replicas.ts';
import { startReceiver, type Receiver } from './support/webhook-receiver.ts';

const SECRET = `whsec_${Buffer.from('cutover-test-webhook-secret-32b!').toString('base64')}`;

interface Seen {
  seq: number;
  type: string;
  deployment: number | null;
}

/** A client of one replica's event stream, reading in the background until `stop`. */
function streamFrom(set: ReplicaSet, replica: ReplicaProcess, after: number): { seen: Seen[]; delays: number[]; stop(): void; ended: Promise<void> } {
  const seen: Seen[] = [];
  /** Milliseconds from each event's `at` (the writer's clock, same host) to its arrival here. */
  const delays: number[] = [];
  const controller = new AbortController();
  const ended = (async () => {
    const response = await fetch(`${replica.url}/v1/events/stream`, { headers: { authorization: `Bearer ${set.cluster.token}`, 'last-event-id': String(after) }, signal: controller.signal });
    if (!response.ok) throw new Error(`the stream of ${replica.url} answered ${response.status}`);
    for await (const message of parseSse(response.body!)) {
      const event = JSON.parse(message.data) as Seen & { at: number };
      delays.push(Date.now() - event.at);
      seen.push({ seq: Number(message.id), type: message.event, deployment: event.deployment });
    }
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) throw error;
  });
  return { seen, delays, stop: () => controller.abort(), ended };
}

/**
 * Events reach every replica (PostgreSQL: NOTIFY, then the rows after the
 * last sequence seen; SQLite: a read of those rows every 250 ms). Three
 * replicas share one store and one alert sink: a client streaming from each
 * follower sees every event, whoever wrote it, in order and once, and the
 * sink gets each alert from the leader alone.
 */
const postgres = requirePostgres();
postgres.describe('the event stream and alerts across replicas on PostgreSQL', () => eventsAcrossReplicas('postgres'));
describe('the event stream and alerts across replicas on SQLite', () => eventsAcrossReplicas('sqlite'));

function eventsAcrossReplicas(store: 'sqlite' | 'postgres') {
  const set = new ReplicaSet({ store });
  let receiver: Receiver;
  let leader: ReplicaProcess;
  let followers: ReplicaProcess[];

  beforeAll(async () => {
    receiver = await startReceiver();
    writeFileSync(join(set.cluster.dataDir, 'config.yaml'), stringify({ alerts: { sinks: [{ type: 'webhook', url: receiver.url, secret: SECRET }] } }));
    await set.start(3);
    leader = await set.leader();
    followers = set.replicas.filter((r) => r !== leader);
  }, 120_000);
  afterAll(async () => {
    await set.destroy();
    await receiver?.close();
  });

  it('a follower streams what the leader and another follower wrote; each alert is sent once', async () => {
    const service = 'hello-events';
    const port = await freePort();
    const api = async <T>(replica: ReplicaProcess, path: string) => {
      const response = await fetch(`${replica.url}${path}`, { headers: { authorization: `Bearer ${set.cluster.token}` } });
      if (!response.ok) throw new Error(`GET ${path} on ${replica.url}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const start = (await api<{ last: number }>(leader, `/v1/events?after=${Number.MAX_SAFE_INTEGER}`)).last;
    const [first, second] = followers as [ReplicaProcess, ReplicaProcess];
    const streams = [streamFrom(set, first, start), streamFrom(set, second, start)];
    try {
      // Through the leader: its own events reach both followers' streams.
      const v1 = await set.cli(leader, 'apply', '-f', set.cluster.writeSpec(service, helloSpec({ port, instances: 1 })), '--wait');
      expect(v1.code, v1.stdout + v1.stderr + set.logs()).toBe(0);

      // Through the first follower, which records the deployment; the leader runs it and it fails its health check.
      const failing = helloSpec({ port, instances: 1, version: '2.0.0', run: { command: ['node', 'server.js'], env: { FAIL_HEALTH: '1' } }, healthCheck: { path: '/healthz', interval: '500ms', timeout: '1s', startupTimeout: '3s' } });
      const v2 = await set.cli(first, 'apply', '-f', set.cluster.writeSpec(service, failing));
      expect(v2.code, v2.stdout + v2.stderr).toBe(0);
      const phase = async () => (await api<{ phase: string }>(second, `/v1/environments/development/services/${service}`)).phase;
      await waitFor('v2 to be rolled back', async () => (await phase()) === 'RolledBack', 90_000);

      // The whole record, as the store has it; every stream reaches its end.
      const stored = (await api<{ events: Seen[] }>(leader, `/v1/events?after=${start}`)).events.map((e) => ({ seq: e.seq, type: e.type, deployment: e.deployment }));
      const last = stored.at(-1)!.seq;
      for (const stream of streams) await waitFor('each follower\'s stream to reach the last event', () => stream.seen.at(-1)?.seq === last, 30_000);

      const created = stored.filter((e) => e.type === 'DeploymentCreated');
      expect(created).toHaveLength(2);
      for (const stream of streams) {
        // In order, once each, nothing missing: exactly the store's events.
        expect(stream.seen).toEqual(stored);
      }
      expect(stored.filter((e) => e.deployment === created[1]!.deployment).map((e) => e.type)).toContain('Finished');
      const delays = streams.flatMap((s) => s.delays).sort((a, b) => a - b);
      console.log(`events from write to a follower's stream (${store === 'postgres' ? 'PostgreSQL NOTIFY' : 'SQLite, read every 250 ms'}): ${delays.length} arrivals, median ${delays[Math.floor(delays.length / 2)]} ms, max ${delays.at(-1)} ms (load ${loadavg()[0]!.toFixed(1)})`);

      // One rollback alert, from one replica, though all three have the sink.
      await waitFor('the rollback alert', () => receiver.received.length > 0, 30_000);
      // Long enough for a second replica's copy to arrive, had one been sent.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const alerts = receiver.received.map((r) => (JSON.parse(r.body) as { data: { rule: string; deployment: number } }).data);
      expect(alerts).toEqual([expect.objectContaining({ rule: 'deployment-rolled-back', deployment: created[1]!.deployment })]);
    } finally {
      for (const stream of streams) stream.stop();
      await Promise.all(streams.map((s) => s.ended));
    }
  }, 180_000);
}
