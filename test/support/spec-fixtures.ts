/** The spec fixtures in test/fixtures/specs/, for the spec loader's tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DOCUMENT_PATH_LABEL } from '../../src/spec/format.ts';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/specs/', import.meta.url));

export function validFixture(name: string): string {
  return `${FIXTURES_DIR}valid/${name}`;
}

export interface InvalidFixture {
  file: string;
  name: string;
  /** The problem path the fixture must produce; "" for the document itself. */
  expectedPath: string;
}

/** Each invalid fixture starts with `# expect: <field path>`; `(document)` means the path "". */
export function invalidFixtures(): InvalidFixture[] {
  const dir = `${FIXTURES_DIR}invalid/`;
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => {
      const firstLine = readFileSync(dir + name, 'utf8').split('\n')[0] ?? '';
      const match = /^# expect: (\S+)$/.exec(firstLine);
      if (!match?.[1]) throw new Error(`${name}: the first line must be "# expect: <field path>"`);
      return { file: dir + name, name, expectedPath: match[1] === DOCUMENT_PATH_LABEL ? '' : match[1] };
    });
}
