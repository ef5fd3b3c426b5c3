/** What a credential is shown as, in every view of a spec or an environment's config. */
export const REDACTED = '***';

// Header and field names whose values are credentials. Matched on the whole name, any case.
const CREDENTIAL_NAME = /(^|[-_])(authorization|auth|token|secret|password|passwd|cookie|credentials?|api[-_]?key|private[-_]?key|signature)($|[-_])|^x-api-key$/i;
const QUERY_CREDENTIAL = /^(token|access_token|api[-_]?key|key|secret|password|signature|sig|auth)$/i;

/** True when a header or field of that name holds a credential. */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/**
 * A copy of a spec, an environment's config or an event with every
 * credential replaced by `***`: values of credential-named fields and headers
 * (authorization, tokens, secrets, keys, cookies), the password of a URL, and
 * credential-named query parameters. What hooks and providers send stays as
 * configured; only what is shown changes.
 */
export function redactCredentials<T>(value: T): T {
  return redact(value) as T;
}

function redact(value: unknown, name = ''): unknown {
  if (typeof value === 'string') return name && isCredentialName(name) ? REDACTED : redactUrls(value);
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, redact(field, key)]));
}

/** `https://user:pw@host/x?token=abc&q=1` → `https://user:***@host/x?token=***&q=1`, wherever a URL appears in the text. */
export function redactUrls(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(/\bhttps?:\/\/[^\s"'`<>]+/gi, (url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return url;
    }
    let changed = false;
    if (parsed.password) {
      parsed.password = REDACTED;
      changed = true;
    }
    for (const key of [...parsed.searchParams.keys()]) {
      if (QUERY_CREDENTIAL.test(key) || isCredentialName(key)) {
        parsed.searchParams.set(key, REDACTED);
        changed = true;
      }
    }
    return changed ? decodeURI(parsed.toString()) : url;
  });
}
