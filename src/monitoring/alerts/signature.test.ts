import { describe, expect, it } from 'vitest';
import { signWebhook, webhookHeaders, webhookKey, webhookMessageId } from './signature.ts';

describe('Standard Webhooks signing', () => {
  it('matches the example in the Standard Webhooks specification', () => {
    const key = webhookKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(signWebhook(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('puts the attempt time in seconds in webhook-timestamp', () => {
    const headers = webhookHeaders(webhookKey('whsec_c2VjcmV0'), 'msg_1', '{}', 1_700_000_000_999);
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('refuses a secret without the whsec_ prefix or with something other than base64 after it', () => {
    expect(() => webhookKey('c2VjcmV0')).toThrow(/starts with "whsec_"/);
    expect(() => webhookKey('whsec_not base64!')).toThrow(/not valid base64/);
    expect(() => webhookKey('whsec_')).toThrow(/not valid base64/);
  });

  it('gives every attempt at one alert the same message id and a new firing a new one', () => {
    expect(webhookMessageId('deployment-failed:7', 1000)).toBe(webhookMessageId('deployment-failed:7', 1000));
    expect(webhookMessageId('deployment-failed:7', 1000)).not.toBe(webhookMessageId('deployment-failed:7', 2000));
    expect(webhookMessageId('deployment-failed:7', 1000)).toMatch(/^msg_[\w-]{24}$/);
  });
});
