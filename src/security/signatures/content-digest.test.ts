import { describe, expect, it } from 'vitest';
import { contentDigest, verifyContentDigest } from './content-digest.ts';

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
});
