// The partner portal: signs the partner in (a one-time link, or an embed
// token), then shows the page the address names, in the partner's
// language. Pages are addressed by the fragment (`#/payouts/…`), so a
// link to one opens it after sign-in and the server serves one document;
// a link's parameters follow the page (`#/payouts/…?tenant=…&lang=fr`),
// so a signed-out partner is shown its program's sign-in form in its
// language, never a dead end (SPEC §38).
import { html, render, useEffect, useState } from './lib.js';
import {
  gql, onSession, readAddress, requestSignIn, signInProgram, signInTenant, signOut, signedOutBecause, start,
} from './api.js';
import { Failure, setWords, useQuery } from './ui.js';
import { LANGUAGES, LANGUAGE_NAMES, browserLanguage, known, setLanguage, t } from './words.js';
import { setZone } from './zone.js';
import { Overview } from './page-overview.js';
import { Commissions } from './page-commissions.js';
import { PayoutDetail, Payouts } from './page-payouts.js';
import { Codes } from './page-codes.js';
import { Links } from './page-links.js';
import { Campaigns } from './page-campaigns.js';
import { Referrals } from './page-referrals.js';
import { Bounties } from './page-bounties.js';
import { Resources } from './page-resources.js';
import { DealDetail, Deals } from './page-deals.js';
import { Payment } from './page-payment.js';
import { Invoices } from './page-invoices.js';
import { Postbacks } from './page-postbacks.js';
import { Messages, UnreadCount, useUnread } from './page-messages.js';
import { Banners } from './banner.js';

// Each page's link: where, and the key of its name.
const PAGES = [
  ['#/', 'nav.overview'],
  ['#/messages', 'nav.messages'],
  ['#/commissions', 'nav.commissions'],
  ['#/payouts', 'nav.payouts'],
  ['#/links', 'nav.links'],
  ['#/codes', 'nav.codes'],
  ['#/campaigns', 'nav.campaigns'],
  ['#/referrals', 'nav.referrals'],
  ['#/bounties', 'nav.bounties'],
  ['#/resources', 'nav.resources'],
  ['#/deals', 'nav.deals'],
  ['#/payment', 'nav.payment'],
  ['#/invoices', 'nav.invoices'],
  ['#/postbacks', 'nav.postbacks'],
];

/** The page the fragment names (the part before a `?`: a link's parameters follow it). */
function route(hash) {
  const path = (hash || '#/').replace(/^#/, '').split('?')[0] || '/';
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
    case 'resources': return { nav: '#/resources', page: html`<${Resources} />` };
    case 'deals': return { nav: '#/deals', page: id ? html`<${DealDetail} key=${id} id=${id} />` : html`<${Deals} />` };
    case 'payment': return { nav: '#/payment', page: html`<${Payment} />` };
    case 'invoices': return { nav: '#/invoices', page: html`<${Invoices} />` };
    case 'postbacks': return { nav: '#/postbacks', page: html`<${Postbacks} />` };
    default: return { nav: null, page: html`<${Missing} />` };
  }
}

/**
 * Whether `path` (a link's `to`, a notification's page) is one of the
 * portal's pages: a path of its own, never another site's address.
 */
function isPage(path) {
  return typeof path === 'string' && /^\/([a-z]+(\/[A-Za-z0-9_.:-]+)?)?$/.test(path) && route(`#${path}`).nav !== null;
}

function Missing() {
  return html`<section class="page"><h1 id="page-title" tabindex="-1">${t('missing.title')}</h1>
    <p class="notice error" role="alert">${t('missing.text')} <a href="#/">${t('missing.back')}</a></p></section>`;
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
 * The program's name as the brand set it (else the tenant's), its time
 * zone — every date on every page is a day of the tenant's calendar — and
 * the partner's language, which the portal is written in whatever the
 * browser's (SPEC §38).
 */
const PROGRAM = `query Program { viewer { tenant { programName timeZone languages } partner { language } } }`;

