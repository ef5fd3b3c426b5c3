import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Context, Hono } from 'hono';
import { PROJECT_ROOT } from '../../core/entry.ts';
import type { AuthEnv } from '../auth.ts';

/** Where the build (scripts/build-ui.js) puts the dashboard. */
export const DASHBOARD_DIR = join(PROJECT_ROOT, 'dist/ui');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The page may load only its own files and talk only to this server: no
 * inline script, nothing from another origin, not framed by another site.
 * (Styles set from script, as the charts do, are not inline `<style>`.)
 */
const HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

interface Asset {
  body: Uint8Array;
  type: string;
}

/**
 * The dashboard's files, read once from the build. Only the files the build
 * wrote are served, looked up by name in that list: a request cannot name a
 * path outside it. Read again while the build is missing, so a server
 * started before `npm run build` serves it once it exists.
 */
function dashboardFiles(dir: string): () => Map<string, Asset> {
  let files = new Map<string, Asset>();
  return () => {
    if (files.size || !existsSync(dir)) return files;
    files = new Map(
      readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isFile() && TYPES[extname(entry.name)])
        .map((entry) => [entry.name, { body: readFileSync(join(dir, entry.name)), type: TYPES[extname(entry.name)]! }]),
    );
    return files;
  };
}

/**
 * `GET /ui`: the web dashboard, served by the API's own server (same origin,
 * no CDN). These routes are open (OPEN_ROUTES in permissions.ts): the files
 * hold no data; the page signs in with a token and every figure it shows
 * comes from the authenticated API, under the caller's roles.
 */
export function serveDashboard(app: Hono<AuthEnv>, dir = DASHBOARD_DIR): void {
  const files = dashboardFiles(dir);
  const send = (c: Context, name: string) => {
    const asset = files().get(name);
    if (!asset) {
      if (files().size) return c.json({ error: { code: 'NotFound', message: `the dashboard has no file "${name}"; open /ui/` } }, 404);
      return c.json({ error: { code: 'Unavailable', message: 'the dashboard is not built: run `npm run build` (or `node scripts/build.js`) in the cutover folder' } }, 503);
    }
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { ...HEADERS, 'content-type': asset.type });
  };
  app.get('/ui', (c) => c.redirect('/ui/', 301));
  app.get('/ui/', (c) => send(c, 'index.html'));
  app.get('/ui/:file', (c) => send(c, c.req.param('file')));
}
