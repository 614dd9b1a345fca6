/**
 * Headless Chromium for the portal's browser tests: Debian's own build (apt package `chromium`,
 * installed by .ci/run), driven by playwright-core, which downloads no browser of its own.
 *
 *   const browser = await launchBrowser();
 *   after(() => browser.close());
 *   const page = await openPage(browser, PHONE);
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.RAMPART_CHROMIUM ?? '/usr/bin/chromium';

export const PHONE = { width: 375, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set RAMPART_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A page in its own context (own sessionStorage), at a viewport size; phone-sized ones act as touch phones. */
export async function openPage(browser: Browser, viewport: { width: number; height: number }): Promise<Page> {
  const phone = viewport.width < 600;
  const context = await browser.newContext({ viewport, deviceScaleFactor: phone ? 2 : 1, isMobile: phone, hasTouch: phone });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  (page as Page & { problems?: string[] }).problems = problems;
  return page;
}

/** Script errors and CSP violations the page reported so far. */
export function pageProblems(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

/** Wider than the screen: the page scrolls sideways (it must not). */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })');
}

/** Parses XML the way a browser does; returns the parser's error, or what the test asks for. */
export async function parseXml<T>(page: Page, xml: string, extract: string): Promise<{ error: string | null; value: T | null }> {
  return page.evaluate(`(() => {
    const doc = new DOMParser().parseFromString(${JSON.stringify(xml)}, 'application/xml');
    const error = doc.getElementsByTagName('parsererror')[0];
    if (error) return { error: error.textContent, value: null };
    return { error: null, value: (${extract})(doc) };
  })()`);
}
