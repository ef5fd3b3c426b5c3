import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blake2b } from './blake2b.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('blake2b', () => {
  it('gives the RFC 7693 Appendix A value for BLAKE2b-512("abc")', () => {
    expect(hex(blake2b(new TextEncoder().encode('abc'), 64))).toBe(
      'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
    );
  });

  it('gives the known BLAKE2b-256 values that libsodium\'s crypto_generichash gives', () => {
    expect(hex(blake2b(new Uint8Array(0), 32))).toBe('0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
    expect(hex(blake2b(new TextEncoder().encode('abc'), 32))).toBe('bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319');
  });

  it('agrees with node:crypto blake2b512 across block boundaries', () => {
    for (const length of [0, 1, 127, 128, 129, 255, 256, 257, 1000]) {
      const data = randomBytes(length);
      expect(hex(blake2b(data, 64)), `${length} bytes`).toBe(createHash('blake2b512').update(data).digest('hex'));
    }
  });

  it('refuses output lengths BLAKE2b does not have', () => {
    expect(() => blake2b(new Uint8Array(1), 0)).toThrow(RangeError);
    expect(() => blake2b(new Uint8Array(1), 65)).toThrow(RangeError);
  });
});
