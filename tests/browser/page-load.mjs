// How long a web app of revshare's takes to be usable: for each sign-in
// link given, a fresh browser page opens it and waits until the first page
// shows what READY selects (the portal: the partner's balance; the
// console: the overview's queue counts) — the link spent, its token in
// hand, the first page's queries answered and drawn. Prints the times, in
// ms, as JSON.
//
//   node page-load.mjs READY URL...
import { chromium } from 'playwright-core';

const [ready, ...urls] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const times = [];
try {
  for (const url of urls) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(url);
    await page.waitForSelector(ready, { timeout: 15_000 });
    times.push(Date.now() - started);
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ms: times }));
