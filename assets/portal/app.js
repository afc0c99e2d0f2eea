// The partner portal: signs the partner in (a one-time link, or an embed
// token), then shows the page the address names. Pages are addressed by
// the fragment (`#/payouts/…`), so a link to one opens it after sign-in
// and the server serves one document.
import { html, render, useEffect, useState } from './lib.js';
import { gql, onSession, requestSignIn, signInTenant, signOut, signedOutBecause, start } from './api.js';
import { Failure, Loading, useQuery } from './ui.js';
import { setZone } from './zone.js';
import { Overview } from './page-overview.js';
import { Commissions } from './page-commissions.js';
import { PayoutDetail, Payouts } from './page-payouts.js';
import { Codes } from './page-codes.js';
import { Links } from './page-links.js';
import { Campaigns } from './page-campaigns.js';
import { Referrals } from './page-referrals.js';
import { Bounties } from './page-bounties.js';
import { DealDetail, Deals } from './page-deals.js';
import { Payment } from './page-payment.js';
import { Invoices } from './page-invoices.js';
import { Postbacks } from './page-postbacks.js';
import { Messages, UnreadCount, useUnread } from './page-messages.js';

const PAGES = [
  ['#/', 'Overview'],
  ['#/messages', 'Messages'],
  ['#/commissions', 'Commissions'],
  ['#/payouts', 'Payouts'],
  ['#/links', 'Links'],
  ['#/codes', 'Referral links'],
  ['#/campaigns', 'Campaigns'],
  ['#/referrals', 'Referrals'],
  ['#/bounties', 'Bounties'],
  ['#/deals', 'Deals'],
  ['#/payment', 'Payment details'],
  ['#/invoices', 'Invoices'],
  ['#/postbacks', 'Postbacks'],
];

