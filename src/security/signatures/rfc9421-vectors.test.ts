import { describe, expect, it } from 'vitest';
import { verifyBase } from './algorithms.ts';
import {
  CREATED,
  ECC_P256_PUBLIC_KEY,
  ED25519_PRIVATE_KEY,
  ED25519_PUBLIC_KEY,
  RSA_PSS_PUBLIC_KEY,
  SHARED_SECRET,
  testRequest,
  testResponse,
} from '../../../test/support/rfc9421-examples.ts';
import { signatureBase } from './signature-base.ts';
import { readSignature } from './signature-headers.ts';
import { signMessage } from './sign-request.ts';
import type { HttpMessage, SignatureKey } from './types.ts';
import { verifyRequest } from './verify-request.ts';

const DIGEST = 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:';

const hmacKey: SignatureKey = { keyid: 'test-shared-secret', alg: 'hmac-sha256', secret: SHARED_SECRET };
const ed25519Signer: SignatureKey = { keyid: 'test-key-ed25519', alg: 'ed25519', secret: ED25519_PRIVATE_KEY };
const ed25519Verifier: SignatureKey = { keyid: 'test-key-ed25519', alg: 'ed25519', secret: ED25519_PUBLIC_KEY };
const rsaPssKey: SignatureKey = { keyid: 'test-key-rsa-pss', alg: 'rsa-pss-sha512', secret: RSA_PSS_PUBLIC_KEY };
const eccKey: SignatureKey = { keyid: 'test-key-ecc-p256', alg: 'ecdsa-p256-sha256', secret: ECC_P256_PUBLIC_KEY };

/** Rebuilds the base of a signature carried by a message and checks it with a key, as a verifier would. */
function check(message: HttpMessage, key: SignatureKey): { base: string; valid: boolean } {
  const read = readSignature(message.headers);
  if (!read.ok) throw new Error(read.reason);
  const base = signatureBase(message, read.found.input);
  return { base, valid: verifyBase(key, base, read.found.signature) };
}

describe('RFC 9421 Appendix B.2 test vectors', () => {
  it('B.2.1 minimal signature (rsa-pss-sha512): the base is the published one and the signature verifies', () => {
    const message = testRequest({
      'Signature-Input': 'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"',
      Signature:
        'sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:',
    });
    const { base, valid } = check(message, rsaPssKey);
    expect(base).toBe('"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"');
    expect(valid).toBe(true);
  });

  it('B.2.2 selective covered components (rsa-pss-sha512, @query-param, tag): base and signature', () => {
    const message = testRequest({
      'Signature-Input': 'sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example"',
      Signature:
        'sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:',
    });
    const { base, valid } = check(message, rsaPssKey);
    expect(base).toBe(
      [
        '"@authority": example.com',
        `"content-digest": ${DIGEST}`,
        '"@query-param";name="Pet": dog',
        '"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example"',
      ].join('\n'),
    );
    expect(valid).toBe(true);
  });

  it('B.2.3 full coverage (rsa-pss-sha512): base and signature', () => {
    const message = testRequest({
      'Signature-Input':
        'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
      Signature:
        'sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:',
    });
    const { base, valid } = check(message, rsaPssKey);
    expect(base).toBe(
      [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@query": ?param=Value&Pet=dog',
        '"@authority": example.com',
        '"content-type": application/json',
        `"content-digest": ${DIGEST}`,
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
      ].join('\n'),
    );
    expect(valid).toBe(true);
  });

  it('B.2.4 signing a response (ecdsa-p256-sha256, @status): base and signature', () => {
    const message = testResponse({
      'Signature-Input': 'sig-b24=("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256"',
      Signature: 'sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:',
    });
    const { base, valid } = check(message, eccKey);
    expect(base).toBe(
      [
        '"@status": 200',
        '"content-type": application/json',
        '"content-digest": sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:',
        '"content-length": 23',
        '"@signature-params": ("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256"',
      ].join('\n'),
    );
    expect(valid).toBe(true);
  });

  it('B.2.5 hmac-sha256: signing reproduces the published base, Signature-Input and signature exactly', () => {
    const signed = signMessage(testRequest(), {
      label: 'sig-b25',
      components: ['date', '@authority', 'content-type'],
      params: { created: CREATED, keyid: 'test-shared-secret' },
      key: hmacKey,
    });
    expect(signed.base).toBe(
      [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@authority": example.com',
        '"content-type": application/json',
        '"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
      ].join('\n'),
    );
    expect(signed['signature-input']).toBe('sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"');
    expect(signed.signature).toBe('sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:');
  });

  it('B.2.6 ed25519: signing reproduces the published base and signature exactly, and the public key verifies it', () => {
    const signed = signMessage(testRequest(), {
      label: 'sig-b26',
      components: ['date', '@method', '@path', '@authority', 'content-type', 'content-length'],
      params: { created: CREATED, keyid: 'test-key-ed25519' },
      key: ed25519Signer,
    });
    expect(signed.base).toBe(
      [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      ].join('\n'),
    );
    expect(signed['signature-input']).toBe('sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"');
    expect(signed.signature).toBe('sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:');
    expect(check(testRequest({ 'Signature-Input': signed['signature-input'], Signature: signed.signature }), ed25519Verifier).valid).toBe(true);
  });

  it('B.2.5 and B.2.6 pass verifyRequest once the policy asks only for what they cover', () => {
    const keys = new Map([hmacKey, ed25519Verifier].map((key) => [key.keyid, key]));
    const policy = { keyLookup: (keyid: string) => keys.get(keyid), now: CREATED + 10, requiredComponents: ['@authority'] };
    const b25 = testRequest({
      'Signature-Input': 'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
      Signature: 'sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:',
    });
    const b26 = testRequest({
      'Signature-Input': 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      Signature: 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:',
    });
    // Neither covers content-digest, so with the body attached cutover refuses them.
    expect(verifyRequest(b25, policy)).toEqual({ ok: false, status: 401, reason: 'signature does not cover content-digest; sign those components too' });
    expect(verifyRequest({ ...b25, body: undefined }, policy)).toEqual({ ok: true, keyid: 'test-shared-secret', label: 'sig-b25', components: ['date', '@authority', 'content-type'] });
    expect(verifyRequest({ ...b26, body: undefined }, policy)).toMatchObject({ ok: true, keyid: 'test-key-ed25519', label: 'sig-b26' });
  });

  it('B.2.5 refused under a secret that differs in its last bit, and with a covered header changed', () => {
    const flipped = Buffer.from(SHARED_SECRET);
    flipped[63] = (flipped[63] as number) ^ 1;
    const message = testRequest({
      'Signature-Input': 'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
      Signature: 'sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:',
    });
    expect(check(message, { ...hmacKey, secret: flipped }).valid).toBe(false);
    expect(check({ ...message, headers: { ...message.headers, Date: 'Tue, 20 Apr 2021 02:07:56 GMT' } }, hmacKey).valid).toBe(false);
  });
});
