// The partner portal in the partner's language, in a browser set to
// another language and another time zone (SPEC §38):
//
//   node portal-language.mjs PLAN.json
//
// PLAN names the server (`base`); a sign-in link of a French partner
// (`link`); the tenant's time zone (`timeZone`); a commission of that
// partner of exactly 1234.56 EUR (`commission`) and the day it was
// earned in the tenant's calendar (`day`, `YYYY-MM-DD`); a spent sign-in
// link naming its program, German and a page (`spent`: `/portal/#code=…
// &tenant=…&lang=de&to=/payouts/…`) and the address it was sent to
// (`email`); and, if given, a notification's link to one of the
// partner's pages (`notification`: `/portal/#/payouts/…?tenant=…&lang=fr
// &email=…`). The browser runs in Japanese (`ja-JP`) in Los Angeles
// (`browserLocale`, `browserZone` override them).
//
// Signed in, the portal is French — `<html lang="fr">`, its navigation,
// the amount as `1 234,56 €` (a narrow no-break space between the
// thousands, a no-break space before the sign), the day in the tenant's
// calendar — never the browser's Japanese; the menu switches it to
// German at once (`1.234,56 €`); a notification's link opens its page and
// leaves the address without its parameters. Signed out, the spent link
// shows the program's German sign-in form, the address it was sent to
// filled in (the error's `extensions.email`) and a notice that a new link
// can be sent, which sending does; a notification's link shows the French
// form with its address. axe-core runs on each. Prints one JSON line:
// what it saw. Any failed check throws.
import { readFileSync } from 'node:fs';
import { check, checks, launch, timeout } from './harness.mjs';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const browserLocale = plan.browserLocale || 'ja-JP';
const browserZone = plan.browserZone || 'America/Los_Angeles';
const { browser, problems } = await launch();
const report = { browser: {}, axe: {}, screenshots: [], figures: 0 };

// CLDR's amounts, as Chromium's Intl writes them.
const AMOUNTS = { fr: '1\u202f234,56\u00a0€', de: '1.234,56\u00a0€' };
// What each language calls the pages the checks read.
const WORDS = {
  fr: { commissions: 'Commissions', payouts: 'Paiements', overview: 'Vue d’ensemble', portal: 'Portail partenaires', zone: 'Heures en' },
  de: { commissions: 'Provisionen', payouts: 'Auszahlungen', overview: 'Übersicht', portal: 'Partnerportal', zone: 'Zeiten in' },
};

/** A page of a context in the browser's language and zone, its failures collected. */
async function opened(context) {
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  return page;
}

const lang = (page) => page.evaluate(() => document.documentElement.lang);
const text = async (page, selector) => (await page.textContent(selector))?.trim() ?? null;

/** `day` (`YYYY-MM-DD`) as `language` writes a day (`10 mars 2026`, `10.03.2026`). */
function dayIn(language, day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d, 12)));
}

/** The portal in `language`: its navigation, the commission's day and amount, the zone it says. */
async function readIn(page, tools, language) {
  const words = WORDS[language];
  await page.waitForFunction((l) => document.documentElement.lang === l, language, { timeout });
  await tools.open('#/commissions', words.commissions);
  const row = `tbody[data-commission="${plan.commission}"]`;
  await page.waitForSelector(row, { timeout });
  const seen = {
    lang: await lang(page),
    title: await page.title(),
    nav: {
      commissions: await text(page, 'nav a[href="#/commissions"]'),
      payouts: await text(page, 'nav a[href="#/payouts"]'),
    },
    day: await text(page, `${row} td:first-child`),
    amount: await text(page, `[data-figure="commission.${plan.commission}.amount"]`),
    zone: await text(page, '[data-figure="viewer.tenant.timeZone"]'),
  };
  check(seen.lang === language, `<html lang="${seen.lang}">, the partner's language is ${language}`);
  check(seen.nav.commissions === words.commissions && seen.nav.payouts === words.payouts,
    `the navigation in ${language}: ${JSON.stringify(seen.nav)}`);
  check(seen.title.startsWith(`${words.commissions} · ${words.portal}`), `the document's title in ${language}: ${seen.title}`);
  const amount = await page.getAttribute(`[data-figure="commission.${plan.commission}.amount"]`, 'data-amount');
  check(amount === '1234.56', `the commission's exact amount: ${amount}`);
  check(seen.amount === AMOUNTS[language], `the amount in ${language}: ${JSON.stringify(seen.amount)}, CLDR's ${JSON.stringify(AMOUNTS[language])}`);
  check(seen.day === dayIn(language, plan.day), `the day in ${language}: "${seen.day}", the tenant's ${plan.day} is "${dayIn(language, plan.day)}"`);
  check(seen.zone === `${words.zone} ${plan.timeZone}`, `the zone said in ${language}: ${seen.zone}`);
  report.figures += 2;
  await tools.audit(`commissions-${language}`);
  return seen;
}

