import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signRequest } from './sign-request.ts';
import type { HttpRequest, SignatureKey } from './types.ts';
import { verifyRequest } from './verify-request.ts';
import type { VerifyRequestOptions } from './verify-request.ts';

const NOW = 1_700_000_000;
const hmacKey: SignatureKey = { keyid: 'cli-alice', alg: 'hmac-sha256', secret: randomBytes(32) };
const edPair = generateKeyPairSync('ed25519');
const edSigner: SignatureKey = { keyid: 'cli-bob', alg: 'ed25519', secret: edPair.privateKey };
const edVerifier: SignatureKey = { keyid: 'cli-bob', alg: 'ed25519', secret: edPair.publicKey };
const keys = new Map([hmacKey, edVerifier].map((key) => [key.keyid, key]));

const deploy = (body = '{"service":"web","revision":7}'): HttpRequest => ({
  method: 'POST',
  url: 'https://cutover.example:8443/v1/services/web/deployments?wait=true',
  headers: { 'Content-Type': 'application/json' },
  body: new TextEncoder().encode(body),
});

/** A request as the server receives it: the original plus the signature headers. */
function signed(request: HttpRequest, key: SignatureKey, options: Parameters<typeof signRequest>[2] = {}): HttpRequest {
  return { ...request, headers: { ...request.headers, ...signRequest(request, key, { created: NOW, ...options }) } };
}

const policy = (extra: Partial<VerifyRequestOptions> = {}): VerifyRequestOptions => ({ keyLookup: (keyid) => keys.get(keyid), now: NOW, ...extra });

describe('signRequest', () => {
  it('covers the method, the target URI and the body, with created, keyid, alg and a nonce', () => {
    const headers = signRequest(deploy(), hmacKey, { created: NOW, nonce: 'n-1' });
    expect(headers['signature-input']).toBe('sig1=("@method" "@target-uri" "content-digest");created=1700000000;keyid="cli-alice";alg="hmac-sha256";nonce="n-1"');
    expect(headers['content-digest']).toMatch(/^sha-256=:[A-Za-z0-9+/]+=*:$/);
    expect(headers.signature).toMatch(/^sig1=:[A-Za-z0-9+/]+=*:$/);
  });

  it('covers no body digest for a request without a body, and uses a fresh random nonce each time', () => {
    const get: HttpRequest = { method: 'GET', url: 'https://cutover.example/v1/services', headers: {} };
    const first = signRequest(get, hmacKey, { created: NOW });
    const second = signRequest(get, hmacKey, { created: NOW });
    expect(first['content-digest']).toBeUndefined();
    expect(first['signature-input']).toMatch(/^sig1=\("@method" "@target-uri"\);created=1700000000;keyid="cli-alice";alg="hmac-sha256";nonce="[\w-]{22}"$/);
    expect(first['signature-input']).not.toBe(second['signature-input']);
  });

  it('adds content-digest to the caller\'s components when there is a body, and writes label, expires and tag', () => {
    const headers = signRequest(deploy(), edSigner, { created: NOW, nonce: 'n', components: ['@method', '@path'], label: 'cutover', expires: NOW + 60, tag: 'cutover-api' });
    expect(headers['signature-input']).toBe(
      'cutover=("@method" "@path" "content-digest");created=1700000000;keyid="cli-bob";alg="ed25519";expires=1700000060;nonce="n";tag="cutover-api"',
    );
  });

  it('refuses to sign with a public key or a key of the wrong type', () => {
    expect(() => signRequest(deploy(), edVerifier)).toThrow('key cli-bob is a public key; signing needs the private key');
    expect(() => signRequest(deploy(), { ...hmacKey, alg: 'ed25519' })).toThrow(/must be a KeyObject or a PEM private key/);
    expect(() => signRequest(deploy(), { ...edSigner, alg: 'hmac-sha256' })).toThrow(/must be a shared secret/);
  });
});

