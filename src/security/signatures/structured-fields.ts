/**
 * Structured Field Values for HTTP (RFC 8941): the parts HTTP Message
 * Signatures and Content-Digest need — Dictionaries, Lists, Inner Lists and
 * Items with Parameters. Parsing follows §4.2 step by step, so anything the
 * RFC says must fail does fail: a signature header that only "mostly" parses
 * is one an attacker can shape. The HTTP Working Group's test suite runs
 * against it (structured-field-suite.test.ts). RFC 9651's Dates and Display
 * Strings are not RFC 8941 items and are refused.
 */

export type BareItem =
  | { type: 'string'; value: string }
  | { type: 'token'; value: string }
  | { type: 'integer'; value: number }
  | { type: 'decimal'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'bytes'; value: Uint8Array };

/** Parameters keep their order; a repeated key overwrites in place (§4.2.3.2). */
export type Parameters = Map<string, BareItem>;
export interface Item {
  kind: 'item';
  value: BareItem;
  params: Parameters;
}
export interface InnerList {
  kind: 'inner-list';
  items: Item[];
  params: Parameters;
}
export type Member = Item | InnerList;
export type Dictionary = Map<string, Member>;
export type List = Member[];

export class StructuredFieldError extends Error {
  override readonly name = 'StructuredFieldError';
}

export const sfString = (value: string): BareItem => ({ type: 'string', value });
export const sfToken = (value: string): BareItem => ({ type: 'token', value });
export const sfInteger = (value: number): BareItem => ({ type: 'integer', value });
export const sfBoolean = (value: boolean): BareItem => ({ type: 'boolean', value });
export const sfBytes = (value: Uint8Array): BareItem => ({ type: 'bytes', value });
export const item = (value: BareItem, params: Parameters = new Map()): Item => ({ kind: 'item', value, params });
export const innerList = (items: Item[], params: Parameters = new Map()): InnerList => ({ kind: 'inner-list', items, params });

const MAX_INTEGER = 999_999_999_999_999;
const KEY = /^[a-z*][a-z0-9_\-.*]*$/;
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A cursor over one field value; each method is one parsing algorithm of §4.2. */
class Parser {
  private pos = 0;
  constructor(private readonly input: string) {}

