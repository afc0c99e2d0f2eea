// A partner: who it is and where it stands (group, status), its messages,
// its balances, how it is paid and its tax profile, its referral codes,
// commissions, customers and fraud flags. An admin suspends or
// reactivates it, trusts it (its fraud flags then hold nothing), moves it to another group, sets its language, decides
// its tax profile, writes to it, and makes a one-time sign-in link to its
// portal.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { method, money, words } from './format.js';
import { Trail } from './page-activity.js';
import { Thread, useThread } from './messages.js';
import { Badge, Failure, Field, Loading, Money, NotFound, Page, Section, TableWrap, useQuery } from './ui.js';
import { Done, GroupSelect, Paged, ReasonForm, Reveal, Writable, day, tone, useForm, useGroups, usePaged } from './parts.js';

const PARTNER = `query Partner($id: ID!) {
  viewer { tenant { languages } }
  partner(id: $id) {
    id name email externalId type status createdAt language trusted
    group { id name }
    balance { currency accrued approved paid }
    payoutMinimums { amount currency source }
    payoutMethod { type paypalEmail iban bic accountHolder routingNumber accountNumber currency sortCode updatedAt }
    taxProfile { submissionId form status country taxIdLast4 submittedAt decidedAt reason }
    taxProfileSubmissions { submissionId form status country taxIdLast4 submittedAt }
    referralCodes(first: 100) { id code couponCode clicks customers createdAt archivedAt campaign { id name } }
    links(first: 100) { nodes { id key shortUrl url clicks ignoredClicks createdAt archivedAt } }
  }
}`;

const COMMISSIONS = `query PartnerCommissions($partnerId: ID!, $after: String) {
  commissions(partnerId: $partnerId, orderBy: ACCRUED_AT_DESC, first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id kind status amount currency accruedAt onHold campaign { name } event { externalId } }
  }
}`;

const CUSTOMERS = `query PartnerCustomers($partnerId: ID!, $after: String) {
  customers(partnerId: $partnerId, first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id externalId email attributedAt attributedBy campaign { name } }
  }
}`;

const FLAGS = `query PartnerFlags($partnerId: ID!, $after: String) {
  fraudFlags(partnerId: $partnerId, first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id signal action status details createdAt decidedBy note }
  }
}`;

const UPDATE = `mutation UpdatePartner($id: ID!, $input: UpdatePartnerInput!) {
  updatePartner(id: $id, input: $input) { id status group { id name } }
}`;

const SET_TRUSTED = `mutation SetTrusted($input: SetPartnerTrustedInput!) {
  setPartnerTrusted(input: $input) { id trusted }
}`;

const SET_LANGUAGE = `mutation SetLanguage($input: SetPartnerLanguageInput!) {
  setPartnerLanguage(input: $input) { id language }
}`;

/** Each language as it names itself (SPEC §38). */
const LANGUAGE_NAMES = { de: 'Deutsch', en: 'English', es: 'Español', fr: 'Français', it: 'Italiano', nl: 'Nederlands' };

const LINK = `mutation PortalLink($partnerId: ID!, $ttlMinutes: Int) {
  createPartnerPortalLink(partnerId: $partnerId, ttlMinutes: $ttlMinutes) { url expiresAt }
}`;

const SET_METHOD = `mutation SetMethod($input: SetPayoutMethodInput!) {
  setPayoutMethod(input: $input) { type paypalEmail iban }
}`;

const DECIDE_TAX = `mutation DecideTax($input: DecideTaxProfileInput!) {
  decideTaxProfile(input: $input) { status decidedAt reason }
}`;

export function PartnerPage({ id }) {
  const { data, error, loading, reload } = useQuery(PARTNER, { id });
  const [done, setDone] = useState(null);
  const partner = data && data.partner;
  const changed = (message) => {
    setDone(message);
    reload();
  };
  return html`
    <${Page} title=${partner ? partner.name : 'Partner'}>
      <p><a href="#/partners">Back to the partners</a></p>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && !partner && html`<${NotFound} what="partner" back="#/partners" backLabel="Back to the partners" />`}
      <${Done} message=${done} />
      ${partner && html`
        <${Summary} partner=${partner} languages=${data.viewer.tenant.languages} changed=${changed} />
        <${Messages} partner=${partner} />
        <${Balances} partner=${partner} />
        <${Payment} partner=${partner} changed=${changed} />
        <${Links} links=${partner.links.nodes} />
        <${Codes} codes=${partner.referralCodes} />
        <${Commissions} partner=${partner} />
        <${Customers} partner=${partner} />
        <${Flags} partner=${partner} />
        <${Trail} objectId=${partner.id} title="Activity on this partner" />`}
    <//>`;
}

