/**
 * The status portal in a real browser (Debian's headless Chromium through playwright-core) against
 * real rollouts: pages update live from the event stream without a reload, fit a 375 px phone and
 * a desktop without sideways scrolling, show an incident as it happens, and a customer's click on
 * the defer button reaches the rollout workflow as a 'defer' Update.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, horizontalOverflow, launchBrowser, openPage, pageProblems, PHONE } from './helpers/browser';
import { PortalRig, portalPlaybook } from './helpers/portalRig';

/** The page never scrolls sideways at its size. */
async function assertFits(page: Page, where: string): Promise<void> {
  const { scrollWidth, innerWidth } = await horizontalOverflow(page);
  assert.ok(scrollWidth <= innerWidth, `${where}: ${scrollWidth}px of content in a ${innerWidth}px window`);
}

/** Marks the document so a test can tell a live update (marker kept) from a reload (marker gone). */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate('window.__sameDocument = true');
}

async function sameDocument(page: Page): Promise<boolean> {
  return (await page.evaluate('window.__sameDocument === true')) as boolean;
}

/**
 * Polls an expression in the page until it is truthy. (Playwright's waitForFunction evaluates a
 * string with eval, which the portal's Content-Security-Policy rightly forbids.)
 */
async function waitUntil(page: Page, expression: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`page never satisfied ${expression} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stepState = (page: Page, label: string) => page.locator(`[data-step="${label}"] .step-state`);

describe('status portal in headless Chromium (dev server, real fleet)', () => {
  const rig = new PortalRig();
  let browser: Browser;
  before(async () => {
    await rig.start();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await rig.stop();
  });

  test('the release page follows a rollout live, without a reload, on a phone and a desktop', async () => {
    // A longer canary bake, so the pages are open well before the canary completes.
    await rig.startRollout('browser-live', { version: '1.1.0', playbook: portalPlaybook({ phases: { canary: { size: 1, bakeTime: '8s' }, waves: [{ size: '50%', bakeTime: '2s' }, { size: '100%', bakeTime: '2s' }] } }) });
    await rig.waitForRelease('browser-live', () => true);
    const pages = await Promise.all([openPage(browser, PHONE), openPage(browser, DESKTOP)]);
    for (const page of pages) {
      await page.goto(`${rig.portal.url}/releases/browser-live`);
      await markDocument(page);
      assert.notEqual(await stepState(page, 'Canary').textContent(), 'Completed', 'the canary is still running when the page opens');
      await assertFits(page, `release page at ${page.viewportSize()?.width}px, running`);
    }
    for (const page of pages) {
      await stepState(page, 'Canary').filter({ hasText: 'Completed' }).waitFor({ timeout: 60_000 });
      assert.ok(await sameDocument(page), 'the canary turned Completed without a reload');
    }
    for (const page of pages) {
      await page.locator('.release .badge', { hasText: 'Completed' }).waitFor({ timeout: 90_000 });
      assert.ok(await sameDocument(page), 'the whole rollout was followed without a reload');
      assert.equal(await page.locator('.overall-count').textContent(), '4 of 4 systems updated');
      assert.deepEqual(await page.locator('.step .step-state').allTextContents(), ['Completed', 'Completed', 'Completed']);
      assert.equal(await page.locator('progress.bar').count(), 4, 'a bar for the release and one per step');
      await assertFits(page, `release page at ${page.viewportSize()?.width}px, completed`);
      // The page's own text: no target ids, nobody's name.
      const text = (await page.locator('body').textContent()) ?? '';
      for (const id of rig.targetIds()) assert.ok(!text.includes(id), `the page names ${id}`);
      assert.ok(!text.includes('alice'));
      assert.deepEqual(pageProblems(page), [], 'no script errors or CSP violations');
    }
    // The list page, too, at both sizes.
    for (const page of pages) {
      await page.goto(`${rig.portal.url}/`);
      await page.locator('.release-row[data-release="browser-live"]').waitFor();
      await assertFits(page, `list page at ${page.viewportSize()?.width}px`);
      assert.deepEqual(pageProblems(page), []);
      await page.context().close();
    }
  });

  test('an incident appears on the release page as it happens: a faulty canary, rolled back', async () => {
    const page = await openPage(browser, PHONE);
    try {
      // Held on the breach (onBreach: pause), so the incident stays open until the test rolls back:
      // a rollback faster than the portal's poll would otherwise never show an open incident.
      const handle = await rig.startRollout('browser-incident', { version: '1.2.0-bad', fault: { errorRate: 0.5 }, playbook: portalPlaybook({ onBreach: 'pause' }) });
      await rig.waitForRelease('browser-incident', () => true);
      await page.goto(`${rig.portal.url}/releases/browser-incident`);
      await markDocument(page);
      // Remember whether the banner was ever on the page: it goes once the incident is resolved.
      await page.evaluate(`(() => {
        const seen = () => {
          const banner = document.querySelector('.incident-banner');
          if (banner) window.__banner = banner.textContent;
        };
        seen();
        new MutationObserver(seen).observe(document.body, { childList: true, subtree: true });
      })()`);
      await waitUntil(page, 'typeof window.__banner === "string"', 90_000);
      const banner = (await page.evaluate('window.__banner')) as string;
      assert.match(banner, /Incident: (Investigating|Rolling back)/);
      assert.match(banner, /showed errors after the update/);
      assert.match(banner, /1 customer affected/);
      assert.ok(!banner.includes('ACME') && !banner.includes('acme'), 'the affected customer is counted, not named');
      await rig.rollouts.rollback(handle.workflowId, { by: 'oncall', reason: 'the release is bad' });
      await page.locator('.release .badge', { hasText: 'Rolled back' }).waitFor({ timeout: 90_000 });
      assert.ok(await sameDocument(page), 'incident and rollback arrived without a reload');
      // The incident's history stays on the page, ending resolved.
      const updates = await page.locator('.updates li').allTextContents();
      assert.match(updates[0] ?? '', /Resolved/);
      assert.ok(updates.some((u) => /Rolling back|Investigating/.test(u)), updates.join(' | '));
      await assertFits(page, 'release page with an incident at 375px');
      assert.deepEqual(pageProblems(page), []);
      const status = await rig.status('browser-incident');
      assert.equal(status.state, 'rolled_back');
      assert.ok((status.publicIncidents ?? []).length >= 2);
    } finally {
      await page.context().close();
    }
  });

  test("a customer defers their update with the portal's button, and the workflow has it", async () => {
    // A long canary bake keeps Globex (the last wave) waiting for its turn.
    const handle = await rig.startRollout('browser-defer', { version: '1.3.0', playbook: portalPlaybook({ phases: { canary: { size: 1, bakeTime: '5m' }, waves: [{ size: '50%', bakeTime: '2s' }, { size: '100%', bakeTime: '2s' }] } }) });
    const phone = await openPage(browser, PHONE);
    const desktop = await openPage(browser, DESKTOP);
    try {
      await rig.waitForRelease('browser-defer', () => true);
      // Globex signs in through a link carrying its token in the fragment (never sent to a server).
      await phone.goto(`${rig.portal.url}/customer#customer=globex&token=${rig.token('globex')}`);
      const card = phone.locator('.customer-release[data-release="browser-defer"]');
      await card.waitFor({ timeout: 30_000 });
      assert.equal(new URL(phone.url()).hash, '', 'the token left the address bar');
      assert.deepEqual(await phone.context().cookies(), [], 'no cookie: the token lives in sessionStorage only');
      assert.equal(await card.locator('.customer-state').textContent(), 'Not started');
      assert.equal(await card.locator('.target').count(), 1, 'their own system, and only theirs');
      assert.match((await card.locator('.target').textContent()) ?? '', new RegExp(rig.targetIds()[3]!));
      await assertFits(phone, 'customer page at 375px');

      await card.locator('textarea[name="reason"]').fill('quarter-end freeze');
      await card.locator('button.defer-button').click();
      await card.locator('.form-ok', { hasText: 'globex deferred until' }).waitFor({ timeout: 30_000 });
      const status = await rig.status('browser-defer');
      const deferral = status.customers?.find((c) => c.id === 'globex')?.deferral;
      assert.ok(deferral, 'the workflow recorded the deferral');
      assert.equal(deferral.by, 'customer:globex');
      assert.equal(deferral.reason, 'quarter-end freeze');
      assert.ok(Date.parse(deferral.until) > Date.now(), deferral.until);
      await card.locator('.deferral', { hasText: '(by you)' }).waitFor({ timeout: 10_000 });
      assert.deepEqual(pageProblems(phone), []);

      // ACME signs in with the form on a desktop and sees its own release state, not Globex's.
      // ACME is the canary: on a loaded machine the rollout may still be verifying the build, so wait
      // until its canary has begun before asserting it has nothing left to defer.
      await rig.h.waitForProgress('browser-defer', (s) => !['pending', 'waiting_for_window', undefined].includes(s.customers?.find((c) => c.id === 'acme')?.state));
      await desktop.goto(`${rig.portal.url}/customer`);
      await desktop.fill('#customer-id', 'acme');
      await desktop.fill('#customer-token', rig.token('acme'));
      await desktop.click('#sign-in button[type="submit"]');
      const acmeCard = desktop.locator('.customer-release[data-release="browser-defer"]');
      await acmeCard.waitFor({ timeout: 30_000 });
      assert.equal(await desktop.locator('#customer-name').textContent(), 'ACME Corp');
      const text = (await desktop.locator('#customer-view').textContent()) ?? '';
      assert.ok(!text.includes('Globex') && !text.includes(rig.targetIds()[3]!), 'nothing of Globex');
      assert.equal(await acmeCard.locator('button.defer-button').count(), 0, 'ACME is already updating or updated: nothing to defer');
      await assertFits(desktop, 'customer page at 1280px');
      assert.deepEqual(pageProblems(desktop), []);

      // A wrong token is refused and the form comes back with the reason.
      await desktop.click('#sign-out');
      await desktop.fill('#customer-id', 'acme');
      await desktop.fill('#customer-token', rig.token('globex'));
      await desktop.click('#sign-in button[type="submit"]');
      await desktop.locator('#sign-in-error', { hasText: 'another customer' }).waitFor({ timeout: 10_000 });
      assert.equal(await desktop.locator('#customer-view').isVisible(), false);
      assert.deepEqual(pageProblems(desktop).filter((p) => !/status of 403/.test(p)), [], 'only the refused sign-in itself');
    } finally {
      await phone.context().close();
      await desktop.context().close();
      await handle.terminate('test over').catch(() => undefined);
    }
  });
});
