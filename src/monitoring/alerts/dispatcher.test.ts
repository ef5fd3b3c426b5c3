import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Writable } from 'node:stream';
import { AlertDispatcher } from './dispatcher.ts';
import { checkSinks } from './check-sinks.ts';
import { deployment, sampleAlert, stored } from '../../../test/support/alert-samples.ts';
import { startReceiver, type Receiver } from '../../../test/support/webhook-receiver.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const receivers: Receiver[] = [];
async function receiver(answer?: (request: unknown, nth: number) => number): Promise<Receiver> {
  const started = await startReceiver(answer);
  receivers.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** Records the waits instead of waiting, so retries take no time. */
function instantRetries(): { waits: number[]; sleep: (ms: number) => Promise<void>; random: () => number } {
  const waits: number[] = [];
  return { waits, sleep: (ms) => (waits.push(ms), Promise.resolve()), random: () => 0.5 };
}

function memoryLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(chunk.toString()), done()) });
  return { logger: pino({ level: 'info' }, stream), lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('AlertDispatcher', () => {
  it('retries a webhook that fails twice, then records the success on the third attempt', async () => {
    const hook = await receiver((_request, nth) => (nth <= 2 ? 503 : 200));
    const retries = instantRetries();
    const dispatcher = new AlertDispatcher({ sinks: [{ type: 'webhook', url: hook.url, secret: SECRET }] }, retries);
    const { results } = await dispatcher.dispatch(sampleAlert());
    expect(results).toEqual([{ sink: `webhook ${new URL(hook.url).host}`, ok: true, attempts: 3 }]);
    expect(hook.received).toHaveLength(3);
    expect(retries.waits).toEqual([375, 750]);
    expect(dispatcher.deliveries().map((d) => [d.attempt, d.ok, d.status])).toEqual([[1, false, 503], [2, false, 503], [3, true, undefined]]);
    // Every attempt carries the same message id, so the receiver can drop a duplicate of a retry.
    expect(new Set(hook.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(JSON.parse(hook.received[2]!.body)).toMatchObject({ type: 'cutover.alert', data: { id: 'deployment-rolled-back:7' } });
  });

  it('gives up after five attempts and reports the last status, without throwing', async () => {
    const hook = await receiver(() => 500);
    const dispatcher = new AlertDispatcher({ sinks: [{ type: 'webhook', url: hook.url, secret: SECRET }] }, instantRetries());
    const { results } = await dispatcher.dispatch(sampleAlert());
    expect(results[0]).toMatchObject({ ok: false, attempts: 5, status: 500 });
    expect(results[0]?.error).toMatch(/answered 500: refused with 500/);
    expect(hook.received).toHaveLength(5);
  });

  it('does not retry a refusal that will not change (400)', async () => {
    const hook = await receiver(() => 400);
    const dispatcher = new AlertDispatcher({ sinks: [{ type: 'slack', url: hook.url }] }, instantRetries());
    const { results } = await dispatcher.dispatch(sampleAlert());
    expect(results[0]).toMatchObject({ ok: false, attempts: 1, status: 400 });
  });

  it('reports an unreachable sink as a failed result and never names its secret path', async () => {
    const gone = await receiver();
    await gone.close();
    receivers.splice(receivers.indexOf(gone), 1);
    const dispatcher = new AlertDispatcher({ sinks: [{ type: 'slack', url: gone.url }], retry: { attempts: 2 } }, instantRetries());
    const { results } = await dispatcher.dispatch(sampleAlert());
    expect(results[0]).toMatchObject({ ok: false, attempts: 2 });
    expect(JSON.stringify(dispatcher.deliveries())).not.toContain('secret-path');
  });

  it('sends an alert id once within the window and again after it', async () => {
    const hook = await receiver();
    let now = 1_000_000;
    const dispatcher = new AlertDispatcher({ sinks: [{ type: 'slack', url: hook.url }] }, { ...instantRetries(), now: () => now });
    expect((await dispatcher.dispatch(sampleAlert())).deduplicated).toBe(false);
    now += 59 * 60_000;
    expect(await dispatcher.dispatch(sampleAlert())).toMatchObject({ deduplicated: true, results: [] });
    expect((await dispatcher.dispatch(sampleAlert({ id: 'deployment-failed:8' }))).deduplicated).toBe(false);
    now += 2 * 60_000;
    expect((await dispatcher.dispatch(sampleAlert())).deduplicated).toBe(false);
    expect(hook.received).toHaveLength(3);
  });

  it('posts a Slack message with a one-line text and blocks, escaping free text', async () => {
    const hook = await receiver();
    const dispatcher = new AlertDispatcher({ sinks: [{ type: 'slack', url: hook.url }] });
    await dispatcher.dispatch(sampleAlert());
    const [request] = hook.received;
    expect(request?.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request!.body) as { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[] };
    expect(body.text).toBe(':warning: [warning] hello 2.0.0 (deployment 7, production) rolled back to revision 1: instance hello-2-a exited');
    expect(body.blocks.map((block) => block.type)).toEqual(['section', 'context']);
    expect(body.blocks[0]?.fields).toContainEqual({ type: 'mrkdwn', text: '*reason*\nexit code 1 &lt;stderr &amp; more&gt;' });
    expect(body.blocks[0]?.fields).toContainEqual({ type: 'mrkdwn', text: '*environment*\nproduction' });
  });

  it('writes a log line at the level of the severity', async () => {
    const { logger, lines } = memoryLogger();
    const dispatcher = new AlertDispatcher({ sinks: [{ type: 'log' }] }, { logger });
    await dispatcher.dispatch(sampleAlert({ id: 'a', severity: 'critical' }));
    const line = lines().find((entry) => entry.msg === `alert deployment-rolled-back: ${sampleAlert().summary}`);
    expect(line).toMatchObject({ level: 50, alert: { id: 'a', severity: 'critical' } });
  });

  it('turns a stored event into an alert at every sink', async () => {
    const hook = await receiver();
    const dispatcher = new AlertDispatcher({ sinks: [{ type: 'webhook', url: hook.url, secret: SECRET }, { type: 'log' }] });
    const before = deployment({ ending: { phase: 'RolledBack', reason: 'instance exited', code: 'InstanceExited' } });
    const [dispatch] = await dispatcher.observeEvent(stored({ type: 'Finished', phase: 'RolledBack', message: 'rolled back' }), before);
    expect(dispatch?.results.map((r) => r.ok)).toEqual([true, true]);
    expect(await dispatcher.checkTimers([deployment({ finishedAt: 2 })], () => 1000)).toEqual([]);
  });

  it('refuses a webhook secret that is not whsec_<base64> when it is created', () => {
    expect(() => new AlertDispatcher({ sinks: [{ type: 'webhook', url: 'http://127.0.0.1:1/', secret: 'hunter2' }] })).toThrow(/starts with "whsec_"/);
  });
});

describe('checkSinks', () => {
  it('sends a synthetic alert to every sink and says how each went', async () => {
    const good = await receiver();
    const bad = await receiver(() => 404);
    const results = await checkSinks(
      { sinks: [{ type: 'webhook', url: good.url, secret: SECRET }, { type: 'slack', url: bad.url, name: 'team chat' }, { type: 'log' }] },
      instantRetries(),
    );
    expect(results).toEqual([
      { sink: `webhook ${new URL(good.url).host}`, ok: true, attempts: 1 },
      { sink: 'team chat', ok: false, attempts: 1, status: 404, error: `${new URL(bad.url).host} answered 404: refused with 404` },
      { sink: 'log', ok: true, attempts: 1 },
    ]);
    expect(JSON.parse(good.received[0]!.body)).toMatchObject({ data: { rule: 'test', severity: 'info' } });
  });
});
