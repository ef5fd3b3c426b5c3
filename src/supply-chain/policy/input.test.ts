import { describe, expect, it } from 'vitest';
import { buildPolicyInput, signatureFromMinisign } from './input.ts';
import { BLUE_GREEN, CANARY, ROLLING, testInput } from '../../../test/support/policy-input.ts';
import { sampleSpec } from '../../../test/support/sample-spec.ts';
import type { ServiceSpec } from '../../spec/types.ts';

const ANALYSIS = { metrics: [] };

describe('buildPolicyInput', () => {
  it('takes the service, environment, version, strategy and instances from the spec', () => {
    expect(testInput()).toMatchObject({
      service: 'hello',
      environment: 'production',
      version: '2.0.0',
      revision: 7,
      strategy: 'canary',
      instances: 3,
      artifact: { digest: 'a'.repeat(64), size: 1234 },
      author: 'alice',
    });
  });

  it('gives the time in UTC with the hour and a three-letter weekday', () => {
    expect(testInput().time).toEqual({ iso: '2025-03-12T14:30:00.000Z', hour: 14, weekday: 'wed' });
    expect(testInput({}, { now: new Date('2025-03-16T23:59:59+02:00') }).time).toMatchObject({ hour: 21, weekday: 'sun' });
  });

  it('marks an unscanned artifact without counts, and a check that never ran as not-checked', () => {
    const input = buildPolicyInput({ spec: sampleSpec(), revision: 1, artifact: { digest: 'b'.repeat(64), size: 1 }, author: 'bob' });
    expect(input.scan).toEqual({ state: 'not-scanned' });
    expect(input.signature).toEqual({ state: 'not-checked' });
  });

  it.each<[string, ServiceSpec['strategy'], boolean]>([
    ['rolling', ROLLING, false],
    ['canary without analysis', CANARY, false],
    ['canary with an analysis step', { type: 'canary', steps: [{ setWeight: 20 }, { analysis: ANALYSIS }] }, true],
    ['canary with background analysis', { ...CANARY, analysis: ANALYSIS } as ServiceSpec['strategy'], true],
    ['blue-green without analysis', BLUE_GREEN, false],
    ['blue-green with pre-promotion analysis', { ...BLUE_GREEN, prePromotionAnalysis: ANALYSIS } as ServiceSpec['strategy'], true],
  ])('says whether analysis is configured: %s', (_name, strategy, configured) => {
    expect(testInput({ strategy }).analysis).toEqual({ configured });
  });
});

describe('signatureFromMinisign', () => {
  it('maps each minisign outcome to a signature state', () => {
    expect(signatureFromMinisign(undefined)).toEqual({ state: 'not-checked' });
    expect(signatureFromMinisign({ ok: true, keyId: 'E7620F1842B4E81F', trustedComment: '' })).toEqual({ state: 'valid', keyId: 'E7620F1842B4E81F' });
    expect(signatureFromMinisign({ ok: false, reason: 'missing', message: '' })).toEqual({ state: 'missing' });
    expect(signatureFromMinisign({ ok: false, reason: 'untrusted-key', message: '' })).toEqual({ state: 'untrusted' });
    expect(signatureFromMinisign({ ok: false, reason: 'bad-signature', message: '' })).toEqual({ state: 'invalid' });
    expect(signatureFromMinisign({ ok: false, reason: 'malformed', message: '' })).toEqual({ state: 'invalid' });
  });
});
