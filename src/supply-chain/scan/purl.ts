/** A package URL (https://github.com/package-url/purl-spec), as far as the scan needs it. */
export interface PackageUrl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
}

/**
 * Parses `pkg:npm/%40scope/name@1.2.3?qualifiers#subpath`. The version is
 * looked for in the last segment only, so an unencoded `@scope` (which some
 * tools write) is not taken for one.
 */
export function parsePurl(purl: string): PackageUrl | undefined {
  const match = /^pkg:\/*(.*)$/i.exec(purl.trim());
  if (!match?.[1]) return undefined;
  const body = match[1].split('#')[0]?.split('?')[0] ?? '';
  const segments = body.split('/').filter(Boolean);
  const type = segments.shift()?.toLowerCase();
  const last = segments.pop();
  if (!type || !last) return undefined;
  const at = last.indexOf('@');
  const name = decode(at >= 0 ? last.slice(0, at) : last);
  const version = at >= 0 ? decode(last.slice(at + 1)) : undefined;
  if (!name) return undefined;
  const namespace = segments.map(decode).join('/');
  return { type, name, ...(namespace ? { namespace } : {}), ...(version ? { version } : {}) };
}

/** The npm package a purl names (`@scope/name`), or undefined for any other type. */
export function npmPackageOf(purl: string): { name: string; version?: string } | undefined {
  const parsed = parsePurl(purl);
  if (parsed?.type !== 'npm') return undefined;
  const name = parsed.namespace ? `${parsed.namespace}/${parsed.name}` : parsed.name;
  return { name, ...(parsed.version ? { version: parsed.version } : {}) };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
