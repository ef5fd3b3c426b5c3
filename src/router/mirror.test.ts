import { afterEach, describe, expect, it } from 'vitest';
import { TestBed, inParallel, routerConfig, send, waitFor } from '../../test/support/router-test-bed.ts';

const bed = new TestBed();
afterEach(() => bed.closeAll());

describe('the dark launch (mirror)', () => {
  it('copies the share of idempotent requests to the mirror revision, answers every user from stable, and records the copies as its samples', async () => {
    const [stable, canary] = [await bed.backend(1), await bed.backend(2)];
    const router = await bed.router(await bed.dir());
    const client = bed.client(router);
    await client.pushConfig(routerConfig([stable, canary], { 1: 100, 2: 0 }, { mirror: { revision: 2, percentage: 50 } }));
    const port = router.ports().traffic!;
    const before = (await client.getSamples(0)).seq;

    const answers = await inParallel(200, 8, () => send(port, '/?status=503', { agent: bed.agent }));
    expect(answers.every((answer) => answer.json().revision === 1 && answer.status === 503)).toBe(true);
    // Neither a body nor an unsafe method is mirrored. (Node's client sends a GET's body unframed unless told its
    // length; bytes behind a GET without framing are not a body but a second request, which the router refuses.)
    await send(port, '/', { method: 'POST', body: 'x' });
    await send(port, '/', { method: 'GET', body: 'x', headers: { 'content-length': 1 } });
    await waitFor('the copies to be answered', () => canary.received === 100);
    expect(stable.received).toBe(202);

    await waitFor('the mirrored samples', async () => (await client.getSamples(before)).revision.filter((revision) => revision === 2).length === 100);
    const samples = await client.getSamples(before);
    const mirrored = samples.revision.flatMap((revision, i) => (revision === 2 ? [{ status: samples.status[i], pinned: samples.pinned?.[i] }] : []));
    // The canary's own answers, as the judge compares them with stable's: not pinned, with their status.
    expect(mirrored.every((sample) => sample.status === 503 && sample.pinned === 0)).toBe(true);
  });

  it('mirrors nothing without the setting, to the revision itself, or pinned requests', async () => {
    const [stable, canary] = [await bed.backend(1), await bed.backend(2)];
    const router = await bed.router(await bed.dir());
    const client = bed.client(router);
    await client.pushConfig(routerConfig([stable, canary], { 1: 50, 2: 50 }, { mirror: { revision: 2, percentage: 100 } }));
    const port = router.ports().traffic!;
    await inParallel(100, 4, () => send(port, '/', { agent: bed.agent }));
    await inParallel(10, 4, () => send(port, '/', { agent: bed.agent, headers: { 'x-cutover-revision': '1' } }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // 50 weighted to each; each of stable's 50 copied once; pinned ones not at all.
    expect(stable.received).toBe(60);
    expect(canary.received).toBe(100);

    await client.pushConfig(routerConfig([stable, canary], { 1: 100, 2: 0 }, { generation: 2 }));
    await inParallel(20, 4, () => send(port, '/', { agent: bed.agent }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(canary.received).toBe(100);
  });
});
