import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { integerIn, outputOption } from './options.ts';

describe('integerIn', () => {
  it('takes whole numbers in the range', () => {
    const port = integerIn(0, 65535);
    expect(port('0')).toBe(0);
    expect(port('7400')).toBe(7400);
    expect(port(' 65535 ')).toBe(65535);
  });

  it('refuses anything else with a usage error naming the range', () => {
    const port = integerIn(0, 65535);
    for (const bad of ['65536', '-1', '1.5', '1e3', '0x10', '', 'abc', '7400abc']) expect(() => port(bad), bad).toThrow(InvalidArgumentError);
    expect(() => port('65536')).toThrow('expected a whole number from 0 to 65535');
    expect(() => integerIn(1)('0')).toThrow('expected a whole number from 1');
    expect(() => integerIn(1)('99999999999999999999')).toThrow(InvalidArgumentError);
  });
});

describe('outputOption', () => {
  it('is -o, --output: text, json or yaml, text by default', () => {
    const option = outputOption();
    expect(option.flags).toBe('-o, --output <format>');
    expect(option.argChoices).toEqual(['text', 'json', 'yaml']);
    expect(option.defaultValue).toBe('text');
  });
});