  fail(what: string): never {
    throw new StructuredFieldError(`${what} at character ${this.pos} of ${JSON.stringify(this.input)}`);
  }
  private peek(): string {
    return this.input[this.pos] ?? '';
  }
  done(): boolean {
    return this.pos >= this.input.length;
  }
  skipSpaces(): void {
    while (this.peek() === ' ') this.pos++;
  }
  private skipOws(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  dictionary(): Dictionary {
    const dict: Dictionary = new Map();
    while (!this.done()) {
      const key = this.key();
      if (this.peek() === '=') {
        this.pos++;
        dict.set(key, this.itemOrInnerList());
      } else {
        dict.set(key, item(sfBoolean(true), this.parameters()));
      }
      if (this.afterMember()) break;
    }
    return dict;
  }

  list(): List {
    const members: List = [];
    while (!this.done()) {
      members.push(this.itemOrInnerList());
      if (this.afterMember()) break;
    }
    return members;
  }

  /** Between members: optional whitespace, then a comma that must be followed by another member. */
  private afterMember(): boolean {
    this.skipOws();
    if (this.done()) return true;
    if (this.peek() !== ',') this.fail('expected "," between members');
    this.pos++;
    this.skipOws();
    if (this.done()) this.fail('trailing ","');
    return false;
  }

  itemOrInnerList(): Member {
    return this.peek() === '(' ? this.innerList() : this.item();
  }

  private innerList(): InnerList {
    this.pos++; // '('
    const items: Item[] = [];
    while (!this.done()) {
      this.skipSpaces();
      if (this.peek() === ')') {
        this.pos++;
        return innerList(items, this.parameters());
      }
      items.push(this.item());
      if (this.peek() !== ' ' && this.peek() !== ')') this.fail('expected " " or ")" in inner list');
    }
    return this.fail('inner list is not closed with ")"');
  }

  item(): Item {
    const value = this.bareItem();
    return item(value, this.parameters());
  }

  private parameters(): Parameters {
    const params: Parameters = new Map();
    while (this.peek() === ';') {
      this.pos++;
      this.skipSpaces();
      const key = this.key();
      let value: BareItem = sfBoolean(true);
      if (this.peek() === '=') {
        this.pos++;
        value = this.bareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  private key(): string {
    const start = this.pos;
    if (!/[a-z*]/.test(this.peek())) this.fail('expected a key (lowercase letter or "*")');
    while (/[a-z0-9_\-.*]/.test(this.peek())) this.pos++;
    return this.input.slice(start, this.pos);
  }

  private bareItem(): BareItem {
    const c = this.peek();
    if (c === '-' || /[0-9]/.test(c)) return this.number();
    if (c === '"') return this.string();
    if (c === '*' || /[A-Za-z]/.test(c)) return this.token();
    if (c === ':') return this.bytes();
    if (c === '?') return this.boolean();
    return this.fail('expected an item');
  }

  private number(): BareItem {
    const negative = this.peek() === '-';
    if (negative) this.pos++;
    if (!/[0-9]/.test(this.peek())) this.fail('expected a digit');
    let digits = '';
    let decimal = false;
    while (/[0-9.]/.test(this.peek())) {
      if (this.peek() === '.') {
        if (decimal || digits.length > 12) this.fail('malformed decimal');
        decimal = true;
      }
      digits += this.input[this.pos++];
      if (!decimal && digits.length > 15) this.fail('integer has more than 15 digits');
      if (decimal && digits.length > 16) this.fail('decimal is too long');
    }
    // `-0` is the number 0, not JavaScript's negative zero.
    const value = negative ? 0 - Number(digits) : Number(digits);
    if (!decimal) return sfInteger(value);
    if (digits.endsWith('.') || digits.length - digits.indexOf('.') - 1 > 3) this.fail('decimal needs 1 to 3 fractional digits');
    return { type: 'decimal', value };
  }

  private string(): BareItem {
    this.pos++; // '"'
    let out = '';
    while (!this.done()) {
      const c = this.input[this.pos++] as string;
      if (c === '\\') {
        const next = this.input[this.pos++];
        if (next !== '"' && next !== '\\') this.fail('only \\" and \\\\ may be escaped in a string');
        out += next;
      } else if (c === '"') {
        return sfString(out);
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail('strings may only hold printable ASCII');
        out += c;
      }
    }
    return this.fail('string is not closed with \'"\'');
  }

  private token(): BareItem {
    const start = this.pos;
    this.pos++;
    while (TOKEN_CHAR.test(this.peek())) this.pos++;
    return sfToken(this.input.slice(start, this.pos));
  }

  private bytes(): BareItem {
    this.pos++; // ':'
    const end = this.input.indexOf(':', this.pos);
    if (end < 0) this.fail('byte sequence is not closed with ":"');
    const text = this.input.slice(this.pos, end);
    // Padding may be absent (§4.2.7), but what is there must be base64.
    if (!BASE64.test(text) || text.length % 4 === 1 || (text.includes('=') && text.length % 4 !== 0)) this.fail('byte sequence is not base64');
    this.pos = end + 1;
    return sfBytes(new Uint8Array(Buffer.from(text, 'base64')));
  }

  private boolean(): BareItem {
    this.pos++; // '?'
    const c = this.input[this.pos++];
    if (c === '1') return sfBoolean(true);
    if (c === '0') return sfBoolean(false);
    return this.fail('boolean must be ?0 or ?1');
  }
}

function parseWhole<T>(input: string, parse: (p: Parser) => T): T {
  const parser = new Parser(input);
  parser.skipSpaces();
  const value = parse(parser);
  parser.skipSpaces();
  if (!parser.done()) parser.fail('unexpected characters after the value');
  return value;
}

export const parseDictionary = (input: string): Dictionary => parseWhole(input, (p) => p.dictionary());
export const parseList = (input: string): List => parseWhole(input, (p) => p.list());
export const parseItem = (input: string): Item => parseWhole(input, (p) => p.item());

// ---- serialization (§4.1) ----

export function serializeBareItem(bare: BareItem): string {
  switch (bare.type) {
    case 'integer':
      if (!Number.isInteger(bare.value) || Math.abs(bare.value) > MAX_INTEGER) {
        throw new StructuredFieldError(`${bare.value} is not an integer of at most 15 digits`);
      }
      return String(bare.value);
    case 'decimal': {
      const rounded = Math.round(bare.value * 1000) / 1000;
      if (Math.abs(Math.trunc(rounded)) >= 1e12) throw new StructuredFieldError(`${bare.value} has more than 12 integer digits`);
      return Number.isInteger(rounded) ? `${rounded}.0` : String(rounded);
    }
    case 'string':
      if (!/^[\x20-\x7e]*$/.test(bare.value)) throw new StructuredFieldError(`string ${JSON.stringify(bare.value)} holds characters other than printable ASCII`);
      return `"${bare.value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    case 'token':
      if (!TOKEN.test(bare.value)) throw new StructuredFieldError(`${JSON.stringify(bare.value)} is not a valid token`);
      return bare.value;
    case 'boolean':
      return bare.value ? '?1' : '?0';
    case 'bytes':
      return `:${Buffer.from(bare.value).toString('base64')}:`;
    default: {
      const unreachable: never = bare;
      throw new StructuredFieldError(`unknown item ${JSON.stringify(unreachable)}`);
    }
  }
}

function serializeKey(key: string): string {
  if (!KEY.test(key)) throw new StructuredFieldError(`${JSON.stringify(key)} is not a valid key`);
  return key;
}

export function serializeParameters(params: Parameters): string {
  let out = '';
  for (const [key, value] of params) {
    out += `;${serializeKey(key)}`;
    if (!(value.type === 'boolean' && value.value)) out += `=${serializeBareItem(value)}`;
  }
  return out;
}

export const serializeItem = (it: Item): string => serializeBareItem(it.value) + serializeParameters(it.params);

export const serializeInnerList = (list: InnerList): string =>
  `(${list.items.map(serializeItem).join(' ')})${serializeParameters(list.params)}`;

const serializeMember = (member: Member): string => (member.kind === 'item' ? serializeItem(member) : serializeInnerList(member));

export const serializeList = (list: List): string => list.map(serializeMember).join(', ');

export function serializeDictionary(dict: Dictionary): string {
  const parts: string[] = [];
  for (const [key, member] of dict) {
    // A member that is Boolean true is written as its key alone (§4.1.2).
    if (member.kind === 'item' && member.value.type === 'boolean' && member.value.value) {
      parts.push(serializeKey(key) + serializeParameters(member.params));
    } else {
      parts.push(`${serializeKey(key)}=${serializeMember(member)}`);
    }
  }
  return parts.join(', ');
}
