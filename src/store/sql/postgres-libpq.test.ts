import { describe, expect, it } from 'vitest';
import { chosenLink, loadLibpq } from './postgres-libpq.ts';

describe('chosenLink (CUTOVER_POSTGRES_LINK)', () => {
  it('refuses any value but libpq or worker, whether or not the binding is installed', () => {
    for (const value of ['pg', 'LIBPQ', 'worker ', 'x'.repeat(10_000)]) expect(() => chosenLink(value)).toThrow(/must be libpq or worker, not "/);
    expect(() => chosenLink('x'.repeat(10_000))).toThrow(/not "x{40}"/);
  });

  it('takes worker when asked, libpq when asked only if its binding loads, and by default libpq when it loads', () => {
    expect(chosenLink('worker')).toBe('worker');
    const installed = loadLibpq().construct !== null;
    expect(chosenLink(undefined)).toBe(installed ? 'libpq' : 'worker');
    expect(chosenLink('')).toBe(installed ? 'libpq' : 'worker');
    if (installed) expect(chosenLink('libpq')).toBe('libpq');
    else expect(() => chosenLink('libpq')).toThrow(/CUTOVER_POSTGRES_LINK=libpq, but/);
  });
});
