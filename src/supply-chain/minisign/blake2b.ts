/**
 * BLAKE2b (RFC 7693) with any output length from 1 to 64 bytes, unkeyed.
 *
 * node:crypto only offers BLAKE2b-512, and BLAKE2b-256 is not a truncated
 * BLAKE2b-512 (the length is mixed into the initial state), so minisign's
 * secret-key checksum needs this. It runs on BigInt and is slow: use it for
 * that 74-byte checksum, and node's `blake2b512` for anything large.
 */

const MASK = (1n << 64n) - 1n;

const IV = [
  0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
];

const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

const rotr = (x: bigint, n: bigint): bigint => ((x >> n) | (x << (64n - n))) & MASK;

function mix(v: bigint[], a: number, b: number, c: number, d: number, x: bigint, y: bigint): void {
  const at = (i: number): bigint => v[i] as bigint;
  v[a] = (at(a) + at(b) + x) & MASK;
  v[d] = rotr(at(d) ^ at(a), 32n);
  v[c] = (at(c) + at(d)) & MASK;
  v[b] = rotr(at(b) ^ at(c), 24n);
  v[a] = (at(a) + at(b) + y) & MASK;
  v[d] = rotr(at(d) ^ at(a), 16n);
  v[c] = (at(c) + at(d)) & MASK;
  v[b] = rotr(at(b) ^ at(c), 63n);
}

function compress(h: bigint[], block: Uint8Array, counter: bigint, last: boolean): void {
  const view = new DataView(block.buffer, block.byteOffset, 128);
  const m = Array.from({ length: 16 }, (_, i) => view.getBigUint64(i * 8, true));
  const v = [...h, ...IV];
  v[12] = (v[12] as bigint) ^ (counter & MASK);
  v[13] = (v[13] as bigint) ^ (counter >> 64n);
  if (last) v[14] = (v[14] as bigint) ^ MASK;
  for (let round = 0; round < 12; round++) {
    const s = SIGMA[round % 10] as number[];
    const word = (i: number): bigint => m[s[i] as number] as bigint;
    mix(v, 0, 4, 8, 12, word(0), word(1));
    mix(v, 1, 5, 9, 13, word(2), word(3));
    mix(v, 2, 6, 10, 14, word(4), word(5));
    mix(v, 3, 7, 11, 15, word(6), word(7));
    mix(v, 0, 5, 10, 15, word(8), word(9));
    mix(v, 1, 6, 11, 12, word(10), word(11));
    mix(v, 2, 7, 8, 13, word(12), word(13));
    mix(v, 3, 4, 9, 14, word(14), word(15));
  }
  for (let i = 0; i < 8; i++) h[i] = (h[i] as bigint) ^ (v[i] as bigint) ^ (v[i + 8] as bigint);
}

export function blake2b(data: Uint8Array, outputLength: number): Uint8Array {
  if (!Number.isInteger(outputLength) || outputLength < 1 || outputLength > 64) throw new RangeError('BLAKE2b output length must be 1 to 64 bytes');
  const h = [...IV];
  h[0] = (h[0] as bigint) ^ BigInt(0x01010000 ^ outputLength);
  // Every block but the last is compressed as it comes; the last (even an empty one) carries the final flag.
  let offset = 0;
  while (data.length - offset > 128) {
    compress(h, data.subarray(offset, offset + 128), BigInt(offset + 128), false);
    offset += 128;
  }
  const last = new Uint8Array(128);
  last.set(data.subarray(offset));
  compress(h, last, BigInt(data.length), true);
  const out = new Uint8Array(64);
  const view = new DataView(out.buffer);
  h.forEach((word, i) => view.setBigUint64(i * 8, word, true));
  return out.slice(0, outputLength);
}
