import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('writes the same text for the same data whatever order it was built in', () => {
    expect(canonicalJson({ seq: 1, actor: 'alice' })).toBe(canonicalJson({ actor: 'alice', seq: 1 }));
  });

  it('leaves out undefined fields, as JSON.stringify does, so an entry read back from the database hashes the same', () => {
    expect(canonicalJson({ a: 1, status: undefined })).toBe('{"a":1}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
  });

  it('escapes strings and keys as JSON does', () => {
    expect(canonicalJson({ 'k"ey': 'line\nbreak é' })).toBe('{"k\\"ey":"line\\nbreak é"}');
  });
});
