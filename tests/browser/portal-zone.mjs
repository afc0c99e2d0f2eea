// The partner portal in a browser whose own time zone is not the
// tenant's, for tests/api/deadlines_and_bounds.rs:
//
//   node portal-zone.mjs PLAN.json
//
// PLAN names the server (`base`), a sign-in link (`link`), the browser's
// time zone (`browserZone`), a commission (`commission`) and a day to
// filter the ledger by (`day`, `YYYY-MM-DD`). The script signs in, opens
// the commissions page and prints one JSON line: the zone the browser
// runs in, the portal's note of the zone it shows times in, the
// commission's date as shown, and how many commissions the page counts
// before and once filtered from `day` to `day`.
import { readFileSync } from 'node:fs';
import { launch, timeout } from './harness.mjs';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { browser, problems } = await launch();

try {
  const context = await browser.newContext({ locale: 'en-US', timezoneId: plan.browserZone });
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  const settled = (title) => page.waitForFunction(
    (t) => document.querySelector('h1')?.textContent === t && !document.querySelector('.loading'),
    title,
    { timeout },
  );
  await page.goto(`${plan.base}${plan.link}`, { timeout });
  await settled('Overview');
  // The partner's language (the program's default, English), whatever the browser's.
  const lang = await page.evaluate(() => document.documentElement.lang);
  if (lang !== 'en') throw new Error(`the page is in ${lang}, not the partner's English`);
  await page.evaluate(() => { location.hash = '#/commissions'; });
  await settled('Commissions');
  const cell = `tbody[data-commission="${plan.commission}"] td:first-child`;
  await page.waitForSelector(cell, { timeout });
  const report = {
    browserZone: await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
    note: await page.evaluate(() => document.querySelector('[data-figure="viewer.tenant.timeZone"]')?.textContent.trim() ?? null),
    shown: (await page.textContent(cell)).trim(),
  };
  const count = '[data-figure="commissions.totalCount"]';
  const before = (await page.textContent(count)).trim();
  report.unfiltered = before;
  await page.fill('#filter-from', plan.day);
  await page.fill('#filter-to', plan.day);
  await page.click('form.filters button[type="submit"]');
  await page.waitForFunction(
    ([selector, text]) => !document.querySelector('.loading') && document.querySelector(selector)?.textContent.trim() !== text,
    [count, before],
    { timeout },
  );
  report.filtered = (await page.textContent(count)).trim();
  if (problems.length) throw new Error(problems.join('\n'));
  console.log(JSON.stringify(report));
} finally {
  await browser.close();
}
