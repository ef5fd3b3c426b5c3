import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, open, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { formatIdentityFile, parseIdentityFile } from './identity-file.ts';

/** One age key pair of the ring. `identity` is secret; `recipient` is public. */
export interface AgeKey {
  id: string;
  identity: string;
  recipient: string;
}

/** Something that keeps data encrypted under the ring's keys, e.g. the artifact store. */
export interface KeyUser {
  /** What it keeps, for messages: "artifacts". */
  readonly encrypts: string;
  /** How many of its items each key id encrypts. */
  keyUsage(): Promise<Map<string, number>>;
}

const IDENTITY_FILE = /^identity-([1-9]\d*)\.age-key$/;
const CURRENT_FILE = 'current';

/**
 * The server's age keys, in `<data-dir>/keys/` (mode 0700):
 * `identity-<n>.age-key` (age-keygen format, mode 0600) and `current` (the id
 * new data is encrypted to). Old keys stay until retired, so data encrypted
 * under them stays readable until it is re-encrypted.
 */
export class KeyRing {
  private keys: AgeKey[];
  private currentId: string;
  /** Rotations and retirements one at a time, so two never pick the same id. */
  private changes: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    keys: AgeKey[],
    currentId: string,
    /** The one key of a `--key-file` (a systemd credential, say): read-only, so never rotated or retired here. */
    private readonly file?: string,
  ) {
    this.keys = keys;
    this.currentId = currentId;
  }

  /**
   * A ring of the one age identity in `file` (age-keygen format), which
   * the server only reads: the key can live outside the data dir, on a
   * read-only credential (systemd's LoadCredential puts it in
   * `$CREDENTIALS_DIRECTORY`). Rotation is refused: replace the file
   * with a ring (`--key-dir`) to rotate.
   */
  static async fromFile(file: string): Promise<KeyRing> {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CutoverError(ErrorCode.InvalidConfig, `cannot read the age key file ${file} (${error.code ?? error.message}); make one with \`age-keygen -o ${file}\``, { cause: error });
    });
    const identities = parseIdentityFile(text, file);
    if (identities.length !== 1) throw new CutoverError(ErrorCode.InvalidConfig, `${file} must hold exactly one age secret key, it holds ${identities.length}`);
    const recipient = await identityToRecipient(identities[0]!).catch((error: unknown) => {
      throw new CutoverError(ErrorCode.InvalidConfig, `${file} holds a damaged age secret key`, { cause: error });
    });
    return new KeyRing(file, [{ id: '1', identity: identities[0]!, recipient }], '1', file);
  }

  /** Opens the ring, creating the directory and its first key on first use. */
  static async open(dir: string): Promise<KeyRing> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    let keys = await readKeys(dir);
    const recorded = (await readFile(join(dir, CURRENT_FILE), 'utf8').catch(() => '')).trim();
    if (keys.length === 0 && recorded) {
      // Never paper over lost keys with a fresh one: what was encrypted to them would silently become unreadable.
      throw new CutoverError(ErrorCode.Internal, `every key file is missing from ${dir} (current names key ${recorded}); restore them from a backup`);
    }
    if (keys.length === 0) {
      await createKey(dir, '1').catch((error: unknown) => {
        // Another process opening the ring at the same moment made it first.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      });
      keys = await readKeys(dir);
    }
    // No `current` yet (first use, or a crash before it was written): the newest key.
    const currentId = recorded || newest(keys).id;
    if (!keys.some((key) => key.id === currentId)) {
      throw new CutoverError(
        ErrorCode.Internal,
        `${join(dir, CURRENT_FILE)} names key ${currentId}, but ${join(dir, `identity-${currentId}.age-key`)} is missing; restore it from a backup, or write one of ${ids(keys)} into ${CURRENT_FILE}`,
      );
    }
    if (!recorded) await writeCurrent(dir, currentId);
    return new KeyRing(dir, keys, currentId);
  }

  /** The key new data is encrypted to. */
  current(): AgeKey {
    return this.keys.find((key) => key.id === this.currentId)!;
  }

  /** Every key held, the current one first (the likeliest to match), then newest to oldest. */
  all(): AgeKey[] {
    return [this.current(), ...this.keys.filter((key) => key.id !== this.currentId).sort((a, b) => Number(b.id) - Number(a.id))];
  }

  /** Every secret key, in the order of `all()`, for `decrypt`. */
  identities(): string[] {
    return this.all().map((key) => key.identity);
  }

  /** Makes a new key and encrypts new data to it; the old ones stay until retired. */
  async rotate(): Promise<AgeKey> {
    this.refuseChangesToFile('rotate');
    return await this.serially(async () => {
      let key: AgeKey | undefined;
      for (let n = Math.max(...this.keys.map((k) => Number(k.id))) + 1; !key; n++) {
        key = await createKey(this.dir, String(n)).catch((error: unknown) => {
          // Another process rotated at the same moment: take the next number.
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
          throw error;
        });
      }
      await writeCurrent(this.dir, key.id);
      this.keys = [...this.keys, key];
      this.currentId = key.id;
      return key;
    });
  }

  /**
   * Deletes an old key for good. Refuses the current key, and any key one of
   * `users` still encrypts something with (re-encrypt first).
   */
  async retire(id: string, users: readonly KeyUser[] = []): Promise<void> {
    this.refuseChangesToFile('retire');
    await this.serially(async () => {
      if (!this.keys.some((key) => key.id === id)) {
        throw new CutoverError(ErrorCode.NotFound, `there is no key ${id} in ${this.dir}; the keys are ${ids(this.keys)}`, { context: { key: id } });
      }
      if (id === this.currentId) {
        throw new CutoverError(ErrorCode.Conflict, `key ${id} is the current key; rotate to a new key first (\`cutover encryption-key rotate\`), then retire this one`, {
          context: { key: id },
        });
      }
      for (const user of users) {
        const count = (await user.keyUsage()).get(id) ?? 0;
        if (count > 0) {
          throw new CutoverError(
            ErrorCode.Conflict,
            `key ${id} still encrypts ${count} ${user.encrypts}; re-encrypt them to the current key (\`cutover encryption-key rotate\`), then retire it`,
            { context: { key: id, [user.encrypts]: count } },
          );
        }
      }
      await unlink(join(this.dir, `identity-${id}.age-key`));
      await syncDirectory(this.dir);
      this.keys = this.keys.filter((key) => key.id !== id);
    });
  }

  private refuseChangesToFile(what: string): void {
    if (this.file) {
      throw new CutoverError(ErrorCode.Conflict, `the server's age key is the read-only file ${this.file} (--key-file); cannot ${what} it: start the server with --key-dir DIR (a ring it can write) to rotate keys`);
    }
  }

  private async serially<T>(change: () => Promise<T>): Promise<T> {
    const result = this.changes.then(change);
    this.changes = result.catch(() => undefined);
    return await result;
  }
}

