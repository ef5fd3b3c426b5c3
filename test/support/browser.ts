import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/core/entry.ts';

/** Where the browser tests save their screenshots (git-ignored; CI keeps them as artifacts). */
export const SCREENSHOTS_DIR = join(PROJECT_ROOT, '.artifacts/dashboard');

/**
 * Debian's Chromium driven by Playwright: headless, no sandbox (CI runs as
 * root in a container), nothing fetched from Google, and a fresh profile
 * that `close` deletes.
 */
export async function openBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'cutover-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new tab on the dashboard, signed in with `token`. */
export async function signedIn(context: BrowserContext, url: string, token: string, path = ''): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/ui/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user').waitFor();
  if (path) await page.goto(`${url}/ui/${path}`);
  return page;
}

/** Saves the whole page, or one part of it, as SCREENSHOTS_DIR/NAME.png. */
export async function screenshot(what: Page | Locator, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = join(SCREENSHOTS_DIR, `${name}.png`);
  if ('goto' in what) await what.screenshot({ path: file, fullPage: true });
  else await what.screenshot({ path: file });
  return file;
}
