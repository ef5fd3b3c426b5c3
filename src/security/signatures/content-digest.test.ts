import { describe, expect, it } from 'vitest';
import { contentDigest, contentDigestHasher, verifyContentDigest } from './content-digest.ts';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
/** RFC 9530's examples digest this body: the JSON object followed by a line feed. */
const HELLO = encode('{"hello": "world"}\n');

describe('Content-Digest (RFC 9530)', () => {
  it('reproduces the RFC 9530 examples', () => {
    expect(contentDigest(HELLO, 'sha-256')).toBe('sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:');
    expect(contentDigest(HELLO, 'sha-512')).toBe('sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:');
    expect(contentDigest(encode(''), 'sha-256')).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
    expect(contentDigest(encode('"world"}\n'), 'sha-256')).toBe('sha-256=:jjcgBDWNAtbYUXI37CVG3gRuGOAjaaDRGpIUFsdyepQ=:');
  });

  it('reproduces the digest RFC 9421 Appendix B.2 puts on its test request', () => {
    expect(contentDigest(encode('{"hello": "world"}'), 'sha-512')).toBe(
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    );
  });

  it('accepts a header whose every supported digest matches, ignoring algorithms it does not know', () => {
    const header = `${contentDigest(HELLO, 'sha-256')}, ${contentDigest(HELLO, 'sha-512')}, md5=:AAAA:`;
    expect(verifyContentDigest(header, HELLO)).toEqual({ ok: true, algorithms: ['sha-256', 'sha-512'] });
  });

  it('says the body was changed when a digest does not match', () => {
    const result = verifyContentDigest(contentDigest(HELLO, 'sha-256'), encode('{"hello": "w0rld"}\n'));
    expect(result).toEqual({ ok: false, reason: 'Content-Digest sha-256 does not match the body: the body was changed after the digest was computed' });
  });

  it('refuses a header with one right and one wrong digest', () => {
    const wrong = contentDigest(encode('other'), 'sha-512');
    expect(verifyContentDigest(`${contentDigest(HELLO, 'sha-256')}, ${wrong}`, HELLO).ok).toBe(false);
  });

  it('refuses headers that are malformed or name no supported algorithm', () => {
    expect(verifyContentDigest('sha-256=:RK/0qy18', HELLO)).toMatchObject({ ok: false, reason: expect.stringMatching(/not a structured-field dictionary/) });
    expect(verifyContentDigest('sha-256="RK/0"', HELLO)).toMatchObject({ ok: false, reason: expect.stringMatching(/must be a byte sequence/) });
    expect(verifyContentDigest('md5=:AAAA:', HELLO)).toMatchObject({ ok: false, reason: expect.stringMatching(/no supported algorithm/) });
  });

  it('checks a body hashed as it streams, in any chunking, by the same rules as the whole body', () => {
    const header = `${contentDigest(HELLO, 'sha-256')}, ${contentDigest(HELLO, 'sha-512')}`;
    const streamed = contentDigestHasher(header);
    if (!streamed.ok) throw new Error(streamed.reason);
    for (let i = 0; i < HELLO.length; i += 5) streamed.hasher.update(HELLO.subarray(i, i + 5));
    expect(streamed.hasher.verify()).toEqual({ ok: true, algorithms: ['sha-256', 'sha-512'] });
    const changed = contentDigestHasher(header);
    if (!changed.ok) throw new Error(changed.reason);
    changed.hasher.update(encode('{"hello": "there"}\n'));
    expect(changed.hasher.verify()).toMatchObject({ ok: false, reason: expect.stringMatching(/sha-256 does not match the body/) });
    expect(contentDigestHasher('md5=:AAAA:')).toEqual({ ok: false, reason: 'Content-Digest has no supported algorithm (sha-256 or sha-512); got md5' });
    expect(contentDigestHasher('sha-256=1')).toMatchObject({ ok: false, reason: expect.stringMatching(/must be a byte sequence/) });
  });
});
