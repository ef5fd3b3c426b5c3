import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { item, parseItem, serializeItem, sfString } from './structured-fields.ts';
import type { Item } from './structured-fields.ts';
import type { HttpHeaders, HttpMessage, HttpRequest } from './types.ts';

/**
 * Component values for the signature base (RFC 9421 §2.1 and §2.2). A
 * component is identified by an RFC 8941 string with parameters, exactly as it
 * appears in Signature-Input: `"@method"`, `"content-type"`,
 * `"@query-param";name="Pet"`.
 */
export type ComponentId = Item;

const REQUEST_DERIVED = new Set(['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query', '@query-param']);

function invalid(message: string): CutoverError {
  return new CutoverError(ErrorCode.InvalidRequest, message);
}

/**
 * Reads a component as people write it in options: a bare name
 * (`@method`, `content-digest`) or, when it has parameters, the structured
 * form (`"@query-param";name="Pet"`).
 */
export function componentId(text: string): ComponentId {
  if (text.startsWith('"')) {
    try {
      return parseItem(text);
    } catch (error) {
      throw new CutoverError(ErrorCode.InvalidRequest, `component ${text} is not a structured-field string with parameters, like "@query-param";name="id"`, { cause: error });
    }
  }
  return item(sfString(text));
}

/** The inverse of `componentId`: the bare name when there are no parameters. */
export function describeComponent(id: ComponentId): string {
  return id.params.size === 0 && id.value.type === 'string' ? id.value.value : serializeItem(id);
}

/** The value of one covered component in a message; throws when the message cannot provide it. */
export function componentValue(message: HttpMessage, id: ComponentId): string {
  if (id.value.type !== 'string') throw invalid(`covered components must be strings, got ${serializeItem(id)}`);
  const name = id.value.value;
  if (name !== name.toLowerCase()) throw invalid(`component names must be lowercase: write "${name.toLowerCase()}", not "${name}"`);
  if (name === '@signature-params') throw invalid('@signature-params cannot be a covered component');
  if (name === '@status') {
    if (!('status' in message)) throw invalid('@status can only be covered in a response');
    rejectParams(id, []);
    return String(message.status);
  }
  if (name.startsWith('@')) {
    if (!REQUEST_DERIVED.has(name)) throw invalid(`unknown derived component ${name}`);
    if (!('method' in message)) throw invalid(`${name} can only be covered in a request`);
    return requestValue(message, name, id);
  }
  rejectParams(id, []);
  return fieldValue(message.headers, name);
}

function rejectParams(id: ComponentId, allowed: string[]): void {
  for (const key of id.params.keys()) {
    if (!allowed.includes(key)) throw invalid(`component parameter ;${key} on ${serializeItem(id)} is not supported`);
  }
}

/**
 * An HTTP field's value for the base (§2.1): each line trimmed, obsolete line
 * folding replaced by a space, repeated lines joined with ", ". Undefined when
 * the field is absent.
 */
export function headerValue(headers: HttpHeaders, name: string): string | undefined {
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    for (const line of typeof value === 'string' ? [value] : value) values.push(line.replace(/\r?\n[ \t]+/g, ' ').trim());
  }
  return values.length === 0 ? undefined : values.join(', ');
}

function fieldValue(headers: HttpHeaders, name: string): string {
  const value = headerValue(headers, name);
  if (value === undefined) throw invalid(`covered header ${name} is missing from the message`);
  return value;
}

function targetUrl(request: HttpRequest): URL {
  try {
    return new URL(request.url);
  } catch {
    throw invalid(`request url ${JSON.stringify(request.url)} is not absolute; derived components need scheme://host/path`);
  }
}

function requestValue(request: HttpRequest, name: string, id: ComponentId): string {
  rejectParams(id, name === '@query-param' ? ['name'] : []);
  if (name === '@method') return request.method; // case-sensitive, never normalised (§2.2.1)
  // WHATWG URL normalisation (lowercase scheme and host, default port
  // dropped, empty path as "/") is what §2.2 asks of these values, and both
  // the signer and the verifier go through it.
  const url = targetUrl(request);
  switch (name) {
    case '@target-uri':
      return url.href.replace(/#.*$/, '');
    case '@authority':
      return url.host;
    case '@scheme':
      return url.protocol.slice(0, -1);
    case '@request-target':
      return url.pathname + url.search;
    case '@path':
      return url.pathname;
    case '@query':
      return `?${url.search.slice(1)}`; // an absent query is "?" alone (§2.2.7)
    default:
      return queryParam(url, id);
  }
}

/**
 * `@query-param` (§2.2.8): names and values are decoded as
 * application/x-www-form-urlencoded and encoded again with spaces as %20, so
 * `a+b` and `a%20b` sign the same.
 */
function queryParam(url: URL, id: ComponentId): string {
  const wanted = id.params.get('name');
  if (wanted?.type !== 'string') throw invalid('@query-param needs a name parameter, like "@query-param";name="id"');
  const values: string[] = [];
  for (const [key, value] of new URLSearchParams(url.search)) {
    if (formEncode(key) === wanted.value) values.push(formEncode(value));
  }
  if (values.length === 0) throw invalid(`query parameter ${wanted.value} is missing from the request`);
  // One base line per occurrence would be legal, but cutover refuses the ambiguity instead.
  if (values.length > 1) throw invalid(`query parameter ${wanted.value} appears ${values.length} times; cover @query instead`);
  return values[0] as string;
}

function formEncode(text: string): string {
  return new URLSearchParams([['', text]]).toString().slice(1).replace(/\+/g, '%20');
}