function Summary({ partner, languages, changed }) {
  return html`
    <${Section} title="Partner" id="partner-summary">
      <dl class="facts">
        <div><dt>E-mail</dt><dd>${partner.email || '—'}</dd></div>
        ${partner.externalId && html`<div><dt>Your id</dt><dd><code>${partner.externalId}</code></dd></div>`}
        <div><dt>Type</dt><dd>${words(partner.type)}</dd></div>
        <div><dt>Status</dt><dd data-state=${partner.status}><${Badge} value=${partner.status} tone=${tone(partner.status)} /></dd></div>
        <div><dt>Group</dt><dd><a href=${`#/groups/${encodeURIComponent(partner.group.id)}`}>${partner.group.name}</a></dd></div>
        <div><dt>Language</dt><dd data-state="partner-language" data-language=${partner.language}>${LANGUAGE_NAMES[partner.language] || partner.language}</dd></div>
        <div><dt>Partner since</dt><dd>${day(partner.createdAt)}</dd></div>
        <div><dt>Fraud holds</dt><dd data-state="partner-trusted" data-trusted=${String(partner.trusted)}>${partner.trusted
          ? 'none: trusted (its flags are recorded and hold nothing)'
          : 'as the fraud policy says'}</dd></div>
      </dl>
      <${Writable} note="an admin suspends a partner, moves it to a group, sets its language or sends it a sign-in link.">
        <div class="actions">
          <${StatusAction} partner=${partner} changed=${changed} />
          <${Reveal} id="move-group" label="Move to a group…">${() => html`<${MoveGroup} partner=${partner} changed=${changed} />`}<//>
          ${languages.length > 1 && html`<${Reveal} id="set-language" label="Set the language…">${() => html`<${SetLanguage} partner=${partner} languages=${languages} changed=${changed} />`}<//>`}
          <${Reveal} id="sign-in-link" label="Send a sign-in link…">${() => html`<${SignInLink} partner=${partner} />`}<//>
          <${Reveal} id="set-trusted" label=${partner.trusted ? 'Stop trusting…' : 'Trust…'}>${() => html`
            <${ReasonForm} id="trusted-note" name="note" label="Why (kept in the activity log)" submit=${partner.trusted ? `Stop trusting ${partner.name}` : `Trust ${partner.name}`}
                           hint=${partner.trusted ? 'Its next fraud flags hold what the policy says.' : 'Its fraud flags are still raised, but hold nothing from now on.'}
                           run=${(form) => gql(SET_TRUSTED, { input: { partnerId: partner.id, trusted: !partner.trusted, note: form.get('note') } })}
                           onDone=${() => changed(partner.trusted ? `${partner.name} is no longer trusted.` : `${partner.name} is trusted.`)} />`}
          <//>
        </div>
      <//>
    <//>`;
}

/** Suspend an active partner; reactivate a suspended or archived one. */
function StatusAction({ partner, changed }) {
  const active = partner.status === 'ACTIVE';
  const next = active ? 'SUSPENDED' : 'ACTIVE';
  const [busy, outcome, , submit] = useForm(async () => {
    await gql(UPDATE, { id: partner.id, input: { status: next } });
    changed(active ? `${partner.name} is suspended.` : `${partner.name} is active again.`);
  }, 'Done.');
  return html`
    <${Reveal} id="status-change" label=${active ? 'Suspend…' : 'Reactivate…'}>${() => html`
      <form class="stack reason-form" onSubmit=${submit}>
        <p>${active
          ? 'A suspended partner earns nothing on its customers\u2019 sales and cannot be attributed new customers until it is reactivated.'
          : 'The partner earns again from now on.'}</p>
        <p><button type="submit" disabled=${busy}>${active ? `Suspend ${partner.name}` : `Reactivate ${partner.name}`}</button></p>
        ${outcome && outcome.error && html`<p class="notice error" role="alert">${outcome.error.message}</p>`}
      </form>`}
    <//>`;
}

