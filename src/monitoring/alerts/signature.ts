import { createHash, createHmac } from 'node:crypto';
import { CutoverError, ErrorCode } from '../../core/errors.ts';

const SECRET_PREFIX = 'whsec_';

/** The signing key inside a `whsec_<base64>` secret; throws naming the problem when it is not one. */
export function webhookKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw invalidSecret('a webhook secret starts with "whsec_" followed by base64 (Standard Webhooks); generate one with `echo whsec_$(openssl rand -base64 32)`');
  const encoded = secret.slice(SECRET_PREFIX.length);
  // Checked first because Buffer.from silently skips characters that are not base64.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw invalidSecret('the webhook secret after "whsec_" is not valid base64');
  return Buffer.from(encoded, 'base64');
}

function invalidSecret(message: string): CutoverError {
  return new CutoverError(ErrorCode.InvalidConfig, message, { problems: [{ path: 'secret', message }] });
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, as the Standard Webhooks specification defines it. */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The headers of one signed delivery; the timestamp is the attempt's, since receivers refuse old ones. */
export function webhookHeaders(key: Buffer, id: string, body: string, now: number): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(key, id, timestamp, body) };
}

/**
 * The message id: the same for every attempt at one alert (receivers use it
 * to drop duplicates of a retry), different when the alert fires again later.
 */
export function webhookMessageId(alertId: string, at: number): string {
  return `msg_${createHash('sha256').update(`${alertId}@${at}`).digest('base64url').slice(0, 24)}`;
}
