import type { IdentityStore } from './identity-store.ts';

export const BOOTSTRAP_ADMIN = 'admin';

export interface BootstrapResult {
  /** User `admin` was created now, with the file's token. */
  created: boolean;
  /** The file's token works (for `admin`). False after admin's tokens were revoked or the file was replaced: worth a warning in the server log. */
  tokenWorks: boolean;
}

/**
 * Keeps the token the server wrote to `<data-dir>/admin-token` working once
 * there are users: on the first start with identities, creates user `admin`
 * (admin on every environment) and accepts the file's token for it. Later
 * starts change nothing, so revoking admin's tokens or changing its grants
 * lasts across restarts instead of being undone by the file.
 */
export function ensureBootstrapAdmin(store: IdentityStore, tokenFromFile: string): BootstrapResult {
  let created = false;
  if (!store.getUser(BOOTSTRAP_ADMIN)) {
    store.addUser(BOOTSTRAP_ADMIN, [{ role: 'admin', environment: '*' }]);
    store.registerToken(BOOTSTRAP_ADMIN, tokenFromFile);
    created = true;
  }
  return { created, tokenWorks: store.verifyToken(tokenFromFile)?.user === BOOTSTRAP_ADMIN };
}
