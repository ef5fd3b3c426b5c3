import { can, type Action } from '../security/identity/roles.ts';
import { Api, type Me } from './api.ts';

/**
 * The signed-in token, kept for this browser tab only (sessionStorage): it
 * is gone when the tab closes, and other sites cannot read it. The API is
 * called with it as a Bearer header, never a cookie, so a page on another
 * site cannot make the browser send it (no cross-site request forgery).
 */
const KEY = 'cutover.token';

export function savedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

export interface Session {
  api: Api;
  me: Me;
}

/** Checks the token with the API; throws its refusal (401) as an ApiError. */
export async function signIn(token: string): Promise<Session> {
  const api = new Api(token);
  const me = await api.me();
  return { api, me };
}

/**
 * True when one of the grants allows `action` in `environment` ('*': on every
 * environment, as admin pages need), by the server's own table of roles.
 * Used only to leave out buttons the user cannot use: the API decides every call.
 */
export function may(me: Me, action: Action, environment: string): boolean {
  return can(me.grants, action, environment);
}
