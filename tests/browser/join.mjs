// Drives the join page and the portal's e-mail sign-in in headless
// Chromium for tests/api/mail.rs, one step a run:
//
//   node join.mjs STEP URL [ARG]
//
//   apply URL          the join page at 375 px: axe-core, no sideways
//                      scroll, the keyboard reaches the form; a form sent
//                      empty names its field; then filled and sent
//   confirm URL        the e-mailed confirmation link: confirmed
//   portal URL NAME    a sign-in link: the portal opens, naming the program
//   sign-in URL EMAIL  the portal's e-mail sign-in page: axe-core, the
//                      address sent
//   mail DIR [SHOTS]   every rendered e-mail's HTML part in DIR (NAME.html):
//                      axe-core, no sideways scroll at 375 px; with SHOTS,
//                      a screenshot of each at 600 px there (email-NAME.png)
//
// Prints one JSON line: what it saw. Any failed check throws.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const [step, url, arg] = process.argv.slice(2);
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const timeout = 15_000;
const report = { step };

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
  ],
});
const context = await browser.newContext({ viewport: { width: 375, height: 800 }, locale: 'en-US' });
const page = await context.newPage();
const problems = [];
page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
page.on('console', (message) => {
  // A form sent empty is answered 200 with an error: not a console error.
  if (message.type() === 'error') problems.push(`console: ${message.text()}`);
});

async function audit() {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const run = await window.axe.run(document, { resultTypes: ['violations'] });
    return run.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(serious.length === 0, `axe: ${JSON.stringify(serious)}`);
  return result.map((v) => `${v.impact} ${v.id}`);
}

async function narrow() {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 375, `the page scrolls sideways at 375 px (${wide} px wide)`);
}

try {
  if (step !== 'mail') await page.goto(url);
  if (step === 'mail') {
    const { readdirSync } = await import('node:fs');
    report.mails = {};
    for (const file of readdirSync(url).filter((f) => f.endsWith('.html')).sort()) {
      const name = file.slice(0, -'.html'.length);
      await page.setViewportSize({ width: 375, height: 800 });
      await page.goto(`file://${url}/${file}`);
      const axe = await audit();
      await narrow();
      report.mails[name] = { axe, title: await page.title() };
      if (arg) {
        await page.setViewportSize({ width: 600, height: 800 });
        await page.screenshot({ path: `${arg}/email-${name}.png`, fullPage: true });
      }
    }
  } else if (step === 'apply') {
    await page.waitForSelector('form#apply', { timeout });
    report.title = await page.textContent('h1');
    report.terms = await page.$$eval('section li', (items) => items.map((li) => li.textContent));
    report.axe = await audit();
    await narrow();
    // The keyboard alone reaches the form's first field.
    let reached = false;
    for (let i = 0; i < 10 && !reached; i += 1) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'name');
    }
    check(reached, 'Tab does not reach the name field');
    // Sent empty: the server names the field, the page shows it there.
    await page.click('button[type="submit"]');
    await page.waitForSelector('#name[aria-invalid="true"]', { timeout });
    report.fieldError = await page.textContent('#name-error');
    await page.fill('#name', arg || 'Ann Example');
    await page.fill('#email', 'ann@example.com');
    await page.fill('#website', 'https://ann.example');
    await page.fill('#country', 'DE');
    const question = await page.$('textarea[data-question]');
    if (question) await question.fill('My cycling blog');
    // Enter in a field sends the form (in the answer's text area it would
    // start a new line).
    await page.focus('#email');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-state="applied"]', { timeout });
    report.applied = await page.textContent('[data-state="applied"]');
    report.axeAfter = await audit();
  } else if (step === 'confirm') {
    await page.waitForSelector('[data-state="confirmed"], [data-state="confirm-refused"]', { timeout });
    report.state = await page.getAttribute('[data-state]', 'data-state');
    report.text = await page.textContent('[data-state]');
    report.fragment = await page.evaluate(() => location.hash);
    report.axe = await audit();
  } else if (step === 'portal') {
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Overview', null, { timeout });
    // The program's name arrives with the portal's first answer, maybe
    // after the page's heading.
    await page
      .waitForFunction((name) => document.querySelector('.top .brand')?.textContent.includes(name), arg, { timeout })
      .catch(() => {});
    report.program = await page.textContent('.top .brand');
    check(report.program.includes(arg), `the portal's header names ${arg}: ${report.program}`);
  } else if (step === 'sign-in') {
    await page.waitForSelector('#sign-in-email', { timeout });
    report.axe = await audit();
    await narrow();
    await page.fill('#sign-in-email', arg);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-state="sign-in-sent"]', { timeout });
    report.sent = await page.textContent('[data-state="sign-in-sent"]');
  } else {
    throw new Error(`no step ${step}`);
  }
  check(problems.length === 0, `the page reported: ${problems.join('; ')}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
