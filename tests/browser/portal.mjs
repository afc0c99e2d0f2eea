// Drives the partner portal in headless Chromium for tests/api/portal.rs:
//
//   node portal.mjs PLAN.json
//
// PLAN names the server (`base`), the sign-in links (`link`, `spent`,
// `expired`), another partner's deal and payout (`otherDeal`,
// `otherPayout`), what each write should make, and where screenshots go
// (`screenshots`). The script signs in, opens every page, compares every
// figure the page shows with what the API answers for the same token
// (`data-figure` elements: their exact amount, and the text the browser's
// Intl makes of it in the page's language), makes one write per page,
// runs axe-core on every page, checks every page at 375 px and with the
// keyboard alone, and prints one JSON line: what it checked. Any failed
// check throws. The partner reads English: every heading below is the
// English catalogue's (assets/portal/words-en.js); a language chosen in
// the menu rewrites the page at once (portal-language.mjs reads it in
// French and German).
import { readFileSync } from 'node:fs';
import { check, checks, launch, timeout } from './harness.mjs';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const report = { pages: {}, axe: {}, writes: [], figures: 0, screenshots: [], keyboard: [], narrow: {} };

const PAGES = [
  ['overview', '#/', 'Overview'],
  ['messages', '#/messages', 'Messages'],
  ['commissions', '#/commissions', 'Commissions'],
  ['payouts', '#/payouts', 'Payouts'],
  ['links', '#/links', 'Links'],
  ['codes', '#/codes', 'Referral links'],
  ['campaigns', '#/campaigns', 'Campaigns'],
  ['referrals', '#/referrals', 'Referrals'],
  ['bounties', '#/bounties', 'Bounties'],
  ['resources', '#/resources', 'Resources'],
  ['deals', '#/deals', 'Deals'],
  ['payment', '#/payment', 'Payment details'],
  ['invoices', '#/invoices', 'Invoices'],
  ['postbacks', '#/postbacks', 'Postbacks'],
];

const { browser, page, problems } = await launch();
const { settled, open, audit, shoot, api, figures, same } = checks(page, report, {
  sessionKey: 'revshare.portal.session',
  screenshots: plan.screenshots,
});

const plus = (...amounts) => {
  // Exact decimal sums of the API's strings, in cents.
  const scale = 2;
  const total = amounts.reduce((sum, a) => {
    const [w, f = ''] = String(a).replace('-', '').split('.');
    const units = BigInt(w + f.padEnd(scale, '0'));
    return sum + (String(a).startsWith('-') ? -units : units);
  }, 0n);
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
};

/** The last six months of the tenant's calendar: from the 15th of the first, to now. */
function sixMonths(timeZone) {
  const now = new Date();
  const [year, month] = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' })
    .format(now).split('-').map(Number);
  return { from: new Date(Date.UTC(year, month - 6, 15)).toISOString(), to: now.toISOString() };
}

