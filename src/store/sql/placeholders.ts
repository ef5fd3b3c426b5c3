/**
 * Turns the common dialect's `?` placeholders into PostgreSQL's `$1, $2, …`.
 * A `?` inside a quoted string, a quoted identifier or a comment would be
 * ambiguous (a literal question mark, or a parameter?): refused, so such
 * SQL fails the first time it is prepared rather than binding the wrong values.
 */
export function numberedPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === '?') {
      out += `$${++n}`;
      continue;
    }
    const end = c === "'" || c === '"' ? closingQuote(sql, i, c) : c === '-' && sql[i + 1] === '-' ? lineEnd(sql, i) : c === '/' && sql[i + 1] === '*' ? blockEnd(sql, i) : i;
    const quoted = sql.slice(i, end + 1);
    if (quoted.length > 1 && quoted.includes('?')) {
      throw new Error(`SQL has a ? inside a string, a quoted name or a comment (${quoted}); write the value as a parameter instead: ${sql}`);
    }
    out += quoted;
    i = end;
  }
  return out;
}

/** The index of the quote closing the one at `start` ('' and "" are escaped quotes inside). */
function closingQuote(sql: string, start: number, quote: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] !== quote) continue;
    if (sql[i + 1] === quote) i++;
    else return i;
  }
  throw new Error(`SQL has an unclosed ${quote}: ${sql}`);
}

function lineEnd(sql: string, start: number): number {
  const end = sql.indexOf('\n', start);
  return end < 0 ? sql.length - 1 : end;
}

function blockEnd(sql: string, start: number): number {
  const end = sql.indexOf('*/', start + 2);
  if (end < 0) throw new Error(`SQL has an unclosed /* comment: ${sql}`);
  return end + 1;
}