/** The page the fragment names. */
function route(hash) {
  const path = (hash || '#/').replace(/^#/, '') || '/';
  const [, first = '', id] = path.split('/');
  switch (first) {
    case '': return { nav: '#/', page: html`<${Overview} />` };
    case 'messages': return { nav: '#/messages', page: html`<${Messages} />` };
    case 'commissions': return { nav: '#/commissions', page: html`<${Commissions} />` };
    case 'payouts': return { nav: '#/payouts', page: id ? html`<${PayoutDetail} key=${id} id=${id} />` : html`<${Payouts} />` };
    case 'links': return { nav: '#/links', page: html`<${Links} />` };
    case 'codes': return { nav: '#/codes', page: html`<${Codes} />` };
    case 'campaigns': return { nav: '#/campaigns', page: html`<${Campaigns} />` };
    case 'referrals': return { nav: '#/referrals', page: html`<${Referrals} />` };
    case 'bounties': return { nav: '#/bounties', page: html`<${Bounties} />` };
    case 'deals': return { nav: '#/deals', page: id ? html`<${DealDetail} key=${id} id=${id} />` : html`<${Deals} />` };
    case 'payment': return { nav: '#/payment', page: html`<${Payment} />` };
    case 'invoices': return { nav: '#/invoices', page: html`<${Invoices} />` };
    case 'postbacks': return { nav: '#/postbacks', page: html`<${Postbacks} />` };
    default: return { nav: null, page: html`<${Missing} />` };
  }
}

function Missing() {
  return html`<section class="page"><h1 id="page-title" tabindex="-1">Page not found</h1>
    <p class="notice error" role="alert">There is no such page. <a href="#/">Go to the overview</a>.</p></section>`;
}

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

/**
 * The program's name as the brand set it (else the tenant's), and its time
 * zone: every date on every page is a day of the tenant's calendar.
 */
const PROGRAM = `query Program { viewer { tenant { programName timeZone languages } partner { language } } }`;

const SET_LANGUAGE = `mutation Language($language: String!) { setPartnerLanguage(input: { language: $language }) { id language } }`;

/** Each language as it names itself (SPEC §38). */
const LANGUAGE_NAMES = { de: 'Deutsch', en: 'English', es: 'Español', fr: 'Français', it: 'Italiano', nl: 'Nederlands' };

/**
 * The languages the program offers, each named in itself, the partner's
 * own chosen: shown when the program offers more than one.
 */
function LanguageMenu({ languages, current, changed }) {
  const [error, setError] = useState(null);
  if (!languages || languages.length < 2 || !current) return null;
  const choose = async (event) => {
    setError(null);
    try {
      await gql(SET_LANGUAGE, { language: event.target.value });
      changed();
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<label class="language">
      <span class="visually-hidden">Language</span>
      <select id="portal-language" class="small" data-language=${current} value=${current} onChange=${choose}>
        ${languages.map((code) => html`<option value=${code} lang=${code} selected=${code === current}>${LANGUAGE_NAMES[code] || code}</option>`)}
      </select>
    </label>
    ${error && html`<${Failure} error=${error} />`}`;
}

function Shell({ session }) {
  const hash = useHash();
  const program = useQuery(PROGRAM, {});
  const tenant = program.data ? program.data.viewer.tenant : null;
  const programName = tenant ? tenant.programName : null;
  // Set before the page renders: the page's dates are in it.
  if (tenant) setZone(tenant.timeZone);
  const { nav, page } = route(hash);
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [hash]);
  // The program's messages not read yet, beside the Messages entry.
  const unread = useUnread(hash);
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <header class="top">
      <p class="brand" data-figure="viewer.tenant.programName" data-loaded=${programName ? 'true' : undefined}>${programName || 'Partner portal'}</p>
      <p class="who" data-figure="viewer.partner.name">${session.partner ? session.partner.name : ''}</p>
      ${tenant && html`<${LanguageMenu} languages=${tenant.languages}
        current=${program.data.viewer.partner ? program.data.viewer.partner.language : null} changed=${program.reload} />`}
      <button type="button" class="secondary small menu-toggle" aria-expanded=${menu ? 'true' : 'false'} aria-controls="nav"
              onClick=${() => setMenu(!menu)}>Menu</button>
      <button type="button" class="secondary small" onClick=${signOut}>Sign out</button>
    </header>
    <nav id="nav" aria-label="Portal" class=${menu ? 'open' : ''}>
      <ul>
        ${PAGES.map(([href, label]) => html`
          <li><a href=${href} aria-current=${href === nav ? 'page' : undefined}>${label}${href === '#/messages' && html`<${UnreadCount} count=${unread} />`}</a></li>`)}
      </ul>
    </nav>
    <main id="main" tabindex="-1">
      ${program.error && html`<${Failure} error=${program.error} />`}
      ${!tenant && !program.error && html`<${Loading} />`}
      ${tenant && page}
      ${tenant && html`<p class="muted zone" data-figure="viewer.tenant.timeZone">Times in ${tenant.timeZone}</p>`}
    </main>`;
}

/** The e-mail sign-in form: a one-time link is sent to a partner's address. */
function EmailSignIn({ tenant }) {
  const [state, setState] = useState({ sending: false, sent: null, error: null });
  const submit = async (event) => {
    event.preventDefault();
    const email = event.target.elements.email.value.trim();
    setState({ sending: true, sent: null, error: null });
    try {
      await requestSignIn(tenant, email);
      setState({ sending: false, sent: email, error: null });
    } catch (error) {
      setState({ sending: false, sent: null, error });
    }
  };
  if (state.sent) {
    return html`<p class="notice ok" role="status" data-state="sign-in-sent">
      If ${state.sent} belongs to a partner of this program, a sign-in link is on its way. It works once, within 15 minutes.</p>`;
  }
  const invalid = state.error && state.error.field === 'email';
  return html`
    <form class="sign-in-form" onSubmit=${submit} novalidate aria-labelledby="email-sign-in">
      <h2 id="email-sign-in">Sign in by e-mail</h2>
      <div class=${`field${invalid ? ' invalid' : ''}`}>
        <label for="sign-in-email">Your e-mail address</label>
        <input id="sign-in-email" name="email" type="email" autocomplete="email" required
          aria-invalid=${invalid ? 'true' : undefined} aria-describedby=${invalid ? 'sign-in-email-error' : undefined} />
        ${invalid && html`<p class="field-error" id="sign-in-email-error">${state.error.message}</p>`}
      </div>
      ${state.error && !invalid && html`<p class="notice error" role="alert">${state.error.message}</p>`}
      <p><button type="submit" disabled=${state.sending}>Send me a sign-in link</button></p>
    </form>`;
}

function SignedOut({ message, tone }) {
  const tenant = signInTenant();
  useEffect(() => {
    document.title = 'Sign in · Partner portal';
    const heading = document.getElementById('page-title');
    if (heading) heading.focus();
  }, []);
  return html`
    <main id="main" class="signed-out">
      <h1 id="page-title" tabindex="-1">Partner portal</h1>
      ${message
        ? html`<p class=${`notice ${tone || 'error'}`} role="alert" data-state="sign-in-refused">${message}</p>`
        : html`<p>Open the sign-in link your program sent you to see your commissions and payouts.</p>`}
      ${tenant
        ? html`<${EmailSignIn} tenant=${tenant} />`
        : html`<p class="muted">A sign-in link works once. If yours was used or has expired, ask the program for a new one.</p>`}
    </main>`;
}

function App() {
  const [state, setState] = useState({ ready: false, session: null, message: null });
  useEffect(() => {
    const off = onSession((session) =>
      setState((s) => ({ ...s, session, message: session ? null : signedOutBecause() })));
    start()
      .then((session) => setState({ ready: true, session, message: session ? null : signedOutBecause() }))
      .catch((error) => setState({ ready: true, session: null, message: error.message }));
    return off;
  }, []);
  if (!state.ready) return html`<p class="loading" role="status">Signing you in…</p>`;
  if (!state.session) return html`<${SignedOut} message=${state.message} />`;
  return html`<${Shell} session=${state.session} />`;
}

render(html`<${App} />`, document.getElementById('portal'));
