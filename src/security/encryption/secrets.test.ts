import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import { isSealedSecret, openSecret, sealSecret } from './secrets.ts';

let identity = '';
let recipient = '';

beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});

describe('sealed secrets', () => {
  it('a sealed secret is armored age text that opens to the same value', async () => {
    const sealed = await sealSecret('p@ssw0rd — ünïcode', recipient);
    expect(sealed).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/);
    expect(sealed).not.toContain('p@ssw0rd');
    expect(isSealedSecret(sealed)).toBe(true);
    expect(await openSecret(sealed, [identity])).toBe('p@ssw0rd — ünïcode');
  });

  it('sealing twice gives different text, so equal secrets cannot be spotted', async () => {
    expect(await sealSecret('same', recipient)).not.toBe(await sealSecret('same', recipient));
  });

  it('opening a plain value is refused without repeating the value', async () => {
    expect(isSealedSecret('hunter2')).toBe(false);
    const failure = await openSecret('hunter2', [identity]).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: ErrorCode.InvalidRequest });
    expect((failure as Error).message).toMatch(/^a sealed secret must be armored age text starting with -----BEGIN AGE ENCRYPTED FILE-----; seal it with `age -a -r <recipient>`$/);
    expect((failure as Error).message).not.toContain('hunter2');
  });

  it('a secret sealed to another key says this server does not hold the key', async () => {
    const sealed = await sealSecret('x', recipient);
    await expect(openSecret(sealed, [await generateX25519Identity()])).rejects.toThrow('this secret is encrypted to a key this server does not hold');
  });

  it('damaged armor is reported as damaged', async () => {
    const sealed = await sealSecret('x', recipient);
    await expect(openSecret(sealed.replace(/\n[A-Za-z0-9+/]/, '\n!'), [identity])).rejects.toThrow("the sealed secret's armor is damaged");
  });
});