function MoveGroup({ partner, changed }) {
  const { groups, error } = useGroups();
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const moved = await gql(UPDATE, { id: partner.id, input: { groupId: form.get('groupId') } });
    changed(`${partner.name} is in ${moved.updatePartner.group.name} now.`);
  }, 'Done.');
  return html`
    <form class="stack reason-form" onSubmit=${submit}>
      ${error && html`<${Failure} error=${error} />`}
      <${Field} id="move-group-id" label="New group" error=${fieldError('groupId')}>
        ${(a) => html`<${GroupSelect} groups=${groups} value=${partner.group.id} a=${a} />`}
      <//>
      <p><button type="submit" disabled=${busy || !groups}>Move ${partner.name}</button></p>
      ${outcome && outcome.error && !fieldError('groupId') && html`<p class="notice error" role="alert">${outcome.error.message}</p>`}
    </form>`;
}

/**
 * The language the partner is written to in: one the program offers,
 * each named in itself. The partner may choose another in its portal.
 */
function SetLanguage({ partner, languages, changed }) {
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const set = await gql(SET_LANGUAGE, { input: { partnerId: partner.id, language: form.get('language') } });
    changed(`${partner.name} is written to in ${LANGUAGE_NAMES[set.setPartnerLanguage.language]} now.`);
  }, 'Done.');
  return html`
    <form class="stack reason-form" onSubmit=${submit}>
      <${Field} id="partner-language" label="Language" hint="Its documents issued from now on, and what the program writes to it as it is translated." error=${fieldError('language')}>
        ${(a) => html`<select name="language" ...${a}>
          ${languages.map((code) => html`<option value=${code} lang=${code} selected=${code === partner.language}>${LANGUAGE_NAMES[code] || code}</option>`)}
        </select>`}
      <//>
      <p><button type="submit" disabled=${busy}>Set the language of ${partner.name}</button></p>
      ${outcome && outcome.error && !fieldError('language') && html`<p class="notice error" role="alert">${outcome.error.message}</p>`}
    </form>`;
}

function SignInLink({ partner }) {
  const [link, setLink] = useState(null);
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const made = await gql(LINK, { partnerId: partner.id, ttlMinutes: Number(form.get('ttlMinutes')) });
    setLink(made.createPartnerPortalLink);
  }, 'Done.');
  const url = link && new URL(link.url, location.origin).href;
  return html`
    <form class="stack reason-form" onSubmit=${submit}>
      <${Field} id="link-ttl" label="Valid for (minutes)" hint="1 to 10,080 (a week). The link works once." error=${fieldError('ttlMinutes')}>
        ${(a) => html`<input type="number" name="ttlMinutes" min="1" max="10080" step="1" defaultValue="1440" required ...${a} />`}
      <//>
      <p><button type="submit" disabled=${busy}>Make a sign-in link</button></p>
      ${outcome && outcome.error && html`<p class="notice error" role="alert">${outcome.error.message}</p>`}
      <div role="status">
        ${url && html`
          <p class="notice ok">Send this link to ${partner.name} (it works once, until ${day(link.expiresAt)}):</p>
          <p><code data-state="portal-link">${url}</code></p>`}
      </div>
    </form>`;
}

/** The thread with the partner, oldest first; opening it marks the partner's messages read. */
function Messages({ partner }) {
  const { partner: thread, paged } = useThread(partner.id);
  const unread = thread ? thread.unreadMessages : 0;
  return html`
    <${Section} title="Messages" id="partner-messages" actions=${html`<a href="#/inbox">The inbox</a>`}>
      ${unread > 0 && html`<p data-figure="partner.unreadMessages">${unread} new from ${partner.name} since staff last read the thread.</p>`}
      <${Thread} partner=${thread} paged=${paged} idPrefix="partner-message" />
    <//>`;
}

function Balances({ partner }) {
  return html`
    <${Section} title="Balances" id="partner-balances">
      ${partner.balance.length === 0 && html`<p class="empty">Nothing earned yet.</p>`}
      <div class="balances">
        ${partner.balance.map((b) => {
          const minimum = partner.payoutMinimums.find((m) => m.currency === b.currency);
          return html`
            <div class="balance" data-currency=${b.currency}>
              <h3>${b.currency}</h3>
              <dl>
                <div><dt>Pending approval</dt><dd><${Money} amount=${b.accrued} currency=${b.currency} figure=${`partner.balance.${b.currency}.accrued`} /></dd></div>
                <div><dt>Approved, unpaid</dt><dd><${Money} amount=${b.approved} currency=${b.currency} figure=${`partner.balance.${b.currency}.approved`} /></dd></div>
                <div><dt>Paid</dt><dd><${Money} amount=${b.paid} currency=${b.currency} figure=${`partner.balance.${b.currency}.paid`} /></dd></div>
              </dl>
              ${minimum && html`<p class="hint">Minimum payout ${money(minimum.amount, b.currency)} (set by the ${words(minimum.source).toLowerCase()}).</p>`}
            </div>`;
        })}
      </div>
    <//>`;
}

