import { describe, expect, it } from 'vitest';
import { colourWanted, painter } from './colour.ts';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('colour', () => {
  it('colours a terminal, never a pipe or a dumb terminal', () => {
    expect(colourWanted(tty, {})).toBe(true);
    expect(colourWanted(pipe, {})).toBe(false);
    expect(colourWanted(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('honours NO_COLOR (any non-empty value) on a terminal', () => {
    expect(colourWanted(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourWanted(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('lets FORCE_COLOR turn colour on for a pipe, and FORCE_COLOR=0 turn it off on a terminal', () => {
    expect(colourWanted(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourWanted(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourWanted(tty, { FORCE_COLOR: 'false' })).toBe(false);
  });

  it('paints only when colour is wanted', () => {
    expect(painter(tty, {})('red', 'error:')).toBe('\x1b[31merror:\x1b[0m');
    expect(painter(tty, { NO_COLOR: '1' })('red', 'error:')).toBe('error:');
  });
});