describe('verifyRequest', () => {
  it('accepts what signRequest signed, with HMAC and with Ed25519', () => {
    expect(verifyRequest(signed(deploy(), hmacKey), policy())).toEqual({ ok: true, keyid: 'cli-alice', label: 'sig1', components: ['@method', '@target-uri', 'content-digest'] });
    expect(verifyRequest(signed(deploy(), edSigner), policy())).toMatchObject({ ok: true, keyid: 'cli-bob' });
  });

  it('finds the signature headers whatever their case', () => {
    const request = signed(deploy(), hmacKey);
    const shouted = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toUpperCase(), value]));
    expect(verifyRequest({ ...request, headers: shouted }, policy()).ok).toBe(true);
  });

  it('refuses a body changed after signing, naming the digest', () => {
    const request = { ...signed(deploy(), hmacKey), body: new TextEncoder().encode('{"service":"web","revision":8}') };
    expect(verifyRequest(request, policy())).toEqual({
      ok: false,
      status: 401,
      reason: 'Content-Digest sha-256 does not match the body: the body was changed after the digest was computed',
    });
  });

  it('refuses a body whose digest was recomputed by whoever changed it', () => {
    const request = signed(deploy(), hmacKey);
    const body = new TextEncoder().encode('{"service":"web","revision":8}');
    const forged = { ...request, body, headers: { ...request.headers, 'content-digest': signRequest({ ...deploy(), body }, hmacKey)['content-digest'] } };
    expect(verifyRequest(forged, policy())).toMatchObject({ ok: false, reason: 'signature sig1 does not match the request: it was changed after signing, or was not signed with key cli-alice' });
  });

  it('refuses a request sent to another URL or with another method', () => {
    const request = signed(deploy(), edSigner);
    expect(verifyRequest({ ...request, url: 'https://cutover.example:8443/v1/services/web/rollback' }, policy()).ok).toBe(false);
    expect(verifyRequest({ ...request, method: 'PUT' }, policy()).ok).toBe(false);
  });

  it('refuses an old signature, saying how old and what to check', () => {
    expect(verifyRequest(signed(deploy(), hmacKey), policy({ now: NOW + 612 }))).toEqual({
      ok: false,
      status: 401,
      reason: "signature created 612s ago, outside the 300s window; check the client's clock or sign the request again",
    });
    expect(verifyRequest(signed(deploy(), hmacKey), policy({ now: NOW + 612, maxAgeSeconds: 900 })).ok).toBe(true);
  });

  it('allows a little clock skew but refuses a signature from the future', () => {
    expect(verifyRequest(signed(deploy(), hmacKey, { created: NOW + 20 }), policy()).ok).toBe(true);
    expect(verifyRequest(signed(deploy(), hmacKey, { created: NOW + 45 }), policy())).toMatchObject({
      ok: false,
      reason: "signature created 45s in the future, more than the 30s allowed for clock skew; check the client's clock",
    });
  });

  it('refuses an expired signature', () => {
    expect(verifyRequest(signed(deploy(), hmacKey, { expires: NOW + 10 }), policy({ now: NOW + 22 }))).toMatchObject({ ok: false, reason: 'signature expired 12s ago; sign the request again' });
  });

  it('refuses an unknown key and an alg that is not the key\'s', () => {
    expect(verifyRequest(signed(deploy(), hmacKey), policy({ keyLookup: () => undefined }))).toMatchObject({
      ok: false,
      reason: "unknown key cli-alice; register the client's key on the server or sign with a registered one",
    });
    const lying = signed(deploy(), hmacKey);
    const headers = { ...lying.headers, 'signature-input': String(lying.headers['signature-input']).replace('alg="hmac-sha256"', 'alg="ed25519"') };
    expect(verifyRequest({ ...lying, headers }, policy())).toMatchObject({ ok: false, reason: 'signature says alg ed25519 but key cli-alice is hmac-sha256; sign with the key\'s own algorithm' });
  });

  it('refuses a signature made with another key under the same keyid', () => {
    const impostor: SignatureKey = { ...hmacKey, secret: randomBytes(32) };
    expect(verifyRequest(signed(deploy(), impostor), policy())).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match the request/) });
  });

  it('refuses a signature that leaves out required components or the body', () => {
    const narrow = signed({ ...deploy(), body: undefined }, hmacKey, { components: ['@method'] });
    expect(verifyRequest(narrow, policy())).toMatchObject({ ok: false, reason: 'signature does not cover @target-uri; sign those components too' });
    expect(verifyRequest(narrow, policy({ requiredComponents: ['@method'] })).ok).toBe(true);
    // A body added to a request that was signed without one is not covered.
    expect(verifyRequest({ ...narrow, body: new Uint8Array([1]) }, policy({ requiredComponents: ['@method'] }))).toMatchObject({
      ok: false,
      reason: 'signature does not cover content-digest; sign those components too',
    });
  });

  it('says what is wrong with missing or malformed signature headers', () => {
    const request = signed(deploy(), hmacKey);
    const without = (name: string): HttpRequest => ({ ...request, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) });
    expect(verifyRequest(deploy(), policy())).toMatchObject({ reason: 'the request is not signed: Signature-Input and Signature missing; sign it with an HTTP Message Signature (RFC 9421)' });
    expect(verifyRequest(without('signature'), policy())).toMatchObject({ reason: expect.stringMatching(/^the request is not signed: Signature missing/) });
    expect(verifyRequest({ ...request, headers: { ...request.headers, signature: 'sig1=:abc' } }, policy())).toMatchObject({ reason: expect.stringMatching(/^Signature is not an RFC 8941 dictionary/) });
    expect(verifyRequest({ ...request, headers: { ...request.headers, signature: 'other=:AAAA:' } }, policy())).toMatchObject({ reason: 'Signature has no value for label sig1, though Signature-Input lists it' });
    expect(verifyRequest(request, policy({ label: 'proxy' }))).toMatchObject({ reason: 'Signature-Input has no signature labelled proxy; it has sig1' });
    expect(verifyRequest({ ...request, headers: { ...request.headers, signature: 'sig1="AAAA"' } }, policy())).toMatchObject({ reason: 'Signature sig1 must be a byte sequence, like :base64:' });
    const noCreated = String(request.headers['signature-input']).replace(/;created=\d+/, '');
    expect(verifyRequest({ ...request, headers: { ...request.headers, 'signature-input': noCreated } }, policy())).toMatchObject({ reason: expect.stringMatching(/has no created parameter/) });
  });

  it('refuses a replayed nonce, and remembers nonces only until the signature would expire anyway', () => {
    const seen = new Map<string, number>();
    const seenNonce = (keyid: string, nonce: string, expiresAt: number): boolean => {
      const key = `${keyid} ${nonce}`;
      if (seen.has(key)) return true;
      seen.set(key, expiresAt);
      return false;
    };
    const request = signed(deploy(), edSigner, { nonce: 'once' });
    expect(verifyRequest(request, policy({ seenNonce })).ok).toBe(true);
    expect(seen.get('cli-bob once')).toBe(NOW + 300);
    expect(verifyRequest(request, policy({ seenNonce }))).toEqual({ ok: false, status: 401, reason: 'nonce once was already used: this request is a replay' });
  });

  it('does not record the nonce of a request that fails verification', () => {
    const seen: string[] = [];
    const seenNonce = (_keyid: string, nonce: string): boolean => (seen.includes(nonce) ? true : (seen.push(nonce), false));
    const tampered = { ...signed(deploy(), hmacKey, { nonce: 'n1' }), method: 'DELETE' };
    expect(verifyRequest(tampered, policy({ seenNonce })).ok).toBe(false);
    expect(seen).toEqual([]);
  });

  it('verifies RSA and ECDSA signatures too, since node:crypto has them', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (const [alg, pair] of [['rsa-pss-sha512', rsa], ['rsa-v1_5-sha256', rsa], ['ecdsa-p256-sha256', ec]] as const) {
      const request = signed(deploy(), { keyid: alg, alg, secret: pair.privateKey });
      const lookup = (): SignatureKey => ({ keyid: alg, alg, secret: pair.publicKey });
      expect(verifyRequest(request, policy({ keyLookup: lookup })), alg).toMatchObject({ ok: true, keyid: alg });
    }
  });
});
