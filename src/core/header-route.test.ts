import { describe, expect, it } from 'vitest';
import { compileHeaderRoute, exactValueProblem, headerNameProblem, regexProblem } from './header-route.ts';

describe('header routes', () => {
  it('accept lower-case header names and refuse the ones the router sets or reads', () => {
    expect(headerNameProblem('x-beta')).toBeNull();
    expect(headerNameProblem('X-Beta')).toMatch(/lower case/);
    expect(headerNameProblem('host')).toMatch(/cannot be host/);
    expect(headerNameProblem('x-cutover-revision')).toMatch(/cannot be/);
  });

  it('accept printable exact values without a single quote', () => {
    expect(exactValueProblem('yes please')).toBeNull();
    expect(exactValueProblem("it's")).toMatch(/single quote/);
    expect(exactValueProblem('')).toMatch(/1 to 256/);
  });

  it('accept bounded regexes and refuse the shapes whose matching time explodes', () => {
    for (const pattern of ['beta|canary', 'user-[0-9]+', '(?:alpha|beta)-[a-z]{2,8}', '(ab)+', '([a-z]+)?x', '[(+*]+']) expect(regexProblem(pattern), pattern).toBeNull();
    expect(regexProblem('(a+)+$')).toMatch(/repeat a group/);
    expect(regexProblem('(a|aa)*')).toMatch(/repeat a group/);
    expect(regexProblem('((ab)*c)+')).toMatch(/repeat a group/);
    expect(regexProblem('(a)\\1')).toMatch(/backreferences/);
    expect(regexProblem('(?=a)b')).toMatch(/lookarounds/);
    expect(regexProblem('a'.repeat(129))).toMatch(/1 to 128/);
    expect(regexProblem('(')).toMatch(/not a valid regular expression/);
  });

  it('match the whole value, any of a repeated header, and never a value longer than 1024 characters', () => {
    const regex = compileHeaderRoute({ header: 'x-beta', regex: 'yes|true', revision: 2 });
    expect(regex('yes')).toBe(true);
    expect(regex('yesterday')).toBe(false);
    expect(regex(['no', 'true'])).toBe(true);
    expect(regex(undefined)).toBe(false);
    const exact = compileHeaderRoute({ header: 'x-beta', exact: 'a'.repeat(2000), revision: 2 });
    expect(exact('a'.repeat(2000))).toBe(false);
    expect(compileHeaderRoute({ header: 'x-beta', exact: 'on', revision: 2 })('on')).toBe(true);
  });
});
