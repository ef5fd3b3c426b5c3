import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../src/core/net.ts';
import { startLoad, type LoadRun } from '../src/load/index.ts';
import { openBrowser, screenshot, signedIn } from './support/browser.ts';
import { Cluster, helloSpec, runCli } from './support/cluster.ts';
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
      // By keyboard: Escape cancels the confirmation, Enter on its button confirms.
      const promote = page.getByRole('button', { name: 'Promote', exact: true });
      await promote.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByTestId('confirm');
      await expect.poll(() => dialog.textContent()).toMatch(/Continue deployment \d+ of web in development \(revision 2, 2\.0\.0\) past its pause at step \d+\/\d+ \(pause until promoted\)/);
      // Its text is there before it is modal; Escape means something only once it is open.
      await page.locator('dialog[data-testid="confirm"][open]').waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect((await cluster.status('web')).phase).toBe('Paused');
      await promote.focus();
      await page.keyboard.press('Enter');
      await dialog.getByRole('button', { name: 'Promote' }).focus();
      await page.keyboard.press('Enter');
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

  withChromium.it(
    'shows a bad canary rolled back by the judge: the verdict, and its evidence past the threshold',
    async () => {
      const page = await signedIn(browser.context, cluster.url, cluster.token, '#/services/development/web');
      await page.getByRole('heading', { name: /web/ }).waitFor();
      const judged = { canary: { analysis: { metrics: [{ name: 'judge', provider: { compare: {} } }] }, steps: [{ setWeight: 20 }, { pause: { duration: '60s' } }] } };
      const applied = await cluster.cli('apply', '-f', spec('web', { version: '3.0.0', strategy: judged, run: { command: ['node', 'server.js'], env: { ERROR_RATE: '0.3' } } }), '--wait');
      expect(applied.code, applied.stdout).toBe(1);
      await expect.poll(() => page.getByTestId('summary').textContent(), { timeout: LONG }).toMatch(/3\.0\.0 revision 3.*RolledBack/);
      await expect.poll(() => page.getByTestId('verdict').textContent(), { timeout: 30_000 }).toMatch(/^Failed: error rate: .*canary/);
      const row = page.getByTestId('evidence').locator('tbody tr', { hasText: 'error rate' });
      const cells = await row.locator('td').allTextContents();
      // Canary, stable, evidence, threshold, decision.
      expect(cells[4]).toBe('fail');
      expect(Number(cells[2])).toBeGreaterThanOrEqual(Number(cells[3]));
      expect(Number(cells[3])).toBeGreaterThan(1);
      await expect.poll(() => page.getByTestId('verdicts').textContent()).toMatch(/judge Failed: error rate/);
      await page.getByTestId('evidence-chart').waitFor();
      await expect.poll(() => page.getByTestId('message').textContent()).toMatch(/judge/);
      await screenshot(page, 'judge-rollback');
      await screenshot(page.locator('section.judge'), 'judge-evidence');
      await page.close();
    },
    LONG * 3,
  );

  withChromium.it(
    'offers a viewer no action, and the API refuses a request forged from the page',
    async () => {
      const applied = await cluster.cli('apply', '-f', spec('web', { version: '4.0.0', strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } } }));
      expect(applied.code, applied.stderr).toBe(0);
      await expect.poll(async () => (await cluster.status('web')).phase, { timeout: LONG }).toBe('Paused');
      const page = await signedIn(browser.context, cluster.url, tokens.vic!, '#/services/development/web');
      await expect.poll(() => page.getByTestId('summary').textContent(), { timeout: 30_000 }).toMatch(/4\.0\.0.*Paused/);
      await expect.poll(() => page.getByTestId('user').textContent()).toBe('vic');
      expect(await page.locator('[data-action]').count()).toBe(0);
      expect(await page.getByRole('button', { name: /promote|abort|roll back|approve|reject/i }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(0);
      await screenshot(page, 'viewer');
      // A phone's width: one column, nothing wider than the screen (wide tables scroll inside their box).
      await page.setViewportSize({ width: 390, height: 844 });
      await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, 'viewer-phone');
      // What a viewer could type in the browser's console: the API says no, and the deployment stays paused.
      const forged = await page.evaluate(async () => {
        const token = sessionStorage.getItem('cutover.token');
        const asViewer = await fetch('/v1/environments/development/services/web/promote', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
        // And what another site's page could send: no token, since the page never keeps it in a cookie.
        const anonymous = await fetch('/v1/environments/development/services/web/abort', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return { viewer: { status: asViewer.status, body: await asViewer.text() }, anonymous: anonymous.status };
      });
      expect(forged.viewer.status).toBe(403);
      expect(forged.viewer.body).toMatch(/vic/);
      expect(forged.anonymous).toBe(401);
      expect((await cluster.status('web')).phase).toBe('Paused');
      await page.close();
      expect((await cluster.api('POST', '/v1/environments/development/services/web/abort', {})).status).toBe(200);
    },
    LONG * 2,
  );

  withChromium.it(
    'lets an approver who is not the author approve a production deployment',
    async () => {
      const shop = cluster.writeSpec('shop', helloSpec({ port: await freePort(), instances: 1, environment: 'production', strategy: { canary: { steps: [] } } }));
      const applied = await runCli(['apply', '-f', shop], { CUTOVER_SERVER: cluster.url, CUTOVER_TOKEN: tokens.dana! });
      expect(applied.code, applied.stderr).toBe(0);
      await expect.poll(async () => (await cluster.status('shop')).phase, { timeout: LONG }).toBe('AwaitingApproval');
      const page = await signedIn(browser.context, cluster.url, tokens.carol!, '#/services/production/shop');
      await expect.poll(() => page.getByTestId('summary').textContent(), { timeout: 30_000 }).toMatch(/by dana.*AwaitingApproval/);
      // An approver may approve, not deploy: no promote or abort.
      expect(await page.locator('[data-action="abort"], [data-action="promote"]').count()).toBe(0);
      await page.getByRole('button', { name: 'Approve' }).click();
      const dialog = page.getByTestId('confirm');
      await expect.poll(() => dialog.textContent()).toMatch(/Approve deployment \d+ of shop in production \(revision 1, 1\.0\.0\) \(by dana\)/);
      await screenshot(page, 'approval');
      await dialog.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => page.getByTestId('action-result').textContent()).toMatch(/Approve: done/);
      await expect.poll(() => page.getByTestId('summary').textContent(), { timeout: LONG }).toMatch(/Succeeded/);
      await expect.poll(() => page.getByTestId('events').textContent()).toMatch(/Approved.*by carol/);
      await page.close();
    },
    LONG * 2,
  );
  withChromium.it(
    'promotes a paused canary to the end with one button, through the API `cutover promote --full` calls',
    async () => {
      const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }];
      const applied = await cluster.cli('apply', '-f', spec('web', { version: '5.0.0', strategy: { canary: { steps } } }));
      expect(applied.code, applied.stderr).toBe(0);
      await expect.poll(async () => (await cluster.status('web')).phase, { timeout: LONG }).toBe('Paused');
      // The audit log lists the oldest entries first: read from here on, past the earlier tests' entries.
      const before = (await cluster.api<{ seq: number }>('GET', '/v1/audit/head')).body.seq;
      const page = await signedIn(browser.context, cluster.url, tokens.dana!, '#/services/development/web');
      await expect.poll(() => page.getByTestId('summary').textContent(), { timeout: 30_000 }).toMatch(/5\.0\.0.*Paused/);
      await page.getByRole('button', { name: 'Promote to the end' }).click();
      const dialog = page.getByTestId('confirm');
      await expect.poll(() => dialog.textContent()).toMatch(/Take deployment (\d+) of web in development \(revision \d+, 5\.0\.0\) straight to 100%: its \d+ remaining step\(s\) .*skipping every pause and analysis/);
      await screenshot(page, 'promote-full');
      await dialog.getByRole('button', { name: 'Promote to the end' }).click();
      await expect.poll(() => page.getByTestId('action-result').textContent()).toMatch(/Promote to the end: done/);
      // No second pause to press through: the deployment ends by itself.
      await expect.poll(() => page.getByTestId('summary').textContent(), { timeout: LONG }).toMatch(/5\.0\.0.*Succeeded/);
      await expect.poll(() => weights(page).textContent(), { timeout: 30_000 }).toMatch(/100%/);
      const deployment = (await cluster.status('web')).deployment.id;
      const { body } = await cluster.api<{ events: { deployment: number | null; type: string; by?: string }[] }>('GET', '/v1/events?service=web');
      expect(body.events.filter((e) => e.deployment === deployment).map((e) => e.type)).toContain('FullPromotionRequested');
      // The same audited call as `cutover promote --full`: by dana, with full: true.
      const audit = await cluster.api<{ entries: Record<string, unknown>[] }>('GET', `/v1/audit?after=${before}&limit=10000`);
      const promotions = audit.body.entries.filter((entry) => entry.actor === 'dana' && String(entry.action).includes('promote')).map((entry) => JSON.stringify(entry));
      expect(promotions.some((entry) => entry.includes('"full":true') || entry.includes('promoted to the end')), JSON.stringify(audit.body.entries.slice(-3))).toBe(true);
      await page.close();
    },
    LONG * 2,
  );
});
