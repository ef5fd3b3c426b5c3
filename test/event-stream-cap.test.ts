import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, waitFor } from './support/cluster.ts';

/**
 * Event streams capped per identity (issue 9, finding 11: one identity held
 * 2,000 event streams open), against a real server with the default cap of
 * 20 (`limits.eventStreamsPerIdentity`): the 21st stream of one identity is
 * refused with 429 and a message, another identity is not affected, and
 * closing a stream frees its slot.
 */
describe('event streams per identity', () => {
  const cluster = new Cluster();
  const tokens: Record<string, string> = {};
  const open: AbortController[] = [];

  beforeAll(async () => {
    await cluster.start();
    for (const name of ['watcher', 'other']) tokens[name] = (await cluster.api<{ token: string }>('POST', '/v1/users', { name, roles: ['viewer:development'] })).body.token;
  });
  afterAll(async () => {
    for (const controller of open) controller.abort();
    await cluster.destroy();
  });

  /** Opens a stream; resolves with its status (and the message of a refusal) once the headers arrive. */
  async function openStream(token: string): Promise<{ status: number; text: string; controller: AbortController }> {
    const controller = new AbortController();
    open.push(controller);
    const response = await fetch(`${cluster.url}/v1/events/stream`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal });
    const text = response.status === 200 ? '' : await response.text();
    return { status: response.status, text, controller };
  }

  it('refuses the 21st open stream of one identity with 429, serves another identity, and frees a slot when a stream closes', async () => {
    const streams = [];
    for (let i = 0; i < 20; i++) {
      const stream = await openStream(tokens.watcher!);
      expect(stream.status, `stream ${i + 1}`).toBe(200);
      streams.push(stream);
    }
    const refused = await openStream(tokens.watcher!);
    expect(refused.status).toBe(429);
    expect(refused.text).toMatch(/already holds 20 open event streams.*limits\.eventStreamsPerIdentity/);

    expect((await openStream(tokens.other!)).status).toBe(200);

    streams[0]!.controller.abort();
    // The server sees the close when its socket does: wait for the slot to come back.
    const again = await waitFor('a slot freed by the closed stream', async () => {
      const stream = await openStream(tokens.watcher!);
      return stream.status === 200 ? stream : null;
    }, 30_000);
    expect(again.status).toBe(200);
  });
});
