// Drives the brand's console in headless Chromium for tests/api/console.rs:
//
//   node console.mjs PLAN.json
//
// PLAN names the server (`base`), sign-in links (`link`, `spent`,
// `viewer`), the partner and the day the finance path pays to, where
// downloads and screenshots go. The script signs in (timing the first page
// until it is interactive), opens every page (axe-core at 1280 and 375 px,
// nothing wider than 375 px, a screenshot of each), compares figures with
// what the API answers for the same session (the overview's counts and
// unpaid money, a partner's balances, a payout's amount), clicks finance's
// monthly path through — approve the pending commissions, preview and
// create a run, download the SEPA and PayPal files, mark every payout
// paid, download a statement — reaches every page with the keyboard
// alone, checks that a viewer is shown no write, and signs out. It prints
// one JSON line: what it checked and where the files went. Any failed
// check throws.
import { readFileSync } from 'node:fs';
import { check, checks, launch, timeout } from './harness.mjs';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
/** The same JSON, whatever the order of its objects' keys. */
const canonical = (value) => (Array.isArray(value) ? value.map(canonical)
  : value && typeof value === 'object' ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])])) : value);
const sameJson = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

const report = { pages: {}, axe: {}, narrow: {}, figures: 0, counts: {}, files: {}, path: [], keyboard: [], screenshots: [] };

const PAGES = [
  ['overview', '#/', 'Overview'],
  ['partners', '#/partners', 'Partners'],
  ['partner', `#/partners/${plan.partner}`, plan.partnerName],
  ['applications', '#/applications', 'Applications'],
  ['inbox', '#/inbox', 'Inbox'],
  ['broadcasts', '#/broadcasts', 'Broadcasts'],
  ['workflows', '#/workflows', 'Workflows'],
  ['fraud', '#/fraud', 'Fraud'],
  ['bounties', '#/bounties', 'Bounties'],
  ['retainers', '#/retainers', 'Retainers'],
  ['announcements', '#/announcements', 'Announcements'],
  ['resources', '#/resources', 'Resources'],
  ['commissions', '#/commissions', 'Commissions'],
  ['payouts', '#/payouts', 'Payouts'],
  ['year-end', '#/year-end', 'Year-end'],
  ['groups', '#/groups', 'Groups'],
  ['group', `#/groups/${plan.group}`, plan.groupName],
  ['campaigns', '#/campaigns', 'Campaigns'],
  ['backtest', '#/backtest', 'Backtest'],
  ['events', '#/events', 'Held events'],
  ['connectors', '#/connectors', 'Connectors'],
  ['import', '#/import', 'Import'],
  ['activity', '#/activity', 'Activity'],
  ['settings', '#/settings', 'Settings'],
];

const { browser, page, problems } = await launch();
const { settled, open, audit, shoot, api, figures, same: sameIn } = checks(page, report, {
  sessionKey: 'revshare.console.session',
  screenshots: plan.screenshots,
});

/** The figure `name` on the page is `amount` in `currency`. */
async function same(name, amount, currency) {
  await sameIn(await figures(), name, amount, currency);
}

async function count(name) {
  const text = await page.textContent(`[data-count="${name}"]`);
  return Number(text.replace(/[^0-9]/g, ''));
}

/** Saves what a click downloads under the plan's directory. */
async function saved(click, name) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout }), click()]);
  const path = `${plan.downloads}/${name}`;
  await download.saveAs(path);
  report.files[name] = { path, suggested: download.suggestedFilename() };
  return path;
}