async function readKeys(dir: string): Promise<AgeKey[]> {
  const keys: AgeKey[] = [];
  for (const name of await readdir(dir)) {
    const id = IDENTITY_FILE.exec(name)?.[1];
    if (id === undefined) continue;
    const file = join(dir, name);
    await chmod(file, 0o600);
    const identities = parseIdentityFile(await readFile(file, 'utf8'), file);
    if (identities.length !== 1) {
      throw new CutoverError(ErrorCode.Internal, `${file} must hold exactly one age secret key, it holds ${identities.length}; restore it from a backup`);
    }
    const identity = identities[0]!;
    const recipient = await identityToRecipient(identity).catch((error: unknown) => {
      throw new CutoverError(ErrorCode.Internal, `${file} holds a damaged age secret key; restore it from a backup`, { cause: error });
    });
    keys.push({ id, identity, recipient });
  }
  return keys;
}

/** Writes `identity-<id>.age-key` complete or not at all, and never over an existing key (EEXIST). */
async function createKey(dir: string, id: string): Promise<AgeKey> {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const temp = join(dir, `.identity-${randomUUID()}.tmp`);
  await writeFile(temp, formatIdentityFile(identity, recipient), { mode: 0o600, flush: true });
  try {
    // link, unlike rename, fails when the target exists: a key is never overwritten.
    await link(temp, join(dir, `identity-${id}.age-key`));
  } finally {
    await rm(temp, { force: true });
  }
  // A lost key loses everything encrypted to it: make its name durable too.
  await syncDirectory(dir);
  return { id, identity, recipient };
}

async function writeCurrent(dir: string, id: string): Promise<void> {
  const temp = join(dir, `.current-${randomUUID()}.tmp`);
  await writeFile(temp, `${id}\n`, { mode: 0o600, flush: true });
  await rename(temp, join(dir, CURRENT_FILE));
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function newest(keys: AgeKey[]): AgeKey {
  return keys.reduce((a, b) => (Number(b.id) > Number(a.id) ? b : a));
}

function ids(keys: AgeKey[]): string {
  return keys.map((key) => key.id).sort((a, b) => Number(a) - Number(b)).join(', ') || '(none)';
}
