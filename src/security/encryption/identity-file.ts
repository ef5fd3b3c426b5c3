import { CutoverError, ErrorCode } from '../../core/errors.ts';

/**
 * An identity file as age-keygen writes it, so `age -d -i <file>` reads ours
 * and people recognise it:
 *
 *     # created: 2026-01-02T03:04:05Z
 *     # public key: age1…
 *     AGE-SECRET-KEY-1…
 */
export function formatIdentityFile(identity: string, recipient: string, created = new Date()): string {
  const timestamp = created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `# created: ${timestamp}\n# public key: ${recipient}\n${identity}\n`;
}

/** The secret keys in an identity file; comments and blank lines are skipped, as age does. */
export function parseIdentityFile(text: string, file = 'the identity file'): string[] {
  const identities: string[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!line.startsWith('AGE-SECRET-KEY-')) {
      // Never quote the line: it may be a damaged secret key.
      throw new CutoverError(ErrorCode.Internal, `${file} line ${index + 1} is not an age secret key (AGE-SECRET-KEY-1…) nor a # comment`);
    }
    identities.push(line);
  }
  return identities;
}
