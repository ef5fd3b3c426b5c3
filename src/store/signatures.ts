import type { Db } from './database.ts';

/** Valid artifact signatures, kept by digest so a rollback or a promotion carries the signature that passed. */
export class SignatureStore {
  constructor(private readonly db: Db) {}

  save(digest: string, text: string, keyId: string, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO signatures (digest, text, key_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(digest) DO UPDATE SET text = excluded.text, key_id = excluded.key_id')
      .run(digest, text, keyId, now);
  }

  get(digest: string): string | undefined {
    return (this.db.prepare('SELECT text FROM signatures WHERE digest = ?').get(digest) as { text: string } | undefined)?.text;
  }
}
