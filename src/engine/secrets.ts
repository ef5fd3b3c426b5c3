import { openSecret, sealSecret, type KeyRing, type KeyUser } from '../security/encryption/index.ts';
import type { ServiceSpec } from '../spec/types.ts';
import { refOf } from '../core/types.ts';
import type { Store } from '../store/index.ts';

/** What replaces a secret value in the stored copy of the document the user sent. */
export const SEALED = '[sealed]';

/**
 * The secret values of specs (`run.env: { NAME: { secret: ... } }`): sealed
 * with age to the server's key as soon as a spec arrives, opened only to
 * start an instance, re-sealed to the new key on rotation.
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
    return { spec: spec.run.secretEnv ? { ...spec, run: { ...spec.run, secretEnv: sealed } } : spec, document: copy };
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
    for (const service of this.store.services.all()) {
      for (const revision of this.store.services.revisions(refOf(service))) {
        if (!revision.spec.run.secretEnv) continue;
        const opened = await this.environment({ ...revision.spec, run: { ...revision.spec.run, env: {} } });
        const { spec } = await this.seal({ ...revision.spec, run: { ...revision.spec.run, secretEnv: opened } }, revision.document);
        this.store.services.updateRevisionSpec(revision, revision.number, spec);
        count++;
      }
    }
    return count;
  }

  /** Which key each sealed value needs: found by trying the keys one by one (rare: only when retiring a key). */
  async keyUsage(): Promise<Map<string, number>> {
    const usage = new Map<string, number>();
    for (const service of this.store.services.all()) {
      for (const revision of this.store.services.revisions(refOf(service))) {
        for (const sealed of Object.values(revision.spec.run.secretEnv ?? {})) {
          for (const key of this.keys.all()) {
            const opens = await openSecret(sealed, [key.identity]).then(() => true, () => false);
            if (opens) {
              usage.set(key.id, (usage.get(key.id) ?? 0) + 1);
              break;
            }
          }
        }
      }
    }
    return usage;
  }
}
