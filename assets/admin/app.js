// The brand's console (SPEC §24): signs a staff member in with a one-time
// link, then shows the page the address names. Pages are addressed by
// the fragment (`#/partners/…?q=…`), so a reload or a shared link opens
// the same page with the same filters, and the server serves one
// document. A viewer reads every page; only an admin writes.
import { html, render, useEffect, useState } from './lib.js';
import { canWrite, onSession, signOut, signedOutBecause, start } from './api.js';
import { Failure, Loading, Page, useQuery } from './ui.js';
import { parseHash, setTenant, useHash, useTenant } from './parts.js';
import { Overview } from './page-overview.js';
import { Partners } from './page-partners.js';
import { PartnerPage } from './page-partner.js';
import { Applications } from './page-applications.js';
import { Fraud } from './page-fraud.js';
import { Bounties } from './page-bounties.js';
import { Retainers } from './page-retainers.js';
import { Announcements } from './page-announcements.js';
import { Resources } from './page-resources.js';
import { Commissions } from './page-commissions.js';
import { PayoutRunPage, Payouts } from './page-payouts.js';
import { GroupPage, Groups } from './page-groups.js';
import { Campaigns } from './page-campaigns.js';
import { Backtest } from './page-backtest.js';
import { Events } from './page-events.js';
import { Connectors } from './page-connectors.js';
import { Imports } from './page-imports.js';
import { YearEnd } from './page-tax.js';
import { Settings } from './page-settings.js';
import { Activity } from './page-activity.js';
import { Inbox, InboxThread } from './page-inbox.js';
import { Broadcasts } from './page-broadcasts.js';
import { Workflows } from './page-workflows.js';
import { UnreadCount, useUnread } from './messages.js';

const PAGES = [
  ['', 'Overview'],
  ['partners', 'Partners'],
  ['inbox', 'Inbox'],
  ['applications', 'Applications'],
  ['fraud', 'Fraud'],
  ['bounties', 'Bounties'],
  ['retainers', 'Retainers'],
  ['commissions', 'Commissions'],
  ['payouts', 'Payouts'],
  ['year-end', 'Year-end'],
  ['groups', 'Groups'],
  ['campaigns', 'Campaigns'],
  ['broadcasts', 'Broadcasts'],
  ['announcements', 'Announcements'],
  ['resources', 'Resources'],
  ['workflows', 'Workflows'],
  ['backtest', 'Backtest'],
  ['events', 'Held events'],
  ['connectors', 'Connectors'],
  ['import', 'Import'],
  ['activity', 'Activity'],
  ['settings', 'Settings'],
];

/** Pages with a list and one item by id (`#/partners/<id>`). */
const DETAILS = { partners: PartnerPage, payouts: PayoutRunPage, groups: GroupPage, inbox: InboxThread };

const LISTS = {
  '': Overview,
  partners: Partners,
  inbox: Inbox,
  applications: Applications,
  fraud: Fraud,
  bounties: Bounties,
  retainers: Retainers,
  announcements: Announcements,
  resources: Resources,
  commissions: Commissions,
  payouts: Payouts,
  'year-end': YearEnd,
  groups: Groups,
  campaigns: Campaigns,
  broadcasts: Broadcasts,
  workflows: Workflows,
  backtest: Backtest,
  events: Events,
  connectors: Connectors,
  import: Imports,
  activity: Activity,
  settings: Settings,
};

/** The page the fragment names, and the navigation entry it is under. */
function route(hash) {
  const { parts } = parseHash(hash);
  const [first = '', id, ...rest] = parts;
  const List = LISTS[first];
  if (!List || rest.length > 0) return { nav: null, page: html`<${Missing} />` };
  if (id === undefined) return { nav: first, page: html`<${List} />` };
  const Detail = DETAILS[first];
  if (!Detail) return { nav: null, page: html`<${Missing} />` };
  return { nav: first, page: html`<${Detail} key=${id} id=${id} />` };
}

function Missing() {
  return html`
    <${Page} title="Page not found">
      <div class="notice error" role="alert" data-state="not-found">
        <p>There is no such page in the console.</p>
        <p><a href="#/">Go to the overview</a></p>
      </div>
    <//>`;
}