try {
  // A spent link is refused with its reason.
  await page.goto(`${plan.base}${plan.spent}`, { timeout });
  await page.waitForSelector('[data-state="sign-in-refused"]', { timeout });
  const refused = await page.textContent('[data-state="sign-in-refused"]');
  check(refused.includes('already used'), `the spent link says "${refused}"`);
  await audit('sign-in-refused');
  await shoot('sign-in', 1280);

  // Signing in: the first page, interactive, timed from navigation.
  await page.goto('about:blank');
  const started = Date.now();
  await page.goto(`${plan.base}${plan.link}`, { timeout });
  await settled('Overview');
  await page.waitForSelector('[data-count="applications"]', { timeout });
  report.firstPageMs = Date.now() - started;
  check(!(await page.evaluate(() => location.hash.includes('code='))), 'the code leaves the address');
  check((await page.textContent('[data-figure="viewer.email"]')) === plan.email, 'the header names the person');

  // Every page at 1280 px.
  for (const [name, hash, title] of PAGES) {
    await open(hash, title);
    await audit(name);
    await shoot(name, 1280);
    report.pages[name] = 'checked';
  }

  // The overview's counts and money are the API's for the same session.
  await open('#/', 'Overview');
  const queues = await api(`{
    partnerApplications(status: PENDING) { totalCount }
    fraudFlags(status: OPEN) { totalCount }
    unattributedEvents { totalCount }
    billingConnectors { eventsIgnored } }`);
  for (const [name, expected] of [
    ['applications', queues.partnerApplications.totalCount],
    ['fraud', queues.fraudFlags.totalCount],
    ['events', queues.unattributedEvents.totalCount],
    ['ignored', queues.billingConnectors.reduce((sum, c) => sum + c.eventsIgnored, 0)],
  ]) {
    const shown = await count(name);
    check(shown === expected, `the overview counts ${shown} ${name}, the API ${expected}`);
    report.counts[name] = shown;
  }
  const totals = await api('{ programTotals { currency accrued approved paid } }');
  for (const total of totals.programTotals) {
    for (const state of ['accrued', 'approved', 'paid']) {
      await same(`overview.totals.${total.currency}.${state}`, total[state], total.currency);
    }
  }

  // A partner's balances, as the API answers them; finance sets where it
  // is paid from its page (the run below pays it by that method).
  await open(`#/partners/${plan.partner}`, plan.partnerName);
  await page.click('text=Set a payout method…');
  await page.selectOption('#set-method-type', 'BANK_TRANSFER');
  await page.fill('#set-method-iban', plan.bank.iban);
  await page.fill('#set-method-bic', plan.bank.bic);
  await page.fill('#set-method-holder', plan.bank.holder);
  await page.click('text=Save the payout method');
  await page.waitForSelector('[data-state="payout-method"]:has-text("3000")', { timeout });
  const set = await api('query($id: ID!) { partner(id: $id) { payoutMethod { type bic accountHolder } } }', { id: plan.partner });
  check(set.partner.payoutMethod && set.partner.payoutMethod.type === 'BANK_TRANSFER'
    && set.partner.payoutMethod.accountHolder === plan.bank.holder, 'the method set in the console');
  const partner = await api('query($id: ID!) { partner(id: $id) { balance { currency accrued approved paid } } }', { id: plan.partner });
  check(partner.partner.balance.length > 0, 'the partner has balances');
  for (const balance of partner.partner.balance) {
    for (const state of ['accrued', 'approved', 'paid']) {
      await same(`partner.balance.${balance.currency}.${state}`, balance[state], balance.currency);
    }
  }
  // Staff set the partner's language (SPEC §38), among those offered.
  await page.click('text=Set the language…');
  await page.selectOption('#partner-language', 'de');
  await page.click(`text=Set the language of ${plan.partnerName}`);
  await page.waitForSelector('[data-state="partner-language"][data-language="de"]', { timeout });
  const language = (await api('query($id: ID!) { partner(id: $id) { language } }', { id: plan.partner })).partner.language;
  check(language === 'de' && (await page.textContent('[data-state="partner-language"]')) === 'Deutsch',
    `the partner's language set in the console: ${language}`);

  // Seed 000's rules with its simulation beside them: 74.98 as the
  // specification says, and the API's answer again after an edit.
  const SIMULATE = `mutation($rules: [GroupRuleInput!]!) { simulatePartnerGroupRules(rules: $rules,
    simulation: { chargeAmount: "299.9", customerMonths: 2, partnerLtv: "4500" }) { finalFee currency } }`;
  const simulated = async (percentage) => (await api(SIMULATE, { rules: [
    { newCustomerTimeTier: { maxMonths: 3, percentage } }, { recurring: { percentage: '10' } },
  ] })).simulatePartnerGroupRules;
  await open(`#/groups/${plan.seedGroup}`, 'Seed 000');
  const fee = (amount) => page.waitForSelector(`[data-figure="simulation.finalFee"][data-amount="${amount}"]`, { timeout });
  const before = await simulated('25');
  await fee(before.finalFee);
  await same('simulation.finalFee', before.finalFee, before.currency);
  await shoot('group', 1280);
  report.simulation = [before.finalFee];
  await page.locator('input[id^="group-rule-"][id$="-percentage"]').first().fill('20');
  const after = await simulated('20');
  await fee(after.finalFee);
  await same('simulation.finalFee', after.finalFee, after.currency);
  report.simulation.push(after.finalFee);
  // The group's referral rule and spend cap (SPEC §31), saved as set,
  // from the page as the API answers it (the rules as they were).
  await page.reload();
  await settled('Seed 000');
  await page.selectOption('#group-referral-trigger', 'COMMISSION');
  await page.fill('#group-referral-percentage', '10');
  await page.fill('#group-referral-months', '12');
  await page.fill('#group-cap-amount', '500');
  await page.selectOption('#group-cap-period', 'WEEK');
  // The traffic its partners' clicks earn nothing from (SPEC §37).
  await page.check('form.group-form input[name="ignoreSearchEngines"]');
  await page.fill('#group-ignored-domains', 'ChatGPT.com\nperplexity.ai');
  await page.click('form.group-form button[type="submit"]');
  await page.waitForSelector('text=The group is saved.', { timeout });
  const engaged = (await api(`query($id: ID!) { partnerGroup(id: $id) {
    referral { trigger percentage maxMonths } cap { amount currency period per }
    trafficSources { ignoreSearchEngines ignoredDomains } } }`, { id: plan.seedGroup })).partnerGroup;
  check(JSON.stringify(engaged) === JSON.stringify({
    referral: { trigger: 'COMMISSION', percentage: '10', maxMonths: 12 },
    cap: { amount: '500', currency: 'USD', period: 'WEEK', per: 'PARTNER' },
    trafficSources: { ignoreSearchEngines: true, ignoredDomains: ['chatgpt.com', 'perplexity.ai'] },
  }), `the group's referral rule, cap and traffic sources: ${JSON.stringify(engaged)}`);
  report.writes = [...(report.writes || []), 'referral rule and cap', 'traffic sources'];

  // A conditional rule (SPEC §32) added on the page — yearly plans without
  // a coupon 40 %, its condition built in the form (a group of a test and a
  // negated test) — tried on a sale of three lines as the API simulates it,
  // each line explained, and saved as written.
  await page.reload();
  await settled('Seed 000');
  await page.click('button:text("Add a rule")');
  const kind = page.locator('select[id^="group-rule-"][id$="-kind"]').last();
  await kind.selectOption('conditional');
  const rule = (await kind.getAttribute('id')).slice(0, -'-kind'.length);
  const within = `${rule}-when`;
  await page.selectOption(`#${within}-of`, 'all');
  await page.locator('fieldset.rule').last().locator('button:text("Add a test")').click();
  await page.selectOption(`#${within}-all-1-of`, 'not');
  await page.selectOption(`#${within}-all-1-not-subject`, 'LINE_COUPON');
  await page.selectOption(`#${within}-all-1-not-operator`, 'EXISTS');
  check(await page.locator(`#${within}-all-1-not-value`).count() === 0, 'EXISTS takes no value');
  await page.fill(`#${rule}-value`, '40');
  await page.click('button:text("Try a sale of three lines")');
  const when = { all: [
    { test: { subject: 'LINE_INTERVAL', operator: 'EQ', value: 'YEAR' } },
    { not: { test: { subject: 'LINE_COUPON', operator: 'EXISTS' } } },
  ] };
  const conditional = { conditional: { when, then: { percentage: '40' } } };
  const rules = [{ newCustomerTimeTier: { maxMonths: 3, percentage: '25' } }, { recurring: { percentage: '10' } }, conditional];
  const sold = (await api(`mutation($rules: [GroupRuleInput!]!, $lines: [EventLineInput!]) { simulatePartnerGroupRules(rules: $rules,
    simulation: { chargeAmount: "1330.00", customerMonths: 1, partnerLtv: "4500", lines: $lines }) { finalFee currency lines { condition amount } } }`, {
    rules,
    lines: [
      { productId: 'prod_pro', planInterval: 'YEAR', amount: '1200.00' },
      { productId: 'prod_seats', planInterval: 'MONTH', amount: '30.00' },
      { productId: 'prod_hw', planInterval: 'ONE_TIME', amount: '100.00' },
    ],
  })).simulatePartnerGroupRules;
  await fee(sold.finalFee);
  for (const [i, line] of sold.lines.entries()) await same(`simulation.line.${i}`, line.amount, sold.currency);
  const conditions = await page.$$eval('table[data-table="simulation-lines"] tbody tr td:nth-child(3)', (cells) => cells.map((c) => c.textContent));
  check(JSON.stringify(conditions) === JSON.stringify(sold.lines.map((l) => l.condition || '—')), `each line's condition: ${conditions}`);
  report.simulation.push(sold.finalFee);
  await page.click('form.group-form button[type="submit"]');
  await page.waitForSelector('text=The group is saved.', { timeout });
  const written = (await api(`query($id: ID!) { partnerGroup(id: $id) { rules { type ... on ConditionalRule { whenInput summary } } } }`, { id: plan.seedGroup })).partnerGroup.rules;
  const kept = written.find((r) => r.type === 'CONDITIONAL');
  check(kept && kept.summary === "40 % when the plan's interval is YEAR and not (the line's coupon is given)"
    && sameJson(kept.whenInput, when),
  `the conditional rule saved: ${JSON.stringify(written)}`);
  await page.reload();
  await settled('Seed 000');
  await page.waitForSelector('[data-summary]', { timeout });
  report.writes.push('conditional rule');

  // A campaign's own rules, edited on its page with the same editor: a
  // campaign made by the API for it, given a conditional rule (any plan
  // whose product starts with "prod_" pays 15 %) and a recurring one, and
  // saved as written; then back to its partners' groups' rules.
  const editor = 'section[aria-labelledby="campaign-editor"]';
  const made = (await api('mutation { createCampaign(input: { name: "Per plan" }) { id } }')).createCampaign.id;
  await open(`#/campaigns?edit=${made}`, 'Campaigns');
  await page.waitForSelector(`${editor} form`, { timeout });
  await page.check('input[name="ownRules"][value="yes"]');
  await page.click(`${editor} button:text("Add a rule")`);
  await page.fill(`${editor} input[id^="campaign-rule-"][id$="-percentage"]`, '5');
  await page.click(`${editor} button:text("Add a rule")`);
  const second = page.locator(`${editor} select[id^="campaign-rule-"][id$="-kind"]`).last();
  await second.selectOption('conditional');
  const test = `${(await second.getAttribute('id')).slice(0, -'-kind'.length)}-when`;
  await page.selectOption(`#${test}-subject`, 'LINE_PRODUCT');
  await page.selectOption(`#${test}-operator`, 'STARTS_WITH');
  await page.fill(`#${test}-value`, 'prod_');
  await page.fill(`#${test.slice(0, -'-when'.length)}-value`, '15');
  await page.click(`${editor} button:text("Try a sale of three lines")`);
  await page.waitForSelector(`${editor} table[data-table="simulation-lines"]`, { timeout });
  await audit('campaign rules');
  await page.click(`${editor} button[type="submit"]`);
  await page.waitForSelector('text=Per plan is saved.', { timeout });
  const own = (await api(`query($id: ID!) { campaign(id: $id) { rules { type ... on RecurringRule { percentage }
    ... on ConditionalRule { whenInput then { percentage } } } } }`, { id: made })).campaign.rules;
  check(own && own.length === 2 && own[0].type === 'RECURRING' && own[0].percentage === '5'
    && sameJson(own[1].whenInput, { test: { subject: 'LINE_PRODUCT', operator: 'STARTS_WITH', value: 'prod_' } })
    && own[1].then.percentage === '15', `the campaign's own rules: ${JSON.stringify(own)}`);
  await open(`#/campaigns?edit=${made}`, 'Campaigns');
  await page.waitForSelector(`${editor} form`, { timeout });
  await page.check('input[name="ownRules"][value="no"]');
  // The first save's notice may still be shown: the update's answer is
  // what says this save is done.
  const updated = page.waitForResponse((r) => r.url().endsWith('/graphql')
    && (r.request().postData() ?? '').includes('updateCampaign'), { timeout });
  await page.click(`${editor} button[type="submit"]`);
  await updated;
  await page.waitForSelector('text=Per plan is saved.', { timeout });
  const fell = (await api('query($id: ID!) { campaign(id: $id) { rules { type } } }', { id: made })).campaign.rules;
  check(fell === null, `the campaign's rules fall through again: ${JSON.stringify(fell)}`);
  report.writes.push('campaign rules');

  // The invoicing settings (SPEC §33): a malformed VAT id is named at its
  // field; then the identity and the agreement are saved, as the API says.
  await open('#/settings', 'Settings');
  await page.waitForSelector('#invoicing-legalName', { timeout });
  await page.check('input[name="selfBilling"]');
  await page.fill('#invoicing-legalName', 'Acme GmbH');
  await page.fill('#invoicing-country', 'DE');
  await page.fill('#invoicing-vatId', 'DE811907981');
  await page.fill('#invoicing-line1', 'Friedrichstraße 100');
  await page.fill('#invoicing-city', 'Berlin');
  await page.fill('#invoicing-zip', '10117');
  await page.fill('#invoicing-agreement', 'Acme GmbH issues your invoices in your name.');
  await page.click('text=Save the invoicing settings');
  await page.waitForSelector('#invoicing-vatId-error', { timeout });
  await page.fill('#invoicing-vatId', 'DE 811 907 980');
  await page.click('text=Save the invoicing settings');
  await page.waitForSelector('text=The invoicing settings are saved.', { timeout });
  const invoicing = (await api('{ viewer { tenant { invoicing { selfBilling vatId agreement { version } } } } }')).viewer.tenant.invoicing;
  check(invoicing.selfBilling && invoicing.vatId === 'DE811907980' && invoicing.agreement.version === 1,
    `the invoicing settings are saved: ${JSON.stringify(invoicing)}`);
  // A German brand without a contact is warned that its documents miss
  // XRechnung; the contact, the lines' wording, the company details and a
  // PEPPOL id (a malformed one named at its field) are saved as the API
  // then answers, and the warning goes.
  await page.waitForSelector('[data-figure="invoicing.xrechnung"]', { timeout });
  await page.fill('#invoicing-contact-name', 'Grete Buchhaltung');
  await page.fill('#invoicing-contact-email', 'rechnung@acme.example');
  await page.fill('#invoicing-contact-phone', '+49 30 1234567');
  await page.fill('#invoicing-serviceDescription', 'Vermittlungsprovisionen');
  await page.fill('#invoicing-legalDetails', 'Amtsgericht Charlottenburg, HRB 123456\nGeschäftsführer: Max Muster');
  await page.fill('#invoicing-peppolId', 'EM:x@y.z');
  await page.click('text=Save the invoicing settings');
  await page.waitForSelector('#invoicing-peppolId-error', { timeout });
  await page.fill('#invoicing-peppolId', '0088:4012345000009');
  // The first save's notice is still shown: the update's answer is what
  // says this save is done.
  const identified = page.waitForResponse((r) => r.url().endsWith('/graphql')
    && (r.request().postData() ?? '').includes('SetInvoicing'), { timeout });
  await page.click('text=Save the invoicing settings');
  await identified;
  await page.waitForSelector('text=The invoicing settings are saved.', { timeout });
  await page.waitForSelector('[data-figure="invoicing.xrechnung"]', { state: 'detached', timeout });
  check(await page.locator('#invoicing-peppolId-error').count() === 0, 'the PEPPOL id is no longer refused');
  const identity = (await api('{ viewer { tenant { invoicing { peppolId contact { name email phone } serviceDescription legalDetails } } } }'))
    .viewer.tenant.invoicing;
  check(sameJson(identity, {
    peppolId: '0088:4012345000009',
    contact: { name: 'Grete Buchhaltung', email: 'rechnung@acme.example', phone: '+49 30 1234567' },
    serviceDescription: 'Vermittlungsprovisionen',
    legalDetails: 'Amtsgericht Charlottenburg, HRB 123456\nGeschäftsführer: Max Muster',
  }), `the contact, wording, details and PEPPOL id are saved: ${JSON.stringify(identity)}`);
  await audit('invoicing settings');
  report.writes.push('invoicing');

  // The bounty review queue: Sam's work, rejected with a reason and a
  // note, as the API then answers.
  await open('#/bounties', 'Bounties');
  const queued = (await api('{ bounties { nodes { id submissions(status: SUBMITTED) { nodes { id } } } } }')).bounties.nodes[0];
  const work = queued.submissions.nodes[0].id;
  check(Number(await page.textContent(`[data-figure="bounty.${queued.id}.queue"]`)) === 1, 'one submission waits');
  await page.click(`li[data-submission="${work}"] button:text("Reject…")`);
  await page.selectOption(`li[data-submission="${work}"] select[name="reason"]`, 'LOW_QUALITY');
  await page.fill(`li[data-submission="${work}"] textarea[name="note"]`, 'Too short.');
  await page.click(`li[data-submission="${work}"] button:text("Reject the work")`);
  await page.waitForSelector('text=is rejected', { timeout });
  const decided = (await api('query($id: ID!) { node(id: $id) { ... on BountySubmission { status reason note } } }', { id: work })).node;
  check(JSON.stringify(decided) === JSON.stringify({ status: 'REJECTED', reason: 'LOW_QUALITY', note: 'Too short.' }), `the decision: ${JSON.stringify(decided)}`);
  report.writes.push('bounty decision');
  // The bounty edited (SPEC §37): a tag besides its group, a window of 14
  // days, a new reward; then ended now.
  const card = `li[data-bounty="${queued.id}"]`;
  await page.click(`${card} button:text("Edit…")`);
  await page.fill(`#bounty-tags-${queued.id}`, 'vip');
  await page.fill(`#bounty-window-${queued.id}`, '14');
  await page.fill(`#bounty-reward-${queued.id}`, '45');
  await page.click(`${card} button:text("Save the bounty")`);
  await page.waitForSelector('text=is saved.', { timeout });
  await page.click(`${card} button:text("End now…")`);
  await page.click(`${card} button:text("End Review us")`);
  await page.waitForSelector('text=is ended.', { timeout });
  const edited = (await api('query($id: ID!) { bounty(id: $id) { partnerTags windowDays reward { amount } open endedAt } }', { id: queued.id })).bounty;
  check(JSON.stringify(edited.partnerTags) === '["vip"]' && edited.windowDays === 14 && edited.reward.amount === '45.00'
    && edited.open === false && edited.endedAt !== null, `the bounty edited and ended: ${JSON.stringify(edited)}`);
  report.writes.push('bounty edited and ended');

  // A retainer for the partners of a group, made through its form: a bad
  // amount is named at its field; then it is made, and paused.
  await open('#/retainers?new=true', 'Retainers');
  await page.fill('#retainer-name', 'Creator stipend');
  await page.check('input[name="to"][value="group"]');
  await page.selectOption('#retainer-group', plan.group);
  await page.fill('#retainer-amount', '0');
  await page.fill('#retainer-currency', 'EUR');
  await page.click('button:text("Create the retainer")');
  await page.waitForSelector('#retainer-amount-error', { timeout });
  await page.fill('#retainer-amount', '250');
  await page.click('button:text("Create the retainer")');
  await page.waitForSelector('text=Creator stipend is made.', { timeout });
  const stipend = (await api('{ retainers(first: 1) { nodes { id status amount { amount currency } group { id } } } }')).retainers.nodes[0];
  check(sameJson(stipend, { id: stipend.id, status: 'ACTIVE', amount: { amount: '250.00', currency: 'EUR' }, group: { id: plan.group } }),
    `the retainer made: ${JSON.stringify(stipend)}`);
  await audit('retainers');
  await page.click(`li[data-retainer="${stipend.id}"] button:has-text("Pause")`);
  await page.waitForSelector('text=Creator stipend is paused.', { timeout });
  const paused = (await api('query($id: ID!) { retainer(id: $id) { status nextDueAt } }', { id: stipend.id })).retainer;
  check(sameJson(paused, { status: 'PAUSED', nextDueAt: null }), `the retainer paused: ${JSON.stringify(paused)}`);
  report.writes.push('retainer');

  // An announcement for the portal (SPEC §37): a link that is not https
  // is named at its field; then it is made for one group, and ended.
  await open('#/announcements?new=true', 'Announcements');
  await page.fill('#announcement-title', 'Spring launch');
  await page.fill('#announcement-body', 'New plans are live.');
  await page.fill('#announcement-link', 'http://acme.example/spring');
  await page.check(`input[name="groupIds"][value="${plan.group}"]`);
  await page.click('button:text("Create the announcement")');
  await page.waitForSelector('#announcement-link-error', { timeout });
  await page.fill('#announcement-link', 'https://acme.example/spring');
  await page.click('button:text("Create the announcement")');
  await page.waitForSelector('text=Spring launch is made.', { timeout });
  const banner = (await api('{ announcements(first: 1) { nodes { id title link groupIds endsAt dismissals } } }')).announcements.nodes[0];
  check(sameJson({ ...banner, id: undefined }, { id: undefined, title: 'Spring launch', link: 'https://acme.example/spring', groupIds: [plan.group], endsAt: null, dismissals: 0 }),
    `the announcement made: ${JSON.stringify(banner)}`);
  await audit('announcements');
  await page.click(`li[data-announcement="${banner.id}"] button:has-text("End now")`);
  await page.waitForSelector('text=Spring launch is ended.', { timeout });
  const over = (await api('query($id: ID!) { announcement(id: $id) { endsAt } }', { id: banner.id })).announcement;
  check(over.endsAt !== null, 'the announcement ended');
  report.writes.push('announcement');

  // A logo for the portal (SPEC §37): a GIF is refused at the file (a
  // logo is never one, whatever its name), a PNG is taken, listed under its
  // section with its type and size, and downloaded as it was sent.
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082', 'hex');
  await open('#/resources?new=true', 'Resources');
  await page.fill('#resource-title', 'Logo');
  await page.fill('#resource-section', 'Logos');
  await page.setInputFiles('#resource-file', { name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('GIF89a\x01\x00\x01\x00') });
  await page.click('button:text("Add the resource")');
  await page.waitForSelector('#resource-file-error', { timeout });
  await page.setInputFiles('#resource-file', { name: 'logo.png', mimeType: 'image/png', buffer: png });
  await page.click('button:text("Add the resource")');
  await page.waitForSelector('text=Logo is made.', { timeout });
  const logo = (await api('{ resources(first: 1) { nodes { id kind title section filename contentType size } } }')).resources.nodes[0];
  check(sameJson({ ...logo, id: undefined }, { id: undefined, kind: 'LOGO', title: 'Logo', section: 'Logos', filename: 'logo.png', contentType: 'image/png', size: png.length }),
    `the resource made: ${JSON.stringify(logo)}`);
  await page.waitForSelector(`li[data-resource="${logo.id}"]`, { timeout });
  await audit('resources');
  const [file] = await Promise.all([
    page.waitForEvent('download', { timeout }),
    page.click(`li[data-resource="${logo.id}"] button:has-text("Download")`),
  ]);
  const logoBytes = readFileSync(await file.path());
  check(file.suggestedFilename() === 'logo.png' && logoBytes.equals(png), `the logo downloaded: ${file.suggestedFilename()}, ${logoBytes.length} bytes`);
  report.writes.push('resource');

  // The partner trusted (its flags then hold nothing), with why; the
  // daily fraud digest's addresses, in the settings.
  await open(`#/partners/${plan.partner}`, plan.partnerName);
  await page.click('button:text("Trust…")');
  await page.fill('#trusted-note', 'Agency verified by hand');
  await page.click(`button:text("Trust ${plan.partnerName}")`);
  await page.waitForSelector('[data-state="partner-trusted"][data-trusted="true"]', { timeout });
  const trusted = (await api('query($id: ID!) { partner(id: $id) { trusted } }', { id: plan.partner })).partner.trusted;
  check(trusted === true, `the partner is trusted: ${trusted}`);
  await open('#/settings', 'Settings');
  await page.fill('#settings-digestRecipients', 'risk@acme.example, ops@acme.example');
  await page.fill('#settings-digestHour', '7');
  await page.click('button:text("Save the settings")');
  await page.waitForSelector('text=The settings are saved.', { timeout });
  const digest = (await api('{ viewer { tenant { fraudDigest { recipients hour } } } }')).viewer.tenant.fraudDigest;
  check(sameJson(digest, { recipients: ['risk@acme.example', 'ops@acme.example'], hour: 7 }), `the digest's settings: ${JSON.stringify(digest)}`);
  report.writes.push('trust and digest');

  // A message from the partner's page, kept as the text it is; then the
  // inbox lists the thread.
  await open(`#/partners/${plan.partner}`, plan.partnerName);
  const note = 'Your payout goes out Friday: <b>not bold</b> https://acme.example/faq';
  await page.fill('#partner-message-body', note);
  await page.click('form:has(#partner-message-body) button[type="submit"]');
  await page.waitForSelector('li[data-from="STAFF"] .plain-text', { timeout });
  const shownNote = await page.textContent('li[data-from="STAFF"] .plain-text');
  check(shownNote === note, `the message as written: ${shownNote}`);
  const inside = await page.$$eval('li[data-from="STAFF"] .plain-text *', (els) => els.map((e) => e.tagName));
  check(JSON.stringify(inside) === '["A"]', `only its link is an element: ${inside}`);
  const thread = (await api('query($p: ID!) { partner(id: $p) { messages(first: 1) { edges { node { from body } } } } }', { p: plan.partner }))
    .partner.messages.edges[0].node;
  check(thread.from === 'STAFF' && thread.body === note, `the message sent: ${JSON.stringify(thread)}`);
  await open('#/inbox', 'Inbox');
  await page.waitForFunction((name) => document.querySelector('main')?.textContent.includes(name), plan.partnerName, { timeout });
  report.writes.push('message');

  // A backtest of Sam's group at twice its rate, before and after per
  // partner as the API answers them.
  await open('#/backtest', 'Backtest');
  await page.fill('#backtest-from', '2026-01-01');
  await page.selectOption('#backtest-subject', plan.samGroup);
  await page.locator('input[id^="backtest-rule-"][id$="-percentage"]').first().fill('20');
  await page.click('text=Start the backtest');
  await page.waitForSelector('[data-state="DONE"]', { timeout });
  await page.waitForSelector('[data-figure^="backtest.total."]', { timeout });
  const backtestId = new URLSearchParams(await page.evaluate(() => location.hash.split('?')[1])).get('id');
  const tested = await api(`query($id: ID!) { backtest(id: $id) { totals { currency before after difference }
    partners(first: 25, orderBy: DIFFERENCE_DESC) { nodes { partnerId currency before after difference } } } }`, { id: backtestId });
  await page.waitForSelector(`[data-figure^="backtest.${tested.backtest.partners.nodes[0].partnerId}."]`, { timeout });
  for (const row of tested.backtest.partners.nodes) {
    for (const side of ['before', 'after', 'difference']) await same(`backtest.${row.partnerId}.${row.currency}.${side}`, row[side], row.currency);
  }
  report.backtest = tested.backtest.partners.nodes.map((r) => `${r.before} ${r.after} ${r.currency}`);
  await audit('backtest result');
  await shoot('backtest-result', 1280);

  // Finance's monthly path. Approve every pending commission shown.
  await open('#/commissions?status=ACCRUED', 'Commissions');
  await page.waitForSelector('[data-state="approve-selected"]', { timeout });
  await page.check('input[aria-label="Select every pending commission shown"]');
  await page.click('[data-state="approve-selected"]');
  await page.waitForFunction(() => !document.querySelector('tr input[type="checkbox"]:not([aria-label^="Select every"])'), null, { timeout });
  const pending = await api('{ commissions(status: ACCRUED) { totalCount } }');
  check(pending.commissions.totalCount === 0, `${pending.commissions.totalCount} commissions are still pending`);
  report.path.push('approved');

  // Preview, then create the run.
  await open('#/payouts', 'Payouts');
  await page.waitForSelector('[data-figure^="payouts.preview."]', { timeout });
  report.path.push('previewed');
  await page.fill('#run-period-end', plan.periodEnd);
  await page.click('text=Create the payout run');
  await page.waitForFunction(() => /^#\/payouts\/.+/.test(location.hash) && document.querySelector('[data-payout]'), null, { timeout });
  const runId = decodeURIComponent(await page.evaluate(() => location.hash.replace('#/payouts/', '')));
  report.runId = runId;
  report.path.push('run');
  const run = await api('query($id: ID!) { payoutRun(id: $id) { payouts { id amount currency status } } }', { id: runId });
  for (const payout of run.payoutRun.payouts) {
    await same(`payout.${payout.id}.amount`, payout.amount, payout.currency);
  }
  await audit('run');
  await shoot('run', 1280);

  // The payment files.
  await saved(() => page.click('text=Download the SEPA file (XML)'), 'sepa.xml');
  await saved(() => page.click('text=/Download the PayPal file/'), 'paypal.csv');
  report.path.push('files');

  // The PayPal payouts sent by API: "Send with PayPal", and the row
  // shows where each stands on the rail.
  const byApi = await api('query($id: ID!) { payoutRun(id: $id) { payouts { id method { type } } } }', { id: runId });
  const sent = byApi.payoutRun.payouts.filter((p) => p.method && p.method.type === 'PAYPAL').map((p) => p.id);
  check(sent.length > 0, 'the run has a PayPal payout to send');
  // The PayPal file was downloaded: its payouts are finance's now, and
  // sending them too would pay them twice — until finance says the file
  // was not used.
  await page.waitForSelector('button[data-rail="PAYPAL_PAYOUTS"][disabled]', { timeout });
  for (const id of sent) {
    await page.waitForSelector(`tr[data-payout="${id}"] [data-filed="PAYPAL_PAYOUTS_CSV"]`, { timeout });
  }
  await page.click('button[data-withdraw="PAYPAL_PAYOUTS_CSV"]');
  await page.waitForSelector('button[data-rail="PAYPAL_PAYOUTS"]:not([disabled])', { timeout });
  report.path.push('file withdrawn');
  await page.click('button[data-rail="PAYPAL_PAYOUTS"]');
  for (const id of sent) {
    await page.waitForSelector(`tr[data-payout="${id}"] [data-rail-status]`, { timeout });
  }
  await audit('sent');
  report.path.push('sent');

  // Every other payout marked paid, with the bank's reference.
  for (const payout of run.payoutRun.payouts.filter((p) => !sent.includes(p.id))) {
    const row = `tr[data-payout="${payout.id}"]`;
    await page.click(`${row} >> text=Mark paid…`);
    await page.fill(`${row} input[name="reference"]`, `BANK-${payout.currency}`);
    await page.click(`${row} >> button[type="submit"]`);
    await page.waitForSelector(`${row} td[data-state="PAID"]`, { timeout });
  }
  report.path.push('paid');
  await saved(() => page.click(`tr[data-payout="${run.payoutRun.payouts[0].id}"] th button.link`), 'statement.pdf');
  report.path.push('statement');

  // An import from the Import page: a dry run, then the import; each
  // count on the page is the API's for the same import.
  const IMPORTED = `query($id: ID!) { import(id: $id) { status dryRun counts { partners codes customers commissions skipped unchanged } } }`;
  const importFromPage = async (dry) => {
    await open('#/import', 'Import');
    await page.selectOption('#import-source', 'CSV');
    await page.fill('#import-csv', plan.csv);
    if (dry) await page.check('input[name="dryRun"]');
    await page.click('text=Import from CSV files');
    await page.waitForSelector('dd[data-state="DONE"]', { timeout });
    const id = new URLSearchParams(await page.evaluate(() => location.hash.split('?')[1])).get('id');
    const answered = (await api(IMPORTED, { id })).import;
    check(answered.dryRun === dry, `the import is ${dry ? '' : 'not '}a dry run`);
    for (const [name, value] of Object.entries(answered.counts)) {
      await page.waitForSelector(`[data-count="import.${name}"]`, { timeout });
      const shown = await count(`import.${name}`);
      check(shown === value, `the import page counts ${shown} ${name}, the API ${value}`);
    }
    return answered.counts;
  };
  report.import = [await importFromPage(true), await importFromPage(false)];
  // The page says what will not work after the switch: no landing page
  // for old links, no link domain for short links and QR codes.
  for (const warning of ['landing', 'link-domain']) {
    await page.waitForSelector(`[data-warning="${warning}"]`, { timeout });
  }
  await page.waitForSelector('[data-problem="ref-2"]', { timeout });
  await audit('import done');
  await shoot('import-done', 1280);
  report.path.push('imported');

  // Year-end: 2025's payees as the API answers them; the payer set, the
  // year issued, the IRIS CSV and the paper copies downloaded.
  await open('#/year-end?year=2025', 'Year-end');
  await page.waitForSelector('[data-count="tax-payees"]', { timeout });
  const year = await api('{ taxYear(year: 2025) { totals { payees reportable amount } missing: payees(status: MISSING_TIN) { totalCount } payees { nodes { key counted status } } } }');
  check(await count('tax-payees') === year.taxYear.totals.payees, 'the payees counted as the API counts them');
  check(await count('tax-reportable') === 1 && await count('tax-missing') === year.taxYear.missing.totalCount, 'one reportable, the missing W-9 counted');
  await same('tax.box1', year.taxYear.totals.amount, 'USD');
  for (const payee of year.taxYear.payees.nodes) {
    await same(`tax.${payee.key}.counted`, payee.counted, 'USD');
  }
  check(await page.isDisabled('text=Issue the forms of 2025'), 'no issuing without a payer');
  await page.fill('#payer-name', 'Acme Partners Inc.');
  await page.fill('#payer-tin', '12-3456789');
  await page.fill('#payer-line1', '500 Market St');
  await page.fill('#payer-city', 'San Francisco');
  await page.fill('#payer-state', 'CA');
  await page.fill('#payer-zip', '9410');
  await page.fill('#payer-phone', '(415) 555-0100');
  await page.click('text=Save the payer');
  await page.waitForSelector('#payer-zip-error', { timeout });
  await page.fill('#payer-zip', '94105');
  await page.fill('#payer-tin', '12-3456789');
  await page.click('text=Save the payer');
  await page.waitForSelector('[data-figure="tax.payer"]', { timeout });
  check((await page.textContent('[data-figure="tax.payer"]')).includes('EIN ending 6789'), 'the payer shows its EIN by its last four');
  await page.click('text=Issue the forms of 2025');
  await page.waitForSelector('.done-line :text("1 form made.")', { timeout });
  // The year read again after issuing: its one form counted.
  await page.waitForFunction(() => document.querySelector('[data-count="tax-forms"]')?.textContent.trim() === '1', null, { timeout });
  check(await count('tax-forms') === 1, 'one form issued');
  const tess = year.taxYear.payees.nodes.find((p) => p.status === 'REPORTABLE').key;
  await page.waitForSelector(`[data-payee="${tess}"] td:last-child:has-text("original")`, { timeout });
  await page.fill('#iris-header', 'Form Type*,Tax Year*,Recipient Taxpayer ID Number*,Recipient Last Name,Box 1 Nonemployee Compensation*');
  const csv = await saved(() => page.click('text=Download the IRIS CSV'), '1099nec-2025-1.csv');
  const lines = readFileSync(csv, 'utf8').trim().split('\r\n');
  check(lines.length === 2 && lines[1] === 'NEC,2025,123456789,Payee,700.00', `the IRIS CSV: ${JSON.stringify(lines)}`);
  check(report.files['1099nec-2025-1.csv'].suggested === '1099nec-2025-1.csv', 'the CSV is named by its year and number');
  const paper = await saved(() => page.click('text=Download the paper copies'), '1099nec-2025-paper.pdf');
  check(readFileSync(paper).subarray(0, 5).toString() === '%PDF-', 'the paper copies are a PDF');
  await audit('year-end issued');
  await shoot('year-end-issued', 1280);
  report.path.push('year issued');

  // 375 px wide: nothing wider than the screen.
  await page.setViewportSize({ width: 375, height: 800 });
  for (const [name, hash, title] of PAGES) {
    await open(hash, title);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 375, `${name} is ${width} px wide at 375`);
    report.narrow[name] = width;
    await audit(`${name} at 375`);
    await shoot(name, 375);
  }

  // The keyboard alone: every page reached by Tab and Enter from the top.
  await page.setViewportSize({ width: 1280, height: 900 });
  for (const [name, hash, title] of PAGES.filter(([n]) => n !== 'partner' && n !== 'group')) {
    await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
    await page.focus('body');
    let reached = false;
    // From where focus last was (the page title), through the page, round to the top.
    for (let presses = 0; presses < 80 && !reached; presses += 1) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate((h) => document.activeElement?.getAttribute('href') === h, hash);
    }
    check(reached, `Tab reaches the link to ${name}`);
    const focusVisible = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle !== 'none');
    check(focusVisible, `the focused link to ${name} shows its focus`);
    await page.keyboard.press('Enter');
    await settled(title);
    report.keyboard.push(name);
  }

  // A reload keeps the page and its filters.
  await open('#/commissions?status=PAID', 'Commissions');
  await page.reload();
  await settled('Commissions');
  check((await page.evaluate(() => location.hash)) === '#/commissions?status=PAID', 'the reload keeps the filters');
  report.pages.reload = 'checked';

  // Signing out ends the session.
  await page.click('text=Sign out');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Console', null, { timeout });

  // A viewer reads every page and is shown no write.
  await page.goto('about:blank');
  await page.goto(`${plan.base}${plan.viewer}`, { timeout });
  await settled('Overview');
  await page.waitForSelector('[data-state="read-only"]', { timeout });
  await open('#/commissions', 'Commissions');
  check(!(await page.$('[data-state="approve-selected"]')), 'a viewer is offered no approval');
  await page.evaluate((h) => { location.hash = h; }, `#/payouts/${runId}`);
  await page.waitForFunction(() => document.querySelector('h1')?.textContent.startsWith('Payout run') && !document.querySelector('.loading'), null, { timeout });
  check(!(await page.$('text=Mark paid…')), 'a viewer is offered no payment');
  report.pages.viewer = 'checked';

  check(problems.length === 0, `the page reported problems: ${problems.join('; ')}`);
  console.log(JSON.stringify(report));
} finally {
  await browser.close();
}
