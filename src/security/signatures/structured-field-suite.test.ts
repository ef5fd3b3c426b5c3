/**
 * The HTTP Working Group's Structured Field test suite
 * (test/fixtures/structured-field-tests/), every case: what must fail does,
 * what parses gives the expected value, and writing it back gives the
 * canonical form.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDictionary, parseItem, parseList, serializeDictionary, serializeItem, serializeList } from './structured-fields.ts';
import type { BareItem, Member, Parameters } from './structured-fields.ts';

const SUITE_DIR = new URL('../../../test/fixtures/structured-field-tests/', import.meta.url);

interface SuiteCase {
  name: string;
  raw: string[];
  header_type: 'item' | 'list' | 'dictionary';
  expected?: unknown;
  must_fail?: boolean;
  can_fail?: boolean;
  canonical?: string[];
}

/**
 * RFC 9651 added Dates and Display Strings; RFC 9421 signs RFC 8941 fields,
 * which have neither, so our parser refuses them like any unknown item. A
 * case that expects one is skipped with this reason; cases that must (or
 * may) fail still run.
 */
const OUT_OF_SCOPE: Record<string, string> = {
  date: 'RFC 9651 Date: RFC 9421 uses RFC 8941 fields, which have no Dates',
  displaystring: 'RFC 9651 Display String: RFC 9421 uses RFC 8941 fields, which have no Display Strings',
};

/** The out-of-scope types a case's expected value holds. */
function outOfScopeTypes(expected: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      const type = (value as { __type?: unknown }).__type;
      if (typeof type === 'string' && type in OUT_OF_SCOPE) found.add(type);
    }
  };
  walk(expected);
  return [...found];
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, as the suite writes byte sequences. */
function base32(bytes: Uint8Array): string {
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += BASE32[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}

// Our values in the suite's JSON shape (its README: item = [bare, params], inner list = [[items], params]).
function bareJson(bare: BareItem): unknown {
  switch (bare.type) {
    case 'token':
      return { __type: 'token', value: bare.value };
    case 'bytes':
      return { __type: 'binary', value: base32(bare.value) };
    case 'string':
    case 'integer':
    case 'decimal':
    case 'boolean':
      return bare.value;
    default: {
      const unreachable: never = bare;
      throw new Error(`unknown bare item ${JSON.stringify(unreachable)}`);
    }
  }
}
const paramsJson = (params: Parameters): unknown => [...params].map(([key, value]) => [key, bareJson(value)]);
const memberJson = (member: Member): unknown =>
  member.kind === 'item'
    ? [bareJson(member.value), paramsJson(member.params)]
    : [member.items.map((it) => [bareJson(it.value), paramsJson(it.params)]), paramsJson(member.params)];

/** Parses a case's field lines (joined as one field value) and writes the result back. */
function parseAndSerialize(suiteCase: SuiteCase): { json: unknown; serialized: string } {
  const input = suiteCase.raw.join(', ');
  switch (suiteCase.header_type) {
    case 'item': {
      const parsed = parseItem(input);
      return { json: memberJson(parsed), serialized: serializeItem(parsed) };
    }
    case 'list': {
      const parsed = parseList(input);
      return { json: parsed.map(memberJson), serialized: serializeList(parsed) };
    }
    case 'dictionary': {
      const parsed = parseDictionary(input);
      return { json: [...parsed].map(([key, member]) => [key, memberJson(member)]), serialized: serializeDictionary(parsed) };
    }
  }
}

const files = readdirSync(SUITE_DIR).filter((name) => name.endsWith('.json')).sort();
const suite = files.map((file) => ({ file, cases: JSON.parse(readFileSync(new URL(file, SUITE_DIR), 'utf8')) as SuiteCase[] }));
const total = suite.reduce((sum, { cases }) => sum + cases.length, 0);
const isOutOfScope = (c: SuiteCase): boolean => !c.must_fail && !c.can_fail && outOfScopeTypes(c.expected).length > 0;
const skipped = suite.reduce((sum, { cases }) => sum + cases.filter(isOutOfScope).length, 0);

describe(`the HTTP WG structured field tests: ${total} cases in ${files.length} files, ${total - skipped} run, ${skipped} out of scope`, () => {
  it('reads a suite that is there', () => {
    expect(files.length).toBeGreaterThan(15);
    expect(total).toBeGreaterThan(1000);
  });

  for (const { file, cases } of suite) {
    describe(file, () => {
      for (const suiteCase of cases) {
        if (isOutOfScope(suiteCase)) {
          const reasons = outOfScopeTypes(suiteCase.expected).map((type) => OUT_OF_SCOPE[type]);
          it.skip(`${suiteCase.name} (out of scope: ${reasons.join('; ')})`, () => {});
        } else if (suiteCase.must_fail) {
          it(`${suiteCase.name} fails to parse`, () => {
            expect(() => parseAndSerialize(suiteCase)).toThrow();
          });
        } else {
          it(`${suiteCase.name}${suiteCase.can_fail ? ' (may fail)' : ''}`, () => {
            let result: ReturnType<typeof parseAndSerialize>;
            try {
              result = parseAndSerialize(suiteCase);
            } catch (error) {
              if (suiteCase.can_fail) return;
              throw error;
            }
            expect(result.json).toEqual(suiteCase.expected);
            expect(result.serialized).toBe((suiteCase.canonical ?? suiteCase.raw).join(', '));
          });
        }
      }
    });
  }
});
