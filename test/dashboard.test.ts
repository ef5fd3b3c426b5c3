import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../src/core/net.ts';
import { startLoad, type LoadRun } from '../src/load/index.ts';
import { openBrowser, screenshot, signedIn } from './support/browser.ts';
import { Cluster, helloSpec } from './support/cluster.ts';
import { requireTool } from './support/tools.ts';

/**
 * The dashboard in a real browser (Debian's Chromium through Playwright)
 * against a real server, router and instances under steady load: what a
 * person sees and presses, and that the API still decides.
 */
const withChromium = requireTool('chromium');
const RATE = 200;
const LONG = 120_000;

withChromium.describe('the dashboard at /ui', () => {
  const cluster = new Cluster();
  const tokens: Record<string, string> = {};
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let port = 0;
  let load: LoadRun | null = null;

  const spec = (name: string, overrides: Record<string, unknown>) => cluster.writeSpec(name, helloSpec({ port, ...overrides }));

  beforeAll(async () => {
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(
      config,
      stringify({
        environments: { production: { instances: { min: 1 }, requiresSuccessIn: null, signatureRequired: false, approvalRequired: true } },
        policies: { defaults: false },
      }),
    );
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    for (const [name, roles] of Object.entries({ dana: ['deployer:development', 'deployer:production'], vic: ['viewer:development'], carol: ['approver:production'] })) {
      const created = await cluster.api<{ token: string }>('POST', '/v1/users', { name, roles });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      tokens[name] = created.body.token;
    }
    port = await freePort();
    const v1 = await cluster.cli('apply', '-f', spec('web', { version: '1.0.0' }), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    browser = await openBrowser();
  });
  afterAll(async () => {
    await load?.stop();
    await browser?.close();
    await cluster.destroy();
  });

  /** The weights line of the service page, as the user reads it. */
  const weights = (page: Page) => page.getByTestId('summary').getByTestId('weights');

  withChromium.it(
    'signs in, shows the board, follows a canary from 20% to 100% without reloading, and promotes its paused step',
    async () => {
      const page = await signedIn(browser.context, cluster.url, cluster.token);
      await expect.poll(() => page.getByTestId('cell-development-web').textContent(), { timeout: 30_000 }).toMatch(/1\.0\.0.*Succeeded/);
      await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
      const applied = cluster.cli('apply', '-f', spec('web', { version: '2.0.0', strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '2s' } }] } } }));
      await expect.poll(() => page.getByTestId('cell-development-web').textContent(), { timeout: LONG }).toMatch(/2\.0\.0.*Paused.*r2 20%/);
      await screenshot(page, 'board');
      await page.getByTestId('cell-development-web').click();
      await expect.poll(() => weights(page).textContent(), { timeout: 30_000 }).toMatch(/r2 20%/);
      await page.locator('li[aria-current="step"]').getByText('pause until promoted').waitFor();
      await page.getByRole('button', { name: 'Promote' }).click();
      const dialog = page.getByTestId('confirm');
      await expect.poll(() => dialog.textContent()).toMatch(/Continue deployment \d+ of web in development \(revision 2, 2\.0\.0\) past its pause at step \d+\/\d+ \(pause until promoted\)/);
      await dialog.getByRole('button', { name: 'Promote' }).click();
      await expect.poll(() => page.getByTestId('action-result').textContent()).toMatch(/Promote: done/);
      await expect.poll(() => weights(page).textContent(), { timeout: LONG }).toMatch(/r2 60%/);
      await expect.poll(() => weights(page).textContent(), { timeout: LONG }).toBe('r2 100%');
      await expect.poll(() => page.getByTestId('summary').textContent(), { timeout: LONG }).toMatch(/Succeeded/);
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
      expect((await applied).code).toBe(0);
      await screenshot(page, 'canary-promoted');
      await page.close();
    },
    LONG * 3,
  );
});
