import { describe, expect, it } from 'vitest';
import { componentId, componentValue, describeComponent } from './components.ts';
import type { HttpRequest } from './types.ts';

const request = (url: string, method = 'POST', headers: HttpRequest['headers'] = {}): HttpRequest => ({ method, url, headers });
const value = (message: HttpRequest, name: string): string => componentValue(message, componentId(name));

describe('signature base component values (RFC 9421 §2.1, §2.2)', () => {
  it('gives the derived components of the RFC §2.2 example request', () => {
    const message = request('https://www.example.com/path?param=value');
    expect(value(message, '@method')).toBe('POST');
    expect(value(message, '@target-uri')).toBe('https://www.example.com/path?param=value');
    expect(value(message, '@authority')).toBe('www.example.com');
    expect(value(message, '@scheme')).toBe('https');
    expect(value(message, '@request-target')).toBe('/path?param=value');
    expect(value(message, '@path')).toBe('/path');
    expect(value(message, '@query')).toBe('?param=value');
  });

  it('normalises as §2.2 asks: lowercase host, no default port, "/" for an empty path, "?" for no query', () => {
    const message = request('HTTPS://WWW.Example.COM:443');
    expect(value(message, '@authority')).toBe('www.example.com');
    expect(value(message, '@scheme')).toBe('https');
    expect(value(message, '@path')).toBe('/');
    expect(value(message, '@query')).toBe('?');
    expect(value(request('http://example.com:8080/x'), '@authority')).toBe('example.com:8080');
  });

  it('keeps the method as sent, because methods are case-sensitive', () => {
    expect(value(request('https://example.com/', 'get'), '@method')).toBe('get');
  });

  it('gives @query-param values decoded and re-encoded as in the RFC §2.2.8 examples', () => {
    const plain = request('https://www.example.com/path?param=value&foo=bar&baz=batman&qux=', 'GET');
    expect(value(plain, '"@query-param";name="baz"')).toBe('batman');
    expect(value(plain, '"@query-param";name="qux"')).toBe('');
    expect(value(plain, '"@query-param";name="param"')).toBe('value');
    const encoded = request(
      'https://www.example.com/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something',
      'GET',
    );
    expect(value(encoded, '"@query-param";name="var"')).toBe('this%20is%20a%20big%0Amultiline%20value');
    expect(value(encoded, '"@query-param";name="bar"')).toBe('with%20plus%20whitespace');
    expect(value(encoded, '"@query-param";name="fa%C3%A7ade%22%3A%20"')).toBe('something');
  });

  it('refuses a @query-param that is absent or repeated', () => {
    expect(() => value(request('https://e.com/?a=1'), '"@query-param";name="b"')).toThrow('query parameter b is missing from the request');
    expect(() => value(request('https://e.com/?a=1&a=2'), '"@query-param";name="a"')).toThrow(/appears 2 times/);
    expect(() => value(request('https://e.com/?a=1'), '@query-param')).toThrow(/needs a name parameter/);
  });

  it('gives HTTP field values as in the RFC §2.1 example: trimmed, unfolded, repeated lines joined', () => {
    const message = request('https://www.example.com/', 'GET', {
      Host: 'www.example.com',
      'X-OWS-Header': '   Leading and trailing whitespace.   ',
      'X-Obs-Fold-Header': 'Obsolete\r\n    line folding.',
      'Cache-Control': ['max-age=60', '   must-revalidate'],
      'Example-Dict': ' a=1,    b=2;x=1;y=2,   c=(a   b   c)',
      'X-Empty-Header': '',
    });
    expect(value(message, 'host')).toBe('www.example.com');
    expect(value(message, 'x-ows-header')).toBe('Leading and trailing whitespace.');
    expect(value(message, 'x-obs-fold-header')).toBe('Obsolete line folding.');
    expect(value(message, 'cache-control')).toBe('max-age=60, must-revalidate');
    expect(value(message, 'example-dict')).toBe('a=1,    b=2;x=1;y=2,   c=(a   b   c)');
    expect(value(message, 'x-empty-header')).toBe('');
  });

  it('combines header lines that differ only in the case of their name', () => {
    expect(value(request('https://e.com/', 'GET', { 'X-A': 'one', 'x-a': 'two' }), 'x-a')).toBe('one, two');
  });

  it('refuses components it cannot give, with a message that names them', () => {
    const message = request('https://e.com/');
    expect(() => value(message, 'x-missing')).toThrow('covered header x-missing is missing from the message');
    expect(() => value(message, 'Content-Type')).toThrow('component names must be lowercase: write "content-type", not "Content-Type"');
    expect(() => value(message, '@nonsense')).toThrow('unknown derived component @nonsense');
    expect(() => value(message, '@status')).toThrow('@status can only be covered in a response');
    expect(() => value(message, '@signature-params')).toThrow(/cannot be a covered component/);
    expect(() => value(message, '"content-type";sf')).toThrow(/;sf .* is not supported/);
    expect(() => value(request('/relative'), '@path')).toThrow(/is not absolute/);
  });

  it('describes components in the form people write them', () => {
    expect(describeComponent(componentId('@method'))).toBe('@method');
    expect(describeComponent(componentId('"@query-param";name="Pet"'))).toBe('"@query-param";name="Pet"');
  });
});