try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 }, locale: browserLocale, timezoneId: browserZone,
  });
  const page = await opened(context);
  const tools = checks(page, report, { sessionKey: 'revshare.portal.session', screenshots: plan.screenshots });

  // Signed in through the link: French, whatever the browser says.
  await page.goto(`${plan.base}${plan.link}`, { timeout });
  report.browser = await page.evaluate(() => ({
    locale: navigator.language, zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  }));
  check(report.browser.locale === browserLocale && report.browser.zone === browserZone, `the browser: ${JSON.stringify(report.browser)}`);
  await page.waitForSelector('nav a[href="#/payouts"]', { timeout });
  check(!(await page.evaluate(() => location.hash.includes('code='))), 'the code stays in the address');
  report.french = await readIn(page, tools, 'fr');

  // A notification's link, signed in: its page, the parameters gone.
  if (plan.notification) {
    const route = plan.notification.split('#')[1].split('?')[0];
    await page.goto(`${plan.base}${plan.notification}`, { timeout });
    await page.waitForFunction((r) => location.hash === `#${r}` && document.querySelector('h1') && !document.querySelector('.loading'), route, { timeout });
    report.notificationSignedIn = { address: await page.evaluate(() => location.hash), heading: await text(page, 'h1'), lang: await lang(page) };
    check(report.notificationSignedIn.lang === 'fr', `a notification's link leaves the partner's language: ${report.notificationSignedIn.lang}`);
  }

  // The menu: German, at once, and the partner's from now on.
  await page.selectOption('#portal-language', 'de');
  await page.waitForSelector('#portal-language[data-language="de"]', { timeout });
  const chosen = (await tools.api('{ viewer { partner { language } } }')).viewer.partner.language;
  check(chosen === 'de', `the partner's language is ${chosen}`);
  report.german = await readIn(page, tools, 'de');

  // A spent sign-in link: the program's sign-in form in the link's
  // language, the address it was sent to filled in; sending one is the
  // way on. A new tab: signed out.
  const spent = await opened(context);
  const spentTools = checks(spent, report, { sessionKey: 'revshare.portal.session' });
  const link = new URLSearchParams(plan.spent.split('#')[1]);
  await spent.goto(`${plan.base}${plan.spent}`, { timeout });
  await spent.waitForSelector('#sign-in-email', { timeout });
  await spent.waitForSelector('[data-state="sign-in-refused"]', { timeout });
  report.spent = {
    lang: await lang(spent),
    heading: await text(spent, 'h1'),
    notice: await text(spent, '[data-state="sign-in-refused"]'),
    email: await spent.inputValue('#sign-in-email'),
    label: await text(spent, 'label[for="sign-in-email"]'),
    address: await spent.evaluate(() => location.hash),
  };
  check(report.spent.lang === link.get('lang'), `the sign-in page's <html lang="${report.spent.lang}">, the link's ${link.get('lang')}`);
  check(report.spent.heading === WORDS.de.portal, `the sign-in page's heading: ${report.spent.heading}`);
  check(report.spent.notice.includes('bereits benutzt') && report.spent.notice.includes('neuen'), `the notice: ${report.spent.notice}`);
  check(report.spent.label === 'Ihre E-Mail-Adresse', `the field's label: ${report.spent.label}`);
  check(report.spent.email === plan.email, `the address filled in: "${report.spent.email}", sent to ${plan.email}`);
  const kept = `#${link.get('to')}?tenant=${encodeURIComponent(link.get('tenant'))}&lang=${link.get('lang')}`;
  check(report.spent.address === kept, `the address keeps the page, program and language, not the code: ${report.spent.address}`);
  await spentTools.audit('sign-in-spent-de');
  await spent.click('form.sign-in-form button[type="submit"]');
  await spent.waitForSelector('[data-state="sign-in-sent"]', { timeout });
  report.spent.sent = await text(spent, '[data-state="sign-in-sent"]');
  check(report.spent.sent.includes(plan.email) && report.spent.sent.includes('Anmeldelink'), `the link is on its way, in German: ${report.spent.sent}`);

  // A notification's link, signed out: the French form, its address filled in.
  if (plan.notification) {
    const signedOut = await opened(context);
    const notified = new URLSearchParams(plan.notification.split('?')[1]);
    await signedOut.goto(`${plan.base}${plan.notification}`, { timeout });
    await signedOut.waitForSelector('#sign-in-email', { timeout });
    report.notificationSignedOut = {
      lang: await lang(signedOut),
      heading: await text(signedOut, 'h1'),
      email: await signedOut.inputValue('#sign-in-email'),
    };
    check(report.notificationSignedOut.lang === notified.get('lang'), `the notification's sign-in page: <html lang="${report.notificationSignedOut.lang}">`);
    check(report.notificationSignedOut.heading === WORDS[notified.get('lang')].portal, `its heading: ${report.notificationSignedOut.heading}`);
    check(report.notificationSignedOut.email === (notified.get('email') || ''), `its address filled in: ${report.notificationSignedOut.email}`);
    await checks(signedOut, report, { sessionKey: 'revshare.portal.session' }).audit('sign-in-notification');
  }

  check(problems.length === 0, `the page reported problems: ${problems.join('; ')}`);
  console.log(JSON.stringify(report));
} finally {
  await browser.close();
}