try {
  // A spent link and an expired one are refused, each with its reason.
  for (const [which, words] of [['expired', 'expired'], ['spent', 'already used']]) {
    // A new document each time: a link differing only in its fragment
    // would otherwise be a navigation within the page.
    await page.goto('about:blank');
    await page.goto(`${plan.base}${plan[which]}`, { timeout });
    await page.waitForSelector('[data-state="sign-in-refused"]', { timeout });
    const text = await page.textContent('[data-state="sign-in-refused"]');
    check(text.includes(words), `the ${which} link says "${text}"`);
    await audit(`sign-in-${which}`);
    report.pages[`sign-in-${which}`] = text;
  }

  // Signing in: the first page, interactive, timed.
  await page.goto('about:blank');
  const started = Date.now();
  await page.goto(`${plan.base}${plan.link}`, { timeout });
  await page.waitForSelector('[data-figure^="balance."]', { timeout });
  report.firstPageMs = Date.now() - started;
  check(!(await page.evaluate(() => location.hash.includes('code='))), 'the code stays in the address');

  // The program's announcement (SPEC §37): a banner above the page, as
  // plain text, until dismissed — and gone on the next page too.
  await page.waitForSelector('section.banner', { timeout });
  const banner = (await page.textContent('section.banner')) || '';
  check(banner.includes('Spring launch') && banner.includes('New plans are live.\nTell your audience.'), `the banner: ${banner}`);
  check((await page.getAttribute('section.banner a', 'href')) === 'https://acme.example/spring', 'the banner links to its page');
  await page.click('section.banner button:has-text("Dismiss")');
  await page.waitForSelector('section.banner', { state: 'detached', timeout });
  const left = (await api('{ viewer { partner { announcements { id } } } }', {})).viewer.partner.announcements;
  check(left.length === 0, `nothing left to show: ${JSON.stringify(left)}`);
  report.writes.push('announcement dismissed');

  for (const [name, hash, title] of PAGES) {
    await open(hash, title);
    const shown = await figures();
    if (name === 'overview') {
      const zone = (await api('{ viewer { tenant { timeZone } } }', {})).viewer.tenant.timeZone;
      check(zone === plan.timeZone, `the tenant's time zone: ${zone}`);
      const data = await api(`query($from: DateTime!, $to: DateTime!) { viewer { partner { name balance { currency accrued approved paid } } }
        commissionStats(interval: MONTH, from: $from, to: $to) { start currency accrued approved paid clawedBack } }`,
      sixMonths(zone));
      check(shown['viewer.partner.name'].text === data.viewer.partner.name, 'the partner named in the header');
      // The retainers paying it (SPEC §37): its group's, with its next day.
      const retainers = (await api('{ viewer { partner { retainers { id name nextDueAt } } } }', {})).viewer.partner.retainers;
      check(retainers.length === 1, `one retainer: ${JSON.stringify(retainers)}`);
      const retainer = await page.textContent(`li[data-retainer="${retainers[0].id}"]`);
      check(retainer.includes('Creator stipend') && retainer.includes('$150.00 every month') && retainer.includes('Next payment on'),
        `the retainer as shown: ${retainer}`);
      await page.waitForSelector('[data-figure="viewer.tenant.programName"][data-loaded]', { timeout });
      const program = (await api('{ viewer { tenant { programName } } }', {})).viewer.tenant.programName;
      const brand = await page.textContent('[data-figure="viewer.tenant.programName"]');
      check(brand === program, `the program named in the header: ${brand}`);
      // The language menu (SPEC §38): each language the program offers,
      // named in itself; a choice is the partner's own, and the page is
      // written in it at once.
      check(await page.evaluate(() => document.documentElement.lang) === 'en', 'the page is in English, the partner\'s language');
      const names = await page.$$eval('#portal-language option', (options) => options.map((o) => o.textContent));
      check(JSON.stringify(names) === JSON.stringify(['English', 'Français', 'Deutsch']), `the languages offered: ${names}`);
      for (const [language, heading, payouts] of [['fr', 'Vue d’ensemble', 'Paiements'], ['en', 'Overview', 'Payouts']]) {
        await page.selectOption('#portal-language', language);
        await page.waitForSelector(`#portal-language[data-language="${language}"]`, { timeout });
        await page.waitForFunction((l) => document.documentElement.lang === l, language, { timeout });
        await settled(heading);
        const link = await page.textContent('nav a[href="#/payouts"]');
        check(link === payouts, `the navigation in ${language} reads "${link}"`);
        const chosen = (await api('{ viewer { partner { language } } }', {})).viewer.partner.language;
        check(chosen === language, `the partner's language is ${chosen}, chosen ${language}`);
      }
      report.writes.push('language');
      for (const b of data.viewer.partner.balance) {
        for (const status of ['accrued', 'approved', 'paid']) await same(shown, `balance.${b.currency}.${status}`, b[status], b.currency);
      }
      check(data.commissionStats.length === 6, 'six months of stats');
      for (const s of data.commissionStats) {
        await same(shown, `earned.${s.currency}.${s.start.slice(0, 7)}`, plus(s.accrued, s.approved, s.paid, s.clawedBack), s.currency);
      }
      // Six bars, each named by its month in the tenant's calendar.
      const months = await page.$$eval('table.figures tbody th', (cells) => cells.map((c) => c.textContent.trim()));
      const expected = await page.evaluate(([starts, timeZone]) => starts.map((at) => new Intl.DateTimeFormat(document.documentElement.lang,
        { month: 'short', year: 'numeric', timeZone }).format(new Date(at))), [data.commissionStats.map((s) => s.start), zone]);
      check(JSON.stringify(months) === JSON.stringify(expected), `months shown ${months}, the tenant's ${expected}`);
      const tiers = await page.$$eval('.tier progress', (bars) => bars.length);
      check(tiers > 0, 'tier progress is shown');
      // The program's message not read yet, counted beside Messages.
      const unread = (await api('{ viewer { unreadMessages } }')).viewer.unreadMessages;
      check(unread === 1, `one message unread: ${unread}`);
      await page.waitForSelector('nav a[href="#/messages"] [data-figure="viewer.unreadMessages"]', { timeout });
      const badge = await page.textContent('nav a[href="#/messages"] [data-figure="viewer.unreadMessages"]');
      check(badge.startsWith('1'), `the unread count beside Messages: ${badge}`);
      report.figures += 1;
    }
    if (name === 'messages') {
      // The body as the text it is: no element made of it, its link an anchor.
      await page.waitForSelector('li[data-from="STAFF"]', { timeout });
      const body = await page.textContent('li[data-from="STAFF"] .plain-text');
      check(body === plan.message, `the message as sent: ${body}`);
      const made = await page.$$eval('li[data-from="STAFF"] .plain-text *', (els) => els.map((e) => e.tagName));
      check(JSON.stringify(made) === '["A"]', `only its link is an element: ${made}`);
      const href = await page.getAttribute('li[data-from="STAFF"] .plain-text a', 'href');
      check(href === 'https://acme.example/terms', `the link: ${href}`);
      // Opened, it is read: the count goes.
      await page.waitForFunction(() => !document.querySelector('nav [data-figure="viewer.unreadMessages"]'), null, { timeout });
      const read = await api('{ viewer { unreadMessages } }');
      check(read.viewer.unreadMessages === 0, 'opening the thread read it');
      await page.fill('#message-body', 'Thanks, <i>noted</i>.');
      await page.click('form:has(#message-body) button[type="submit"]');
      await page.waitForSelector('li[data-from="PARTNER"]', { timeout });
      const mine = await api('{ viewer { partner { messages(first: 1) { edges { node { from body } } } } } }');
      const last = mine.viewer.partner.messages.edges[0].node;
      check(last.from === 'PARTNER' && last.body === 'Thanks, <i>noted</i>.', `the reply: ${JSON.stringify(last)}`);
      report.writes.push('message');
    }
    if (name === 'commissions') {
      const data = await api('{ commissions(first: 25) { totalCount nodes { id amount currency } } }');
      check(shown['commissions.totalCount'].text.startsWith(String(data.commissions.totalCount)), 'the count of commissions');
      for (const c of data.commissions.nodes) await same(shown, `commission.${c.id}.amount`, c.amount, c.currency);
      // A breakdown opens with its button.
      const first = data.commissions.nodes[0].id;
      await page.click(`tbody[data-commission="${first}"] button[aria-controls]`);
      check(await page.isVisible(`#breakdown-${first}`), 'the breakdown opens');
      const lines = await page.$$eval(`#breakdown-${first} li`, (items) => items.length);
      check(lines > 0, 'the breakdown has its lines');
    }
    if (name === 'payouts') {
      const data = await api('{ viewer { partner { payouts(first: 100) { nodes { id amount currency statementNumber } } } } }');
      const payouts = data.viewer.partner.payouts.nodes;
      check(payouts.length > 0, 'a payout is listed');
      for (const p of payouts) await same(shown, `payout.${p.id}.amount`, p.amount, p.currency);
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout }),
        page.click(`tr[data-payout="${payouts[0].id}"] td:nth-child(2) button`),
      ]);
      const path = await download.path();
      check(readFileSync(path).subarray(0, 5).toString() === '%PDF-', 'the statement is a PDF');
      check(download.suggestedFilename() === `statement-${payouts[0].statementNumber}.pdf`, 'the statement is named by its number');
      report.statement = download.suggestedFilename();
      // One payout's page lists its lines.
      await page.click(`tr[data-payout="${payouts[0].id}"] a`);
      await settled(`Payout ${payouts[0].statementNumber}`);
      const detail = await api('query($id: ID!) { payout(id: $id) { amount currency commissions(first: 500) { nodes { id amount currency } } } }', { id: payouts[0].id });
      const lines = await figures();
      for (const c of detail.payout.commissions.nodes) await same(lines, `line.${c.id}.amount`, c.amount, c.currency);
      await open('#/payouts', 'Payouts');
    }
    if (name === 'links') {
      const data = await api('{ viewer { partner { links { nodes { key shortUrl clicks ignoredClicks archivedAt } } } } }');
      for (const l of data.viewer.partner.links.nodes.filter((n) => !n.archivedAt)) {
        check(shown[`link.${l.key}.clicks`].text === String(l.clicks), `clicks of the link ${l.key}`);
        check(shown[`link.${l.key}.ignored`].text === String(l.ignoredClicks), `ignored clicks of the link ${l.key}`);
        check(shown[`link.${l.key}.url`].text === l.shortUrl, `the short URL of ${l.key}`);
        report.figures += 3;
      }
      // The visit from a domain the program does not pay for, by why.
      check(shown['link.ada.ignored'].text === '1', 'the ignored visit on the links table');
      check(shown['ignored.LISTED_DOMAIN'].text === '1', 'the ignored visit by its reason');
      report.figures += 2;
      await page.fill('#link-key', plan.newLink);
      await page.click('form button[type="submit"]');
      await page.waitForSelector(`tr[data-link="${plan.newLink}"]`, { timeout });
      check((await page.textContent(`[data-figure="link.${plan.newLink}.url"]`)) === `https://go.acme.test/${plan.newLink}`, 'the new link is on the link domain');
      report.writes.push('partner link');
    }
    if (name === 'codes') {
      const data = await api('{ viewer { tenantId partner { referralCodes { code clicks customers } } } }');
      for (const c of data.viewer.partner.referralCodes) {
        check(shown[`code.${c.code}.clicks`].text === String(c.clicks), `clicks of ${c.code}`);
        check(shown[`code.${c.code}.customers`].text === String(c.customers), `customers of ${c.code}`);
        check(shown[`code.${c.code}.link`].text === `${plan.base}/r/${data.viewer.tenantId}/${c.code}`, `the link of ${c.code}`);
        report.figures += 3;
      }
      await page.fill('#code-text', plan.newCode);
      await page.click('form button[type="submit"]');
      await page.waitForSelector(`tr[data-code="${plan.newCode}"]`, { timeout });
      report.writes.push('referral code');
    }
    if (name === 'campaigns') {
      const data = await api('{ campaigns(first: 100) { nodes { id name } } }');
      const listed = await page.$$eval('li[data-campaign] h2', (hs) => hs.map((h) => h.textContent));
      check(JSON.stringify(listed) === JSON.stringify(data.campaigns.nodes.map((c) => c.name)), `campaigns: ${listed} vs the API's`);
      // The terms the partner earns by, in words, on the campaign it is in.
      const terms = await api('{ campaigns(first: 100) { nodes { id isDefault } } viewer { partner { termsInForce { inWords } } } }');
      const home = terms.campaigns.nodes.find((c) => c.isDefault).id;
      const words = terms.viewer.partner.termsInForce.inWords;
      check(words.some((w) => w.includes(' when ')), `a condition in words among ${words}`);
      await page.waitForFunction(([id, n]) => document.querySelectorAll(`li[data-campaign="${id}"] .terms li`).length === n, [home, words.length], { timeout });
      const read = await page.$$eval(`li[data-campaign="${home}"] .terms li`, (ls) => ls.map((l) => l.textContent));
      check(JSON.stringify(read) === JSON.stringify(words), `terms: ${read} vs the API's ${words}`);
      report.figures += words.length;
      await page.click(`li[data-campaign="${plan.applyTo}"] button[type="submit"]`);
      await page.waitForFunction((id) => document.querySelector(`li[data-campaign="${id}"]`)?.textContent.includes('Application pending'), plan.applyTo, { timeout });
      const request = await api('query($c: ID!) { partnershipRequests(campaignId: $c) { nodes { status } } }', { c: plan.applyTo });
      check(request.partnershipRequests.nodes[0].status === 'PENDING', 'the application is pending');
      report.writes.push('application');
    }
    if (name === 'referrals') {
      const data = await api('{ viewer { tenantId partner { referralCodes { code archivedAt } recruits { name earned { amount currency } } } } campaigns(first: 100) { nodes { id visibility } } }');
      const recruits = data.viewer.partner.recruits;
      check(recruits.length > 0, 'the partner has a recruit to show');
      for (const [i, r] of recruits.entries()) {
        for (const e of r.earned) await same(shown, `recruit.${i}.${e.currency}`, e.amount, e.currency);
      }
      const code = data.viewer.partner.referralCodes.find((c) => !c.archivedAt);
      const open = data.campaigns.nodes.find((c) => c.visibility === 'PUBLIC');
      check(shown['referral.link'].text === `${plan.base}/join/${data.viewer.tenantId}/${open.id}?via=${code.code}`, 'the link to recruit with');
      check(shown['referral.terms'].text.startsWith('You earn 10 % of each commission'), `the terms: ${shown['referral.terms'].text}`);
      report.figures += 2;
    }
    if (name === 'bounties') {
      const data = await api('{ viewer { partner { bounties { nodes { id name type open goal { value } progress { value } reward { amount currency } } } } } }');
      const bounties = data.viewer.partner.bounties.nodes;
      await page.waitForSelector('[data-figure^="bounty."]', { timeout }).catch(async () => {
        check(false, `no bounty shown: ${await page.textContent('main')}`);
      });
      Object.assign(shown, await figures());
      check(bounties.length === 4, `four bounties: ${bounties.length}`);
      for (const b of bounties) await same(shown, `bounty.${b.id}.reward`, b.reward.amount, b.reward.currency);
      const goal = bounties.find((b) => b.type === 'PERFORMANCE');
      check(shown[`bounty.${goal.id}.progress`].text.trim() === `${goal.progress.value} of ${goal.goal.value} sales`, `progress: ${shown[`bounty.${goal.id}.progress`].text}`);
      report.figures += 1;
      // A bounty of 30 days from each partner's join shows the partner's own dates.
      const month = bounties.find((b) => b.name === 'First month');
      check(shown[`bounty.${month.id}.dates`].text !== shown[`bounty.${goal.id}.dates`].text, `the window's own dates: ${shown[`bounty.${month.id}.dates`].text}`);
      check((await page.textContent('main')).includes('30 days from when you joined'), 'the window is explained');
      report.figures += 1;
      // A link that is not one is named at its field; then the work is submitted.
      const work = bounties.find((b) => b.type === 'SUBMISSION' && b.open);
      await page.fill(`#urls-${work.id}`, 'not a link');
      await page.click(`form:has(#urls-${work.id}) button:text("Submit")`);
      await page.waitForSelector(`#urls-${work.id}-error`, { timeout });
      await page.fill(`#urls-${work.id}`, 'https://ada.example/review');
      await page.fill(`#description-${work.id}`, 'My review');
      await page.click(`form:has(#urls-${work.id}) button:text("Submit")`);
      await page.waitForSelector('li[data-submission]', { timeout });
      const mine = await api('query($b: ID!) { bounty(id: $b) { submissions { nodes { status urls description } } } }', { b: work.id });
      const s = mine.bounty.submissions.nodes;
      check(s.length === 1 && s[0].status === 'SUBMITTED' && s[0].urls[0] === 'https://ada.example/review' && s[0].description === 'My review', `the submission: ${JSON.stringify(s)}`);
      report.writes.push('bounty submission');
    }
    if (name === 'resources') {
      // Its group's guide and banner and every partner's tagline, never
      // another group's logo; the tagline as written, the banner shown
      // small, the guide downloaded whole.
      const data = await api('{ resources { nodes { id kind title text size filename } } }');
      const nodes = data.resources.nodes;
      check(JSON.stringify(nodes.map((r) => r.title)) === JSON.stringify(['Tagline', 'Banner', 'Brand guide']), `the resources: ${JSON.stringify(nodes)}`);
      await page.waitForSelector('[data-figure^="resource."]', { timeout });
      Object.assign(shown, await figures());
      const [tagline, banner, guide] = nodes;
      await page.waitForSelector(`img[data-preview="${banner.id}"]`, { timeout });
      const width = await page.$eval(`img[data-preview="${banner.id}"]`, (img) => img.complete && img.naturalWidth);
      check(width === 1, `the banner's preview: ${width}`);
      check(shown[`resource.${tagline.id}.text`].text === tagline.text, `the tagline: ${shown[`resource.${tagline.id}.text`].text}`);
      check(shown[`resource.${guide.id}.size`].text === '2.1 kB', `the guide's size: ${shown[`resource.${guide.id}.size`].text}`);
      check(!(await page.textContent('main')).includes('Other logo'), "another group's logo is not shown");
      report.figures += 2;
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout }),
        page.click(`li[data-resource="${guide.id}"] button:has-text("Download")`),
      ]);
      const bytes = readFileSync(await download.path());
      check(download.suggestedFilename() === 'brand-guide.pdf' && bytes.length === guide.size && bytes.subarray(0, 5).toString() === '%PDF-',
        `the guide downloaded: ${download.suggestedFilename()}, ${bytes.length} bytes`);
      report.resource = download.suggestedFilename();
    }
    if (name === 'deals') {
      const data = await api('{ deals(first: 100) { nodes { id amount currency } } }');
      for (const d of data.deals.nodes) await same(shown, `deal.${d.id}.amount`, d.amount, d.currency);
      await page.fill('#deal-name', 'Initech pilot');
      await page.fill('#deal-company', 'Initech');
      await page.fill('#deal-domain', 'initech.example');
      await page.fill('#deal-amount', '12000');
      await page.click('form button[type="submit"]');
      await page.waitForFunction(() => document.querySelector('table')?.textContent.includes('Initech pilot'), null, { timeout });
      report.writes.push('deal registration');
      // One deal's page, with its history.
      const mine = data.deals.nodes[0].id;
      await open(`#/deals/${mine}`, (await api('query($id: ID!) { deal(id: $id) { name } }', { id: mine })).deal.name);
      await open('#/deals', 'Deals');
    }
    if (name === 'payment') {
      await page.check('input[value="BANK_TRANSFER"]');
      await page.fill('#method-holder', 'Ada Lovelace Ltd');
      await page.fill('#method-iban', 'DE89 3704 0044 0532 0130 00');
      await page.click('form:has(#method-iban) button[type="submit"]');
      await page.waitForFunction(() => document.querySelector('[data-figure="method.current"]')?.textContent.includes('DE89370400440532013000'), null, { timeout });
      const data = await api('{ viewer { partner { payoutMethod { type iban } } } }');
      check(data.viewer.partner.payoutMethod.iban === 'DE89370400440532013000', 'the method is saved');
      // A wrong IBAN is named at its field.
      await page.fill('#method-iban', 'DE89 3704 0044 0532 0130 01');
      await page.click('form:has(#method-iban) button[type="submit"]');
      await page.waitForSelector('#method-iban-error', { timeout });
      check((await page.getAttribute('#method-iban', 'aria-invalid')) === 'true', 'the IBAN field is marked invalid');
      report.writes.push('payout method');
      // The program pays through Wise: an account in pounds, by its own
      // fields, a sort code a digit short named at its field.
      await page.check('input[value="WISE"]');
      await page.selectOption('#wise-currency', 'GBP');
      await page.selectOption('#wise-legal-type', 'BUSINESS');
      await page.fill('#wise-accountHolder', 'Ada Lovelace Ltd');
      await page.fill('#wise-sortCode', '04-00-7');
      await page.fill('#wise-accountNumber', '3777 8842');
      await page.click('form:has(#wise-sortCode) button[type="submit"]');
      await page.waitForSelector('#wise-sortCode-error', { timeout });
      await page.fill('#wise-sortCode', '04-00-75');
      await page.click('form:has(#wise-sortCode) button[type="submit"]');
      await page.waitForFunction(() => document.querySelector('[data-figure="method.current"]')?.textContent.includes('GBP'), null, { timeout });
      const wise = (await api('{ viewer { partner { payoutMethod { type currency sortCode accountNumber legalType } } } }')).viewer.partner.payoutMethod;
      check(wise.type === 'WISE' && wise.currency === 'GBP' && wise.sortCode === '040075' && wise.accountNumber === '37778842'
        && wise.legalType === 'BUSINESS', `the Wise account is saved: ${JSON.stringify(wise)}`);
      report.writes.push('Wise account');
      // The W-9 in full, with consent to electronic delivery of its forms.
      const w9 = async (zip) => {
        await page.fill('#tax-legal-name', 'Ada Lovelace');
        await page.selectOption('#tax-classification', 'INDIVIDUAL');
        await page.fill('#tax-line1', '1 Main St');
        await page.fill('#tax-city', 'Springfield');
        await page.fill('#tax-state', 'IL');
        await page.fill('#tax-zip', zip);
        await page.fill('#tax-country', 'US');
        await page.selectOption('#tax-tin-type', 'SSN');
        await page.fill('#tax-id', '123-45-6789');
        await page.check('input[name="electronicDelivery"]');
        await page.click('form:has(#tax-id) button[type="submit"]');
      };
      await w9('62704');
      await page.waitForFunction(() => document.querySelector('[data-figure="tax.current"]')?.textContent.includes('6789'), null, { timeout });
      const tax = (await api('{ viewer { partner { taxProfile { status legalName classification address { zip } electronicDeliveryAt } } } }')).viewer.partner.taxProfile;
      check(tax.status === 'SUBMITTED' && tax.legalName === 'Ada Lovelace' && tax.classification === 'INDIVIDUAL'
        && tax.address.zip === '62704' && tax.electronicDeliveryAt, `the W-9 is saved in full: ${JSON.stringify(tax)}`);
      // A ZIP code of four digits is named at its field.
      await w9('6270');
      await page.waitForSelector('#tax-zip-error', { timeout });
      report.writes.push('tax profile');
    }
    if (name === 'invoices') {
      // The VAT details: a changed check digit is named at its field.
      await page.fill('#vat-country', 'DE');
      await page.fill('#vat-id', 'DE136695977');
      await page.click('form:has(#vat-id) button[type="submit"]');
      await page.waitForSelector('#vat-id-error', { timeout });
      await page.fill('#vat-id', 'DE 136 695 976');
      await page.fill('#vat-legal-name', 'Ada Lovelace Ltd');
      await page.click('form:has(#vat-id) button[type="submit"]');
      await page.waitForFunction(() => document.querySelector('[data-figure="vat.current"]')?.textContent.includes('DE136695976'), null, { timeout });
      const vat = (await api('{ viewer { partner { vat { vatId legalName country } } } }')).viewer.partner.vat;
      check(vat.vatId === 'DE136695976' && vat.legalName === 'Ada Lovelace Ltd' && vat.country === 'DE', `the VAT details are saved: ${JSON.stringify(vat)}`);
      // A Kleinunternehmer: not registered for VAT, a small business with
      // its tax number only.
      await page.uncheck('input[name="registered"]');
      await page.check('input[name="smallBusiness"]');
      await page.fill('#vat-id', '');
      await page.fill('#vat-tax-number', '21/815/08150');
      await page.click('form:has(#vat-tax-number) button[type="submit"]');
      await page.waitForFunction(() => document.querySelector('[data-figure="vat.current"]')?.textContent.includes('small business'), null, { timeout });
      const small = (await api('{ viewer { partner { vat { registered smallBusiness taxNumber vatId } } } }')).viewer.partner.vat;
      check(!small.registered && small.smallBusiness && small.taxNumber === '21/815/08150' && small.vatId === null,
        `a small business saves its tax number without a VAT id: ${JSON.stringify(small)}`);
      // A US business: its State is asked for, its EIN is its tax number.
      await page.uncheck('input[name="smallBusiness"]');
      await page.check('input[name="business"]');
      await page.fill('#vat-country', 'US');
      await page.fill('#vat-tax-number', '98-7654321');
      await page.fill('#vat-line1', '1 Main St');
      await page.fill('#vat-city', 'New York');
      await page.fill('#vat-state', 'NY');
      await page.fill('#vat-zip', '10001');
      await page.click('form:has(#vat-tax-number) button[type="submit"]');
      await page.waitForFunction(() => document.querySelector('[data-figure="vat.current"]')?.textContent.includes('(US)'), null, { timeout });
      const us = (await api('{ viewer { partner { vat { business taxNumber address { state } } } } }')).viewer.partner.vat;
      check(us.business && us.taxNumber === '98-7654321' && us.address.state === 'NY', `a US business saves its details: ${JSON.stringify(us)}`);
      report.writes.push('VAT details');
    }
    if (name === 'postbacks') {
      await page.fill('#postback-url', 'https://hooks.example.com/ada');
      await page.check('input[value="COMMISSION_CREATED"]');
      await page.click('form button[type="submit"]');
      await page.waitForSelector('#postback-secret', { timeout });
      check((await page.inputValue('#postback-secret')).startsWith('whsec_'), 'the signing secret is shown once');
      const data = await api('{ webhookEndpoints { nodes { url eventTypes } } }');
      check(data.webhookEndpoints.nodes.some((e) => e.url === 'https://hooks.example.com/ada'), 'the postback is saved');
      report.writes.push('postback');
    }
    await audit(name);
    await shoot(name, 1280);
    report.pages[name] = 'checked';
  }

  // Another partner's objects, by their ids in the address: not found.
  for (const [hash, title] of [[`#/deals/${plan.otherDeal}`, 'Deal'], [`#/payouts/${plan.otherPayout}`, 'Payout']]) {
    await open(hash, title);
    await page.waitForSelector('[data-state="not-found"]', { timeout });
    await audit(`not-found ${title}`);
    report.pages[`other ${title}`] = 'not found';
  }

  // 375 px wide: nothing wider than the screen, the menu behind its button.
  await page.setViewportSize({ width: 375, height: 800 });
  for (const [name, hash, title] of PAGES) {
    await open(hash, title);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 375, `${name} is ${width} px wide at 375`);
    report.narrow[name] = width;
    await audit(`${name} at 375`);
    await shoot(name, 375);
  }
  await page.click('.menu-toggle');
  await page.click('nav a[href="#/payouts"]');
  await settled('Payouts');

  // The keyboard alone: every page reached by Tab and Enter from the top,
  // and one write made without the mouse.
  await page.setViewportSize({ width: 1280, height: 900 });
  for (const [name, hash, title] of PAGES) {
    await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
    await page.focus('body');
    let reached = false;
    // From where the focus last was (the browser keeps its place when it
    // is blurred): through the page's own fields, round to the menu.
    for (let presses = 0; presses < 60 && !reached; presses += 1) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate((h) => document.activeElement?.getAttribute('href') === h, hash);
    }
    check(reached, `Tab reaches the link to ${name}`);
    const focusVisible = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle !== 'none');
    check(focusVisible, `the focused link to ${name} shows its focus`);
    await page.keyboard.press('Enter');
    await settled(title);
    check(await page.evaluate(() => document.activeElement?.id === 'page-title'), `${name}'s heading takes the focus`);
    report.keyboard.push(name);
  }
  await open('#/codes', 'Referral links');
  await page.focus('#code-text');
  await page.keyboard.type(plan.keyboardCode);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`tr[data-code="${plan.keyboardCode}"]`, { timeout });
  report.writes.push('referral code by keyboard');

  // Signing out ends the session: the token is not renewed.
  await page.click('text=Sign out');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Partner portal', null, { timeout });

  // A brand's app opens the portal with an embed token.
  await page.goto('about:blank');
  await page.goto(`${plan.base}/portal/#token=${plan.embedToken}`, { timeout });
  await settled('Overview');
  check((await page.textContent('[data-figure="viewer.partner.name"]')) === plan.partnerName, 'the embedded portal is the partner\'s');
  check(!(await page.evaluate(() => location.hash.includes('token='))), 'the token leaves the address');
  report.pages.embedded = 'checked';
  check(problems.length === 0, `the page reported problems: ${problems.join('; ')}`);
  console.log(JSON.stringify(report));
} finally {
  await browser.close();
}
