import type { IdentityStore } from './identity-store.ts';

export const BOOTSTRAP_ADMIN = 'admin';

/** The store's flag: set when the bootstrap admin was made, never cleared. */
export const BOOTSTRAPPED = 'bootstrap-admin-created';

export interface BootstrapResult {
  /** User `admin` was created now, with the file's token. */
  created: boolean;
  /**
   * The admin-token file's token works. False after admin's tokens were
   * revoked or admin was removed: worth a warning in the server log, which
   * says the file can be deleted. Undefined when there is no file.
   */
  tokenWorks?: boolean;
}

/**
 * Makes the first admin, once in the store's life: on the first start,
 * creates user `admin` (admin on every environment) and accepts the token of
 * `<data-dir>/admin-token` for it (`adminToken()` writes the file then).
 * Later starts change nothing — a flag in the store says it was done — so a
 * removed admin, revoked tokens or changed grants stay as they were set,
 * instead of being brought back by the file.
 */
export function ensureBootstrapAdmin(store: IdentityStore, adminToken: { create(): string; read(): string | undefined }): BootstrapResult {
  if (store.hasFlag(BOOTSTRAPPED)) {
    const token = adminToken.read();
    return { created: false, ...(token === undefined ? {} : { tokenWorks: store.verifyToken(token)?.user === BOOTSTRAP_ADMIN }) };
  }
  const token = adminToken.create();
  store.bootstrapAdmin(BOOTSTRAP_ADMIN, token, BOOTSTRAPPED);
  return { created: true, tokenWorks: true };
}
