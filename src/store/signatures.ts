import type { Db } from './database.ts';

/**
 * Valid artifact signatures, kept per (digest, environment) so a rollback or
 * a promotion carries the signature that passed there. Whatever is read here
 * is verified again against the reading environment's trusted keys: a record
 * is a candidate, never a verdict.
 */
export class SignatureStore {
  constructor(private readonly db: Db) {}

  save(digest: string, environment: string, text: string, keyId: string, now = Date.now()): void {
    this.db
      .prepare(
        'INSERT INTO signatures (digest, environment, text, key_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(digest, environment) DO UPDATE SET text = excluded.text, key_id = excluded.key_id',
      )
      .run(digest, environment, text, keyId, now);
  }

  /** The signature `environment` accepted for the artifact; else one recorded before records were per environment. */
  get(digest: string, environment: string): string | undefined {
    const row = this.db
      .prepare("SELECT text FROM signatures WHERE digest = ? AND environment IN (?, '') ORDER BY environment = '' LIMIT 1")
      .get(digest, environment) as { text: string } | undefined;
    return row?.text;
  }
}
