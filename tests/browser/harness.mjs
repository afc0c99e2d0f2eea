// What the browser tests of revshare's web apps share (portal.mjs,
// console.mjs): headless Chromium with no network but loopback, a page
// whose errors and failed requests are collected, and the checks every
// page gets — its heading settled, axe-core, a screenshot, its figures
// against the API's answer for the app's own session token.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const timeout = 15_000;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Chromium and one page at 1280 × 900; `problems` collects what went wrong on it. */
export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'en-US' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  // A request the page itself abandoned (a navigation cancelling the
  // favicon's fetch, say) is not a failure of the app: net::ERR_ABORTED.
  page.on('requestfailed', (request) => {
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  return { browser, page, problems };
}

/**
 * The checks on `page` of an app whose session is kept in sessionStorage
 * under `sessionKey`; they record into `report` (`axe`, `screenshots`,
 * `figures`) and shoot into `screenshots` (none: no pictures).
 */
export function checks(page, report, { sessionKey, screenshots }) {
  /** The page's heading, once the page has loaded what it shows. */
  async function settled(title) {
    await page.waitForFunction(
      (t) => document.querySelector('h1')?.textContent === t && !document.querySelector('.loading'),
      title,
      { timeout },
    );
  }

  async function open(hash, title) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await settled(title);
  }

  /** axe-core on the page as it is: serious and critical violations fail. */
  async function audit(name) {
    // Evaluated through the DevTools protocol, which the page's
    // Content-Security-Policy (rightly) does not let a <script> do.
    if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      const run = await window.axe.run(document, { resultTypes: ['violations'] });
      return run.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
    });
    const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    report.axe[name] = { violations: result.map((v) => `${v.impact} ${v.id}: ${v.nodes.join(', ')}`), serious: serious.length };
    check(serious.length === 0, `axe on ${name}: ${JSON.stringify(serious)}`);
  }

  async function shoot(name, width) {
    if (!screenshots) return;
    const path = `${screenshots}/${name}-${width}.png`;
    await page.screenshot({ path, fullPage: true });
    report.screenshots.push(path);
  }

  /** The API's answer for the app's own session token. */
  async function api(query, variables = {}) {
    return page.evaluate(async ({ query, variables, key }) => {
      const session = JSON.parse(sessionStorage.getItem(key));
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = await response.json();
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    }, { query, variables, key: sessionKey });
  }

  /** Each `[data-figure]` the page shows, by name: its amount, currency and text. */
  async function figures() {
    return page.evaluate(() => Object.fromEntries(
      [...document.querySelectorAll('[data-figure]')].map((e) => [e.dataset.figure, {
        amount: e.dataset.amount ?? null, currency: e.dataset.currency ?? null, text: e.textContent.trim(),
      }]),
    ));
  }

  /**
   * The figure `name` of `shown` is `amount` in `currency`, formatted as
   * the browser formats it in the page's language (`<html lang>`: the
   * portal writes in its partner's, the console in English).
   */
  async function same(shown, name, amount, currency) {
    const figure = shown[name];
    check(figure, `the page shows no ${name}`);
    check(figure.amount === amount, `${name}: the page says ${figure.amount}, the API ${amount}`);
    const expected = await page.evaluate(([a, c]) => new Intl.NumberFormat(document.documentElement.lang || undefined,
      { style: 'currency', currency: c }).format(a), [amount, currency]);
    check(figure.text === expected, `${name}: the page shows "${figure.text}", the API's figure reads "${expected}"`);
    report.figures += 1;
  }

  return { settled, open, audit, shoot, api, figures, same };
}
