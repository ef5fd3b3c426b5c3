import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDispatcher, type AlertWebhookBody } from '../../src/monitoring/alerts/index.ts';
import { sampleAlert } from '../support/alert-samples.ts';
import { flatHeaders, startReceiver, type ReceivedRequest, type Receiver } from '../support/webhook-receiver.ts';

// The receiver checks our signatures with the reference implementation of
// Standard Webhooks, not with our own code, so a shared mistake cannot pass.
const SECRET = 'whsec_' + Buffer.from('cutover interop test secret, 32b').toString('base64');

function verifies(secret: string, body: string, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return false;
    throw error;
  }
}

describe('alert webhooks verify with the standardwebhooks package', () => {
  let receiver: Receiver;
  let delivered: ReceivedRequest;

  beforeAll(async () => {
    receiver = await startReceiver((request) => (verifies(SECRET, request.body, flatHeaders(request.headers)) ? 204 : 401));
    const dispatcher = new AlertDispatcher({ sinks: [{ type: 'webhook', url: receiver.url, secret: SECRET }], retry: { attempts: 1 } });
    const { results } = await dispatcher.dispatch(sampleAlert({ summary: 'hello rolled back: “unicode” reason ✓' }));
    expect(results).toEqual([expect.objectContaining({ ok: true, attempts: 1 })]);
    delivered = receiver.received[0]!;
  });
  afterAll(() => receiver.close());

  it('is accepted by a receiver that verifies with new Webhook(secret).verify(body, headers)', () => {
    const body = new Webhook(SECRET).verify(delivered.body, flatHeaders(delivered.headers)) as AlertWebhookBody;
    expect(body).toMatchObject({ type: 'cutover.alert', data: { id: 'deployment-rolled-back:7', summary: 'hello rolled back: “unicode” reason ✓' } });
  });

  it('is rejected when the body was changed on the way', () => {
    const tampered = delivered.body.replace('rolled back', 'succeeded');
    expect(tampered).not.toBe(delivered.body);
    expect(verifies(SECRET, tampered, flatHeaders(delivered.headers))).toBe(false);
  });

  it('is rejected with another secret or another message id', () => {
    const otherSecret = 'whsec_' + Buffer.from('a different secret of 32 bytes..').toString('base64');
    expect(verifies(otherSecret, delivered.body, flatHeaders(delivered.headers))).toBe(false);
    expect(verifies(SECRET, delivered.body, { ...flatHeaders(delivered.headers), 'webhook-id': 'msg_other' })).toBe(false);
  });
});