function Payment({ partner, changed }) {
  const m = partner.payoutMethod;
  const tax = partner.taxProfile;
  return html`
    <${Section} title="Payout method and tax" id="partner-payment">
      <dl class="facts">
        <div><dt>Payout method</dt><dd data-state="payout-method">${m
          ? `${method(m.type)}: ${m.type === 'PAYPAL' ? m.paypalEmail
            : m.type === 'ACH' ? `${m.accountNumber} (routing ${m.routingNumber})`
            : m.type === 'WISE' ? `${m.currency} account ${m.iban || m.accountNumber}${m.sortCode ? ` (sort code ${m.sortCode})` : m.routingNumber ? ` (routing ${m.routingNumber})` : ''}`
            : `${m.iban}${m.bic ? ` (${m.bic})` : ''}`}`
          : 'None yet: the partner cannot be paid'}</dd></div>
        ${m && m.accountHolder && html`<div><dt>Account holder</dt><dd>${m.accountHolder}</dd></div>`}
        ${m && html`<div><dt>Method set</dt><dd>${day(m.updatedAt)}</dd></div>`}
        <div><dt>Tax profile</dt><dd data-state="tax-status">${tax
          ? html`${tax.form} for ${tax.country}, tax id ending ${tax.taxIdLast4} <${Badge} value=${tax.status} />`
          : 'None submitted'}</dd></div>
        ${tax && tax.reason && html`<div><dt>Reason</dt><dd>${tax.reason}</dd></div>`}
        ${waitingTax(partner) && html`<div><dt>New submission</dt><dd data-state="tax-waiting">${waitingTax(partner).form} for ${waitingTax(partner).country}, tax id ending ${waitingTax(partner).taxIdLast4}, sent ${day(waitingTax(partner).submittedAt)}: the approved profile stays in force until this one is approved</dd></div>`}
      </dl>
      <${Writable}>
        <div class="actions">
          <${Reveal} id="set-method" label=${m ? 'Change the payout method…' : 'Set a payout method…'}>${() => html`<${SetMethod} partner=${partner} changed=${changed} />`}<//>
        </div>
      <//>
      ${tax && html`<${Writable}><${DecideTax} partner=${partner} changed=${changed} /><//>`}
    <//>`;
}