const SET_LANGUAGE = `mutation Language($language: String!) { setPartnerLanguage(input: { language: $language }) { id language } }`;

/**
 * The languages the program offers, each named in itself, the one in use
 * chosen: shown when the program offers more than one. `choose(code)`
 * makes the choice (answers once it holds); its failure is shown.
 */
function LanguageMenu({ languages, current, choose }) {
  const [error, setError] = useState(null);
  const offered = (languages || []).filter(known);
  if (offered.length < 2 || !current) return null;
  const chosen = async (event) => {
    setError(null);
    try {
      await choose(event.target.value);
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<label class="language">
      <span class="visually-hidden">${t('shell.language')}</span>
      <select id="portal-language" class="small" data-language=${current} value=${current} onChange=${chosen}>
        ${offered.map((code) => html`<option value=${code} lang=${code} selected=${code === current}>${LANGUAGE_NAMES[code]}</option>`)}
      </select>
    </label>
    ${error && html`<${Failure} error=${error} />`}`;
}

function Shell({ session }) {
  const hash = useHash();
  const program = useQuery(PROGRAM, {});
  // The language the partner just chose, until the program's answer says it.
  const [chosen, setChosen] = useState(null);
  const tenant = program.data ? program.data.viewer.tenant : null;
  const partner = program.data ? program.data.viewer.partner : null;
  const programName = tenant ? tenant.programName : null;
  // Set before the page renders: the page's dates are in the tenant's
  // zone, its words in the partner's language.
  if (tenant) setZone(tenant.timeZone);
  const current = program.data ? setLanguage(chosen || (partner && partner.language)) : null;
  // A notification's link opened while signed in: its parameters leave
  // the address, the page stays.
  useEffect(() => {
    if (hash.includes('?')) history.replaceState(null, '', `${location.pathname}${hash.split('?')[0]}`);
  }, [hash]);
  const { nav, page } = route(hash);
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [hash]);
  // The program's messages not read yet, beside the Messages entry.
  const unread = useUnread(hash);
  const choose = async (code) => {
    const done = await gql(SET_LANGUAGE, { language: code });
    setChosen(done.setPartnerLanguage.language);
    program.reload();
  };
  // Signed out by choice, the sign-in page stays in the language the
  // partner was reading: the address says it, as a link's would.
  const leave = () => {
    if (current && location.hash.startsWith('#/')) {
      history.replaceState(null, '', `${location.pathname}${location.hash.split('?')[0]}?lang=${current}`);
    }
    signOut();
  };
  // Until the partner's language is known, nothing is written in another.
  if (!program.data && !program.error) return html`<p class="loading" role="status">${t('ui.loading')}</p>`;
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>${t('shell.skip')}</a>
    <header class="top">
      <p class="brand" data-figure="viewer.tenant.programName" data-loaded=${programName ? 'true' : undefined}>${programName || t('ui.appName')}</p>
      <p class="who" data-figure="viewer.partner.name">${session.partner ? session.partner.name : ''}</p>
      ${tenant && html`<${LanguageMenu} languages=${tenant.languages} current=${partner ? current : null} choose=${choose} />`}
      <button type="button" class="secondary small menu-toggle" aria-expanded=${menu ? 'true' : 'false'} aria-controls="nav"
              onClick=${() => setMenu(!menu)}>${t('shell.menu')}</button>
      <button type="button" class="secondary small" onClick=${leave}>${t('shell.signOut')}</button>
    </header>
    <nav id="nav" aria-label=${t('shell.nav')} class=${menu ? 'open' : ''}>
      <ul>
        ${PAGES.map(([href, label]) => html`
          <li><a href=${href} aria-current=${href === nav ? 'page' : undefined}>${t(label)}${href === '#/messages' && html`<${UnreadCount} count=${unread} />`}</a></li>`)}
      </ul>
    </nav>
    <main id="main" tabindex="-1">
      ${program.error && html`<${Failure} error=${program.error} />`}
      ${tenant && html`<${Banners} hash=${hash} />`}
      ${tenant && page}
      ${tenant && html`<p class="muted zone" data-figure="viewer.tenant.timeZone">${t('shell.timesIn', { zone: tenant.timeZone })}</p>`}
    </main>`;
}

/**
 * The e-mail sign-in form: a one-time link is sent to a partner's address
 * (`email`: filled in from the link that brought the partner here), which
 * opens the page `to` names.
 */
function EmailSignIn({ tenant, email, to }) {
  const [state, setState] = useState({ sending: false, sent: null, error: null });
  const submit = async (event) => {
    event.preventDefault();
    const given = event.target.elements.email.value.trim();
    setState({ sending: true, sent: null, error: null });
    try {
      await requestSignIn(tenant, given, to);
      setState({ sending: false, sent: given, error: null });
    } catch (error) {
      setState({ sending: false, sent: null, error });
    }
  };
  if (state.sent) {
    return html`<p class="notice ok" role="status" data-state="sign-in-sent">${t('signIn.sent', { email: state.sent })}</p>`;
  }
  const invalid = state.error && state.error.field === 'email';
  return html`
    <form class="sign-in-form" onSubmit=${submit} novalidate aria-labelledby="email-sign-in">
      <h2 id="email-sign-in">${t('signIn.heading')}</h2>
      <div class=${`field${invalid ? ' invalid' : ''}`}>
        <label for="sign-in-email">${t('signIn.email')}</label>
        <input id="sign-in-email" name="email" type="email" autocomplete="email" required defaultValue=${email || ''}
          aria-invalid=${invalid ? 'true' : undefined} aria-describedby=${invalid ? 'sign-in-email-error' : undefined} />
        ${invalid && html`<p class="field-error" id="sign-in-email-error">${state.error.message}</p>`}
      </div>
      ${state.error && !invalid && html`<p class="notice error" role="alert">${state.error.message}</p>`}
      <p><button type="submit" disabled=${state.sending}>${t('signIn.send')}</button></p>
    </form>`;
}

/**
 * Signed out, the portal is written in the link's language (`lang`, one
 * of the portal's), else the one the browser asks for first among those
 * the program offers (the portal's own when the program is not known),
 * else the program's default, else English (SPEC §38).
 */
function signedOutLanguage(named, program) {
  if (known(named)) return named;
  const offered = program && program.languages && program.languages.some(known)
    ? program.languages.filter(known)
    : LANGUAGES;
  return browserLanguage(offered) || (program && known(program.defaultLanguage) ? program.defaultLanguage : 'en');
}

/** What a signed-out visitor may know of the program `tenantId` names (none: nothing asked). */
const programOf = (query, { tenantId }) => (tenantId ? signInProgram(tenantId) : Promise.resolve(null));

/**
 * The sign-in page: the program's sign-in form, when the address (or the
 * tab) names the program, in the link's language; `refusal` says why the
 * partner is here — a sign-in link refused (`link`, with the address it
 * was sent to), a session ended (`ended`), or a failure (`error`).
 */
function SignedOut({ refusal }) {
  const hash = useHash();
  const address = readAddress(hash);
  const tenant = signInTenant(address);
  const program = useQuery('signInProgram', { tenantId: tenant || null }, programOf);
  const current = setLanguage(signedOutLanguage(address.params.get('lang'), program.data));
  const title = `${t('signIn.title')} · ${t('ui.appName')}`;
  useEffect(() => {
    document.title = title;
  }, [title]);
  useEffect(() => {
    const heading = document.getElementById('page-title');
    if (heading) heading.focus();
  }, [program.loading]);
  if (program.loading) return html`<p class="loading" role="status">${t('ui.loading')}</p>`;
  // The page a notification's link names: where the link sent opens.
  const to = address.route && address.route !== '/' && isPage(address.route) ? address.route : null;
  const email = (refusal && refusal.email) || address.params.get('email') || '';
  // Another language chosen here is the address's: the page follows it.
  const choose = async (code) => {
    const params = new URLSearchParams(address.params);
    params.set('lang', code);
    history.replaceState(null, '', `${location.pathname}#${address.route || ''}${address.route ? '?' : ''}${params}`);
    dispatchEvent(new HashChangeEvent('hashchange'));
  };
  let notice = null;
  if (refusal && refusal.kind === 'link') notice = t(tenant ? 'signIn.linkRefused' : 'signIn.linkRefusedAsk');
  else if (refusal && refusal.kind === 'ended') notice = signedOutBecause();
  else if (refusal && refusal.kind === 'error') notice = refusal.message;
  return html`
    <main id="main" class="signed-out">
      ${program.data && program.data.programName && html`<p class="brand">${program.data.programName}</p>`}
      <${LanguageMenu} languages=${program.data ? program.data.languages : null} current=${current} choose=${choose} />
      <h1 id="page-title" tabindex="-1">${t('ui.appName')}</h1>
      ${notice
        ? html`<p class="notice error" role="alert" data-state="sign-in-refused">${notice}</p>`
        : html`<p>${t('signIn.open')}</p>`}
      ${tenant
        ? html`<${EmailSignIn} key=${`${tenant} ${email}`} tenant=${tenant} email=${email} to=${to} />`
        : !notice && html`<p class="muted">${t('signIn.worksOnce')}</p>`}
    </main>`;
}

/**
 * Where a sign-in that worked leaves the address: at the page the link's
 * `to` names (one of the portal's; else the overview), or, for a
 * notification's link, at its page without its parameters.
 */
function afterSignIn(address) {
  if (address.params.has('code')) {
    const to = address.params.get('to');
    history.replaceState(null, '', `${location.pathname}#${isPage(to) ? to : '/'}`);
  } else if (address.route && [...address.params.keys()].length) {
    history.replaceState(null, '', `${location.pathname}#${address.route}`);
  }
}

/**
 * Why a start failed, as the sign-in page says it. A sign-in link spent,
 * expired or unknown is no dead end: the address keeps the link's page,
 * program and language (never its code), and the sign-in form is filled
 * with the address the link was sent to.
 */
function refused(address, error) {
  const linkRefused = address.params.has('code') && (error.code === 'CONFLICT' || error.code === 'NOT_FOUND');
  if (!linkRefused) return { kind: 'error', message: error.message };
  const to = address.params.get('to');
  const kept = new URLSearchParams();
  for (const name of ['tenant', 'lang']) {
    if (address.params.get(name)) kept.set(name, address.params.get(name));
  }
  const query = [...kept.keys()].length ? `?${kept}` : '';
  history.replaceState(null, '', `${location.pathname}#${isPage(to) ? to : '/'}${query}`);
  return { kind: 'link', email: (error.extensions && error.extensions.email) || null };
}

function App() {
  const [state, setState] = useState({ ready: false, session: null, refusal: null });
  useEffect(() => {
    const ended = () => (signedOutBecause() ? { kind: 'ended' } : null);
    const off = onSession((session) =>
      setState((s) => ({ ...s, session, refusal: session ? null : ended() })));
    const address = readAddress();
    // The program a link names is kept for the tab: signed out later, its
    // sign-in form is shown.
    signInTenant(address);
    start(address)
      .then((session) => {
        if (session) afterSignIn(address);
        setState({ ready: true, session, refusal: session ? null : ended() });
      })
      .catch((error) => setState({ ready: true, session: null, refusal: refused(address, error) }));
    return off;
  }, []);
  if (!state.ready) return html`<p class="loading" role="status">${t('shell.signingIn')}</p>`;
  if (!state.session) return html`<${SignedOut} refusal=${state.refusal} />`;
  return html`<${Shell} session=${state.session} />`;
}

setWords(t);
// Until the partner's language is known: the link's, else the browser's.
setLanguage(signedOutLanguage(readAddress().params.get('lang'), null));
render(html`<${App} />`, document.getElementById('portal'));
