import { describe, expect, it } from 'vitest';
import { numberedPlaceholders } from './placeholders.ts';

describe('numberedPlaceholders', () => {
  it('numbers each ? in order', () => {
    expect(numberedPlaceholders('SELECT * FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?')).toBe('SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) LIMIT $4');
  });

  it("keeps quoted strings, quoted names and comments as they are, '' and \"\" included", () => {
    const sql = `SELECT 'it''s' AS "a ""b""", x -- a note\nFROM t /* c */ WHERE y = ?`;
    expect(numberedPlaceholders(sql)).toBe(sql.replace('?', '$1'));
  });

  it('refuses a ? inside a string, a quoted name or a comment', () => {
    expect(() => numberedPlaceholders("SELECT * FROM t WHERE a = 'why?' AND b = ?")).toThrow("a ? inside a string, a quoted name or a comment ('why?')");
    expect(() => numberedPlaceholders('SELECT 1 AS "what?"')).toThrow('inside a string');
    expect(() => numberedPlaceholders('SELECT 1 -- really?\n')).toThrow('inside a string');
  });

  it('refuses an unclosed quote', () => {
    expect(() => numberedPlaceholders("SELECT 'a")).toThrow("unclosed '");
  });
});
