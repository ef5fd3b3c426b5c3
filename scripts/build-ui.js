// `node scripts/build-ui.js`: bundles the web dashboard (src/ui/) into
// dist/ui/ with esbuild — one script, one style sheet and the page, every
// byte served by `cutover server` itself at /ui (no CDN) — and prints its
// size, gzipped, against the 200 KB budget. scripts/build.js runs it when
// dist/ui/ is missing or older than src/ui/.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = join(import.meta.dirname, '..');
const SOURCE = join(ROOT, 'src/ui');
const OUT = join(ROOT, 'dist/ui');
const BUDGET_GZIP_BYTES = 200 * 1024;

export async function buildDashboard() {
  const { build } = await import('esbuild');
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: { app: join(SOURCE, 'main.tsx') },
    outdir: OUT,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
  });
  copyFileSync(join(SOURCE, 'index.html'), join(OUT, 'index.html'));
  const files = ['index.html', 'app.js', 'app.css'];
  const sizes = files.map((name) => {
    const bytes = readFileSync(join(OUT, name));
    return { name, raw: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength };
  });
  const total = sizes.reduce((sum, file) => sum + file.gzip, 0);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`cutover: dashboard built in dist/ui/: ${sizes.map((f) => `${f.name} ${kb(f.raw)} (${kb(f.gzip)} gzipped)`).join(', ')}; total ${kb(total)} gzipped (budget ${kb(BUDGET_GZIP_BYTES)})`);
  if (total > BUDGET_GZIP_BYTES) {
    console.error(`cutover: the dashboard is ${kb(total)} gzipped, over its ${kb(BUDGET_GZIP_BYTES)} budget: find what grew with esbuild's --analyze`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await buildDashboard();
