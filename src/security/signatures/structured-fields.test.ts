import { describe, expect, it } from 'vitest';
import {
  StructuredFieldError,
  innerList,
  item,
  parseDictionary,
  parseItem,
  parseList,
  serializeDictionary,
  serializeItem,
  serializeList,
  sfBoolean,
  sfBytes,
  sfInteger,
  sfString,
  sfToken,
} from './structured-fields.ts';

describe('RFC 8941 structured fields', () => {
  it('parses the RFC dictionary examples and writes them back in canonical form', () => {
    const cases: Array<[string, string]> = [
      ['en="Applepie", da=:w4ZibGV0w6ZydGUK:', 'en="Applepie", da=:w4ZibGV0w6ZydGUK:'],
      ['a=?0, b, c; foo=bar', 'a=?0, b, c;foo=bar'],
      ['rating=1.5, feelings=(joy sadness)', 'rating=1.5, feelings=(joy sadness)'],
      ['a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid', 'a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid'],
      ['  a=1 ,\tb=2  ', 'a=1, b=2'],
    ];
    for (const [input, canonical] of cases) expect(serializeDictionary(parseDictionary(input))).toBe(canonical);
  });

  it('parses the RFC list examples, including inner lists with parameters', () => {
    expect(serializeList(parseList('sugar, tea, rum'))).toBe('sugar, tea, rum');
    expect(serializeList(parseList('("foo" "bar"), ("baz"), ("bat" "one"), ()'))).toBe('("foo" "bar"), ("baz"), ("bat" "one"), ()');
    expect(serializeList(parseList('("foo"; a=1;b=2);lvl=5, ("bar" "baz");lvl=1'))).toBe('("foo";a=1;b=2);lvl=5, ("bar" "baz");lvl=1');
    // "; cde_456" is a parameter of abc (a space may follow ";"), not a second member.
    const members = parseList('abc;a=1;b=2; cde_456, (ghi;jk=4 l);q="9";r=w');
    expect(members).toHaveLength(2);
    expect(members[0]?.params.get('cde_456')).toEqual(sfBoolean(true));
    expect(members[1]?.params.get('q')).toEqual(sfString('9'));
    expect(members[1]?.params.get('r')).toEqual(sfToken('w'));
  });

  it('reads each kind of bare item', () => {
    expect(parseItem('42').value).toEqual(sfInteger(42));
    expect(parseItem('-999999999999999').value).toEqual(sfInteger(-999_999_999_999_999));
    expect(parseItem('4.5').value).toEqual({ type: 'decimal', value: 4.5 });
    expect(parseItem('"say \\"hi\\" \\\\ bye"').value).toEqual(sfString('say "hi" \\ bye'));
    expect(parseItem('foo123/456').value).toEqual(sfToken('foo123/456'));
    expect(parseItem('*star:x').value).toEqual(sfToken('*star:x'));
    expect(parseItem('?1').value).toEqual(sfBoolean(true));
    expect(parseItem(':cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:').value).toEqual(sfBytes(new TextEncoder().encode('pretend this is binary content.')));
  });

  it('writes strings with escapes, integers, byte sequences and true parameters by name alone', () => {
    const written = serializeItem(item(sfString('a "quoted" \\ thing'), new Map([['created', sfInteger(1618884473)], ['flag', sfBoolean(true)], ['off', sfBoolean(false)]])));
    expect(written).toBe('"a \\"quoted\\" \\\\ thing";created=1618884473;flag;off=?0');
    expect(serializeItem(item(sfBytes(new Uint8Array([1, 2, 3]))))).toBe(':AQID:');
    expect(serializeDictionary(new Map([['sig1', innerList([item(sfString('@method'))], new Map([['keyid', sfString('k')]]))]]))).toBe('sig1=("@method");keyid="k"');
  });

  it('refuses what RFC 8941 says must fail to parse', () => {
    const bad = [
      ['a=1,', 'trailing comma'],
      ['a=1 b=2', 'missing comma'],
      ['A=1', 'uppercase key'],
      ['a="unterminated', 'unterminated string'],
      ['a="bad \\a escape"', 'escape of a letter'],
      ['a="tab\there"', 'control character in a string'],
      ['a=1234567890123456', 'integer of 16 digits'],
      ['a=1.2345', 'decimal with 4 fractional digits'],
      ['a=1.', 'decimal without fractional digits'],
      ['a=?2', 'boolean other than ?0 and ?1'],
      ['a=:not base64!:', 'byte sequence that is not base64'],
      ['a=(1 2', 'unclosed inner list'],
      ['a=(1,2)', 'comma in an inner list'],
      ['a=@x', 'unknown item type'],
    ];
    for (const [input, what] of bad) expect(() => parseDictionary(input as string), what).toThrow(StructuredFieldError);
  });

  it('refuses to write values the format cannot hold', () => {
    expect(() => serializeItem(item(sfString('café')))).toThrow(/printable ASCII/);
    expect(() => serializeItem(item(sfInteger(1e15)))).toThrow(/15 digits/);
    expect(() => serializeItem(item(sfToken('1abc')))).toThrow(/token/);
    expect(() => serializeDictionary(new Map([['Upper', item(sfInteger(1))]]))).toThrow(/key/);
  });

  it('keeps the first position of a repeated key but takes its last value', () => {
    expect(serializeDictionary(parseDictionary('a=1, b=2, a=3'))).toBe('a=3, b=2');
  });
});