/** Finance sets where a partner is paid: a PayPal address or a bank account (IBAN, or a US one by ACH). */
function SetMethod({ partner, changed }) {
  const current = partner.payoutMethod && partner.payoutMethod.type;
  const [type, setType] = useState(['BANK_TRANSFER', 'ACH'].includes(current) ? current : 'PAYPAL');
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const input = { partnerId: partner.id, type };
    if (type === 'PAYPAL') input.paypalEmail = form.get('paypalEmail');
    else if (type === 'ACH') {
      input.routingNumber = form.get('routingNumber');
      input.accountNumber = form.get('accountNumber');
      input.accountType = form.get('accountType');
      input.accountHolder = form.get('accountHolder');
    } else {
      input.iban = form.get('iban');
      input.bic = form.get('bic') || null;
      input.accountHolder = form.get('accountHolder');
    }
    await gql(SET_METHOD, { input });
    changed(`${partner.name} is paid by ${method(type)} now.`);
  }, 'Done.');
  const named = ['paypalEmail', 'iban', 'bic', 'accountHolder', 'routingNumber', 'accountNumber', 'accountType', 'type'].some((f) => fieldError(f));
  return html`
    <form class="stack reason-form" onSubmit=${submit} autocomplete="off">
      <${Field} id="set-method-type" label="Method" error=${fieldError('type')}>
        ${(a) => html`<select value=${type} onChange=${(e) => setType(e.target.value)} ...${a}>
          <option value="PAYPAL">${method('PAYPAL')}</option>
          <option value="BANK_TRANSFER">${method('BANK_TRANSFER')}</option>
          <option value="ACH">${method('ACH')}</option>
        </select>`}
      <//>
      ${type === 'PAYPAL' ? html`
        <${Field} id="set-method-paypal" label="PayPal address" error=${fieldError('paypalEmail')}>
          ${(a) => html`<input name="paypalEmail" type="email" required spellcheck="false" ...${a} />`}
        <//>` : type === 'ACH' ? html`
        <${Field} id="set-method-routing" label="Routing number" error=${fieldError('routingNumber')}>
          ${(a) => html`<input name="routingNumber" required inputmode="numeric" spellcheck="false" ...${a} />`}
        <//>
        <${Field} id="set-method-account" label="Account number" error=${fieldError('accountNumber')}>
          ${(a) => html`<input name="accountNumber" required inputmode="numeric" spellcheck="false" ...${a} />`}
        <//>
        <${Field} id="set-method-account-type" label="Account type" error=${fieldError('accountType')}>
          ${(a) => html`<select name="accountType" ...${a}><option value="CHECKING">Checking</option><option value="SAVINGS">Savings</option></select>`}
        <//>
        <${Field} id="set-method-holder" label="Account holder" error=${fieldError('accountHolder')}>
          ${(a) => html`<input name="accountHolder" required ...${a} />`}
        <//>` : html`
        <${Field} id="set-method-iban" label="IBAN" error=${fieldError('iban')}>
          ${(a) => html`<input name="iban" required spellcheck="false" ...${a} />`}
        <//>
        <${Field} id="set-method-bic" label="BIC (optional)" error=${fieldError('bic')}>
          ${(a) => html`<input name="bic" spellcheck="false" ...${a} />`}
        <//>
        <${Field} id="set-method-holder" label="Account holder" error=${fieldError('accountHolder')}>
          ${(a) => html`<input name="accountHolder" required ...${a} />`}
        <//>`}
      <p><button type="submit" disabled=${busy}>Save the payout method</button></p>
      ${outcome && outcome.error && !named && html`<p class="notice error" role="alert">${outcome.error.message}</p>`}
    </form>`;
}

/** A submission waiting behind the approved profile in force, if any. */
function waitingTax(partner) {
  const tax = partner.taxProfile;
  return (partner.taxProfileSubmissions || []).find((s) =>
    s.status === 'SUBMITTED' && (!tax || s.submissionId !== tax.submissionId)) || null;
}

/** Staff decide a submission by its id: the one waiting, else the profile in force. */
function DecideTax({ partner, changed }) {
  const target = waitingTax(partner) || partner.taxProfile;
  const decide = (approve) => async (form) => {
    const input = { partnerId: partner.id, submissionId: target.submissionId, approve };
    if (form.get('reason')) input.reason = form.get('reason');
    await gql(DECIDE_TAX, { input });
  };
  return html`
    <div class="actions">
      ${target.status !== 'APPROVED' && html`
        <${Reveal} id="tax-approve" label="Approve the tax profile…">${() => html`
          <${ReasonForm} id="tax-approve-reason" label="Note (optional)" required=${false} submit="Approve"
                         run=${decide(true)} onDone=${() => changed('The tax profile is approved.')} />`}<//>`}
      <${Reveal} id="tax-reject" label="Reject the tax profile…">${() => html`
        <${ReasonForm} id="tax-reject-reason" label="Why (the partner reads it)" submit="Reject"
                       run=${decide(false)} onDone=${() => changed('The tax profile is rejected.')} />`}<//>
    </div>`;
}

function Links({ links }) {
  return html`
    <${Section} title="Links" id="partner-links">
      ${links.length === 0
        ? html`<p class="empty">No link.</p>`
        : html`
          <${TableWrap} label="Links">
            <table>
              <thead><tr><th scope="col">Short link</th><th scope="col">Leads to</th><th scope="col" class="num">Clicks</th><th scope="col" class="num"><abbr title="Clicks from traffic the campaign or the group ignores: search engines or listed domains">Ignored</abbr></th><th scope="col">Made</th></tr></thead>
              <tbody>
                ${links.map((l) => html`
                  <tr data-link=${l.key}>
                    <th scope="row"><code>${l.shortUrl}</code>${l.archivedAt && html`<span class="muted block">Archived ${day(l.archivedAt)}</span>`}</th>
                    <td>${l.url || html`<span class="muted">The group's destination</span>`}</td>
                    <td class="num">${l.clicks}</td>
                    <td class="num">${l.ignoredClicks}</td>
                    <td>${day(l.createdAt)}</td>
                  </tr>`)}
              </tbody>
            </table>
          <//>`}
    <//>`;
}

