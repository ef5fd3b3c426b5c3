// No imports: the CLI checks --store with it before loading anything heavy.

/** Null when `value` is a PostgreSQL URL cutover can use; else what is wrong (never repeating a password). */
export function checkStoreUrl(value: unknown): string | null {
  const expected = 'expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (leave it out for the SQLite file in the data dir)';
  if (typeof value !== 'string' || value.length > 2000) return expected;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `is not a URL: ${expected}`;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return `has the scheme ${url.protocol.replace(/:$/, '')}: ${expected}`;
  if (!url.hostname || url.pathname.length <= 1) return `names no host or no database: ${expected}`;
  return null;
}