const VIEWER = `query Viewer { viewer { subject tenant { id name programName timeZone currency } } }`;

function Shell({ session }) {
  const hash = useHash();
  const viewer = useQuery(VIEWER, {});
  const loaded = viewer.data && viewer.data.viewer.tenant;
  // Pages read the tenant (its time zone above all) from parts.js: they
  // open once it is known, and follow a setting saved.
  useEffect(() => {
    if (loaded) setTenant(loaded);
  }, [loaded]);
  useEffect(() => () => setTenant(null), []);
  const tenant = useTenant();
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [hash]);
  const { nav, page } = route(hash);
  // Partners' messages staff have not read, beside the Inbox entry.
  const unread = useUnread(hash);
  const program = tenant ? tenant.programName || tenant.name : 'Console';
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <header class="top">
      <p class="brand"><span data-figure="viewer.tenant.programName" data-loaded=${tenant ? 'true' : undefined}>${program}</span> <span class="muted">· Console</span></p>
      <p class="who">
        <span data-figure="viewer.email">${session.email}</span>
        <span class="muted"> · ${session.role === 'ADMIN' ? 'admin' : 'viewer'}</span>
        ${!canWrite() && html` <span class="badge read-only-badge" data-state="read-only">read-only</span>`}
      </p>
      <button type="button" class="secondary small menu-toggle" aria-expanded=${menu ? 'true' : 'false'} aria-controls="nav"
              onClick=${() => setMenu(!menu)}>Menu</button>
      <button type="button" class="secondary small" onClick=${signOut}>Sign out</button>
    </header>
    <nav id="nav" aria-label="Console" class=${menu ? 'open' : ''}>
      <ul>
        ${PAGES.map(([path, label]) => html`
          <li><a href=${`#/${path}`} aria-current=${path === nav ? 'page' : undefined}>${label}${path === 'inbox' && html`<${UnreadCount} count=${unread} />`}</a></li>`)}
      </ul>
    </nav>
    <main id="main" tabindex="-1">
      ${viewer.error && html`<${Failure} error=${viewer.error} />`}
      ${!tenant && viewer.loading && html`<${Loading} />`}
      ${tenant && page}
    </main>`;
}

function SignedOut({ message }) {
  useEffect(() => {
    document.title = 'Sign in · Console';
    const heading = document.getElementById('page-title');
    if (heading) heading.focus();
  }, []);
  return html`
    <main id="main" class="signed-out">
      <h1 id="page-title" tabindex="-1">Console</h1>
      ${message && html`<p class="notice error" role="alert" data-state="sign-in-refused">${message}</p>`}
      <p>The console is for the program's staff. You sign in with a one-time link:</p>
      <ul class="sign-in-ways">
        <li>ask an admin of the program for a sign-in link (made on the console's Settings page), or</li>
        <li>on the server, run <code>revshare staff-link --tenant T --email E</code> (add <code>--role viewer</code> for someone who only reads).</li>
      </ul>
      <p class="muted">A link works once, within its minutes; a session lasts up to twelve hours. If yours was used or has expired, ask for a new one.</p>
    </main>`;
}

function App() {
  // `round`: each sign-in, so a new one opens a new shell.
  const [state, setState] = useState({ ready: false, session: null, message: null, round: 0 });
  useEffect(() => {
    const off = onSession((session) =>
      setState((s) => ({ ...s, session, message: session ? null : signedOutBecause() })));
    const begin = () => start()
      .then((session) => setState((s) => ({ ready: true, session, message: session ? null : signedOutBecause(), round: s.round + 1 })))
      .catch((error) => setState((s) => ({ ready: true, session: null, message: error.message, round: s.round + 1 })));
    // A sign-in link opened in a tab the console is already open in.
    const linked = () => /^#code=/.test(location.hash) && begin();
    begin();
    addEventListener('hashchange', linked);
    return () => {
      off();
      removeEventListener('hashchange', linked);
    };
  }, []);
  if (!state.ready) return html`<p class="loading" role="status">Signing you in…</p>`;
  if (!state.session) return html`<${SignedOut} message=${state.message} />`;
  return html`<${Shell} key=${state.round} session=${state.session} />`;
}

render(html`<${App} />`, document.getElementById('console'));