function Codes({ codes }) {
  return html`
    <${Section} title="Referral codes" id="partner-codes">
      ${codes.length === 0
        ? html`<p class="empty">No referral code.</p>`
        : html`
          <${TableWrap} label="Referral codes">
            <table>
              <thead><tr><th scope="col">Code</th><th scope="col">Campaign</th><th scope="col" class="num">Clicks</th><th scope="col" class="num">Customers</th><th scope="col">Made</th></tr></thead>
              <tbody>
                ${codes.map((c) => html`
                  <tr data-code=${c.code}>
                    <th scope="row"><code>${c.code}</code>${c.couponCode && html`<span class="muted block">Coupon ${c.couponCode}</span>`}
                      ${c.archivedAt && html`<span class="muted block">Archived ${day(c.archivedAt)}</span>`}</th>
                    <td>${c.campaign.name}</td>
                    <td class="num">${c.clicks}</td>
                    <td class="num">${c.customers}</td>
                    <td>${day(c.createdAt)}</td>
                  </tr>`)}
              </tbody>
            </table>
          <//>`}
    <//>`;
}

function Commissions({ partner }) {
  const paged = usePaged(COMMISSIONS, { partnerId: partner.id }, (d) => d.commissions);
  return html`
    <${Section} title="Commissions" id="partner-commissions"
                actions=${html`<a href=${`#/commissions?partner=${encodeURIComponent(partner.id)}`}>Filter, approve or reverse them</a>`}>
      <${Paged} paged=${paged} what=${['commission', 'commissions']} empty="No commission yet.">
        <${TableWrap} label="Commissions of the partner">
          <table>
            <thead><tr><th scope="col">Accrued</th><th scope="col">Campaign / event</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col" class="num">Amount</th></tr></thead>
            <tbody>
              ${paged.nodes.map((c) => html`
                <tr data-commission=${c.id}>
                  <td>${day(c.accruedAt)}</td>
                  <td>${c.campaign.name}${c.event && html`<span class="muted block">${c.event.externalId}</span>`}</td>
                  <td>${words(c.kind)}</td>
                  <td><${Badge} value=${c.status} />${c.onHold && html` <${Badge} value="HOLD" tone="failed" label="on hold" />`}</td>
                  <td class="num"><${Money} amount=${c.amount} currency=${c.currency} figure=${`commission.${c.id}.amount`} /></td>
                </tr>`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}

function Customers({ partner }) {
  const paged = usePaged(CUSTOMERS, { partnerId: partner.id }, (d) => d.customers);
  return html`
    <${Section} title="Customers" id="partner-customers">
      <${Paged} paged=${paged} what=${['customer', 'customers']} empty="No customer attributed yet.">
        <${TableWrap} label="Customers of the partner">
          <table>
            <thead><tr><th scope="col">Customer</th><th scope="col">Campaign</th><th scope="col">Attributed</th><th scope="col">By</th></tr></thead>
            <tbody>
              ${paged.nodes.map((c) => html`
                <tr data-customer=${c.externalId}>
                  <th scope="row"><code>${c.externalId}</code>${c.email && html`<span class="muted block">${c.email}</span>`}</th>
                  <td>${c.campaign.name}</td>
                  <td>${day(c.attributedAt)}</td>
                  <td>${words(c.attributedBy)}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}

function Flags({ partner }) {
  const paged = usePaged(FLAGS, { partnerId: partner.id }, (d) => d.fraudFlags);
  return html`
    <${Section} title="Fraud flags" id="partner-flags" actions=${html`<a href="#/fraud">The review queue</a>`}>
      <${Paged} paged=${paged} what=${['flag', 'flags']} empty="No fraud flag.">
        <ul class="flag-list">
          ${paged.nodes.map((f) => html`
            <li data-flag=${f.id}>
              <p><strong>${words(f.signal)}</strong> <${Badge} value=${f.status} tone=${tone(f.status)} />
                 <span class="muted"> · ${words(f.action)} · ${day(f.createdAt)}</span></p>
              <p>${f.details}</p>
              ${f.decidedBy && html`<p class="muted">Decided by ${f.decidedBy}${f.note && `: ${f.note}`}</p>`}
            </li>`)}
        </ul>
      <//>
    <//>`;
}
