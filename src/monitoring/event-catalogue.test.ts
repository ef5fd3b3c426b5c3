import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../core/entry.ts';
// Every type of the union (a Record there: a new event type fails to compile until it is listed).
import { DEPLOYMENT_EVENT_TYPES } from './metrics/events.ts';

/** Service notes are appended by name (`store.deployments.note(ref, 'RouterRestarted', …)`): found in the sources. */
function serviceNotes(dir = join(PROJECT_ROOT, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return serviceNotes(path);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) return [];
    return [...readFileSync(path, 'utf8').matchAll(/\.note\([^,]+,\s*'([A-Za-z]+)'/g)].map((m) => m[1]!);
  });
}

describe("the README's catalogue of the event stream", () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('- **Event types**');
  const rows = readme.slice(start, readme.indexOf('\n- **', start + 1)).split('\n').filter((line) => /^\s*\| `/.test(line));
  const documented = rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]!));

  it('documents every deployment event type and every service note, once', () => {
    const notes = [...new Set(serviceNotes())];
    expect(notes.length).toBeGreaterThanOrEqual(4);
    const types = [...Object.keys(DEPLOYMENT_EVENT_TYPES), ...notes].sort();
    expect([...documented].sort()).toEqual(types);
  });
});
