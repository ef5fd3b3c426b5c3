import { isCredentialName } from '../core/redact.ts';
import { isSealedSecret, openSecret, sealSecret, type KeyRing, type KeyUser } from '../security/encryption/index.ts';
import type { ServiceSpec } from '../spec/types.ts';
import { refOf } from '../core/types.ts';
import type { Store } from '../store/index.ts';

/** What replaces a secret value in the stored copy of the document the user sent. */
export const SEALED = '[sealed]';

/**
 * Applies `change` to every credential header value (`authorization`,
 * tokens, keys, cookies: the names views show as `***`) of every `headers`
 * map in a spec or a document: hooks, analysis providers, and each
 * environment's overrides. Returns a changed copy.
 */
export async function mapCredentialHeaders<T>(value: T, change: (text: string) => Promise<string>): Promise<T> {
  const walk = async (node: unknown, key: string): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map((item) => walk(item, '')));
    if (node === null || typeof node !== 'object') return node;
    const entries = await Promise.all(
      Object.entries(node).map(async ([name, field]): Promise<[string, unknown]> => [
        name,
        key === 'headers' && typeof field === 'string' && isCredentialName(name) ? await change(field) : await walk(field, name),
      ]),
    );
    return Object.fromEntries(entries);
  };
  return (await walk(value, '')) as T;
}

/**
 * The secret values of specs (`run.env: { NAME: { secret: ... } }`, and
 * credential headers of hooks and providers): sealed with age to the
 * server's key as soon as a spec arrives, opened only to start an instance
 * or make the call, re-sealed to the new key on rotation.
 */
export class SecretBox implements KeyUser {
  readonly encrypts = 'secret values';

  constructor(
    private readonly keys: KeyRing,
    private readonly store: Store,
  ) {}

  /** Seals a spec's secret values, and blanks them in the document kept for history (in every environment's overrides too). */
  async seal(spec: ServiceSpec, document: unknown): Promise<{ spec: ServiceSpec; document: unknown }> {
    const secrets = spec.run.secretEnv ?? {};
    const recipient = this.keys.current().recipient;
    const sealed: Record<string, string> = {};
    for (const [name, value] of Object.entries(secrets)) sealed[name] = await sealSecret(value, recipient);
    const copy = structuredClone(document) as { spec?: { run?: { env?: Record<string, unknown> }; environments?: Record<string, { run?: { env?: Record<string, unknown> } }> } };
    for (const name of Object.keys(secrets)) if (copy.spec?.run?.env?.[name]) copy.spec.run.env[name] = { secret: SEALED };
    // Only this environment's secrets are sealed for use; the others' never stay readable in the stored document.
    for (const overrides of Object.values(copy.spec?.environments ?? {})) {
      const env = overrides.run?.env ?? {};
      for (const [name, value] of Object.entries(env)) if (typeof value === 'object') env[name] = { secret: SEALED };
    }
    const sealHeader = (text: string) => (isSealedSecret(text) ? Promise.resolve(text) : sealSecret(text, recipient));
    // Credential headers stay sealed (not blanked) in the document too: promote-env builds the next stage's spec from it.
    return {
      spec: await mapCredentialHeaders(spec.run.secretEnv ? { ...spec, run: { ...spec.run, secretEnv: sealed } } : spec, sealHeader),
      document: await mapCredentialHeaders(copy, sealHeader),
    };
  }

  /** A hook's or a provider's headers as sent: sealed values opened (a value that is not sealed is sent as it is). */
  async openHeaders(headers: Record<string, string>): Promise<Record<string, string>> {
    const opened: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) opened[name] = isSealedSecret(value) ? await openSecret(value, this.keys.identities()) : value;
    return opened;
  }

  /** Seals a value again to the current key (a plain one too). */
  private async reseal(text: string): Promise<string> {
    const plain = isSealedSecret(text) ? await openSecret(text, this.keys.identities()) : text;
    return sealSecret(plain, this.keys.current().recipient);
  }

  /** Every sealed header value of the stored specs. */
  private async sealedHeaders(): Promise<string[]> {
    const found: string[] = [];
    const collect = (text: string) => {
      if (isSealedSecret(text)) found.push(text);
      return Promise.resolve(text);
    };
    for (const service of this.store.services.all()) {
      await mapCredentialHeaders(service.spec, collect);
      for (const revision of this.store.services.revisions(refOf(service))) await mapCredentialHeaders(revision.spec, collect);
    }
    return found;
  }

  /** The environment an instance starts with: plain values and the opened secrets. */
  async environment(spec: ServiceSpec): Promise<Record<string, string>> {
    const env = { ...spec.run.env };
    for (const [name, sealed] of Object.entries(spec.run.secretEnv ?? {})) env[name] = await openSecret(sealed, this.keys.identities());
    return env;
  }

  /** Re-seals every stored secret to the current key (after `encryption-key rotate`). */
  async resealAll(): Promise<number> {
    let count = 0;
    const reseal = (text: string) => this.reseal(text);
    for (const service of this.store.services.all()) {
      const ref = refOf(service);
      for (const revision of this.store.services.revisions(ref)) {
        let spec = revision.spec;
        if (spec.run.secretEnv) {
          const opened = await this.environment({ ...spec, run: { ...spec.run, env: {} } });
          const secretEnv: Record<string, string> = {};
          for (const [name, value] of Object.entries(opened)) secretEnv[name] = await sealSecret(value, this.keys.current().recipient);
          spec = { ...spec, run: { ...spec.run, secretEnv } };
        }
        spec = await mapCredentialHeaders(spec, reseal);
        this.store.services.updateRevisionSpec(ref, revision.number, spec);
        this.store.services.updateRevisionDocument(ref, revision.number, await mapCredentialHeaders(revision.document, reseal));
        count++;
      }
      // The service's current spec: what promote-env into this stage starts from.
      const current = this.store.services.get(ref)?.spec;
      if (current) this.store.services.updateSpec(ref, await mapCredentialHeaders(current, reseal));
    }
    return count;
  }

  /** Which key each sealed value needs: found by trying the keys one by one (rare: only when retiring a key). */
  async keyUsage(): Promise<Map<string, number>> {
    const usage = new Map<string, number>();
    for (const service of this.store.services.all()) {
      for (const revision of this.store.services.revisions(refOf(service))) {
        for (const sealed of Object.values(revision.spec.run.secretEnv ?? {})) await this.countKey(sealed, usage);
      }
    }
    for (const sealed of await this.sealedHeaders()) await this.countKey(sealed, usage);
    return usage;
  }

  private async countKey(sealed: string, usage: Map<string, number>): Promise<void> {
    for (const key of this.keys.all()) {
      const opens = await openSecret(sealed, [key.identity]).then(
        () => true,
        () => false,
      );
      if (opens) {
        usage.set(key.id, (usage.get(key.id) ?? 0) + 1);
        return;
      }
    }
  }
}
