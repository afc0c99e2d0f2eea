// The console's own building blocks, shared by its pages: the tenant's
// time zone for dates, the address's path and query (`#/partners?q=ann`)
// kept as the state of list pages, lists paged through the API's
// cursors, the read-only guard, small forms for a decision and its
// reason, a partner picker and the program's groups.
import { html, useCallback, useEffect, useRef, useState } from './lib.js';
import { canWrite, everyPage, gql } from './api.js';
import { add, date, dateTime } from './format.js';
import { Failure, Field, Loading, Outcome, useQuery, useSubmit } from './ui.js';

// ---------------------------------------------------------------------
// The tenant: loaded once by the shell, read by every page.

let current = null;
const tenantListeners = new Set();

/** Remembers the tenant (`viewer.tenant`) the pages read. */
export function setTenant(tenant) {
  current = tenant;
  for (const listener of tenantListeners) listener(tenant);
}

/** The tenant, following changes (a setting saved). */
export function useTenant() {
  const [tenant, set] = useState(current);
  useEffect(() => {
    tenantListeners.add(set);
    return () => tenantListeners.delete(set);
  }, []);
  return tenant;
}

/** The tenant's IANA time zone: every date is shown in it. */
export function zone() {
  return current ? current.timeZone : undefined;
}

/** An instant as a day in the tenant's time zone. */
export function day(at) {
  return date(at, zone());
}

/** An instant as a day and a time of day in the tenant's time zone. */
export function dayTime(at) {
  return dateTime(at, zone());
}

/** A calendar day the API names (`Date`, `2026-03-31`), as written: no time zone moves it. */
export function calendarDay(text) {
  return text ? date(`${text}T12:00:00Z`, 'UTC') : '—';
}

/** An instant as a short day (`Mar 3`) in the tenant's time zone: a chart's tick. */
export function shortDay(at) {
  return new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: zone() }).format(new Date(at));
}

/** `{ year, month, day, hour, minute, second }` of an instant in the tenant's zone. */
function partsIn(at) {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone(), hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  return Object.fromEntries(format.formatToParts(at).filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
}

/** Today in the tenant's time zone, as `YYYY-MM-DD` (what a date input takes). */
export function today(offsetDays = 0) {
  const p = partsIn(new Date());
  const at = new Date(Date.UTC(p.year, p.month - 1, p.day + offsetDays));
  return at.toISOString().slice(0, 10);
}

/** The last day of the previous month in the tenant's time zone, `YYYY-MM-DD`. */
export function endOfLastMonth() {
  const p = partsIn(new Date());
  return new Date(Date.UTC(p.year, p.month - 1, 0)).toISOString().slice(0, 10);
}

/** How far the tenant's clock is ahead of UTC at an instant, in ms. */
function offset(at) {
  const p = partsIn(new Date(at));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - Math.floor(at / 1000) * 1000;
}

/**
 * A `YYYY-MM-DD` day as the instant it starts in the tenant's time zone
 * (`next`: the instant the day after starts, for an inclusive end).
 */
export function dayStart(text, next) {
  if (!text) return null;
  const [y, m, d] = text.split('-').map(Number);
  const local = Date.UTC(y, m - 1, d + (next ? 1 : 0));
  let at = local - offset(local);
  at = local - offset(at);
  return new Date(at).toISOString();
}

/**
 * A `datetime-local` field's `YYYY-MM-DDTHH:MM` as the instant it names in
 * the tenant's time zone (UTC, RFC 3339); empty is null.
 */
export function zonedInstant(text) {
  if (!text) return null;
  const [dayPart, timePart = '00:00'] = text.split('T');
  const [y, m, d] = dayPart.split('-').map(Number);
  const [hh, mm] = timePart.split(':').map(Number);
  const local = Date.UTC(y, m - 1, d, hh, mm);
  let at = local - offset(local);
  at = local - offset(at);
  return new Date(at).toISOString();
}

// ---------------------------------------------------------------------
// The address: `#/path/segments?name=value`.

/** The fragment's path segments and query parameters. */
export function parseHash(hash) {
  const raw = (hash || '').replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return {
    parts: path.split('/').filter(Boolean).map(decodeURIComponent),
    params: Object.fromEntries(new URLSearchParams(query)),
  };
}

/** The fragment of `path` with `params` (empty ones left out). */
export function link(path, params = {}) {
  const kept = Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== '');
  const query = new URLSearchParams(kept).toString();
  return `#${path}${query ? `?${query}` : ''}`;
}

/** The fragment, following its changes. */
export function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

/**
 * A list page's filters, kept in the fragment so a reload keeps them:
 * `[params, setParams]`; `setParams(next)` replaces them all.
 */
export function useParams() {
  const { parts, params } = parseHash(useHash());
  const path = `/${parts.map(encodeURIComponent).join('/')}`;
  const set = useCallback((next) => {
    location.hash = link(path, next);
  }, [path]);
  return [params, set];
}

/** A filter form's fields as parameters (empty ones dropped). */
export function formParams(form) {
  return Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== '').map(([k, v]) => [k, String(v).trim()]));
}

// ---------------------------------------------------------------------
// Lists paged through the API's cursors.

/**
 * Runs `query` (which takes `$after`) with `variables`; `pick(data)` is
 * the connection. Answers `{ nodes, page, data, loading, error, more,
 * reload }`: `more()` loads the next page after those shown.
 */
export function usePaged(query, variables, pick) {
  const key = JSON.stringify(variables);
  const [state, setState] = useState({ nodes: [], page: null, data: null, loading: true, error: null });
  const latest = useRef(0);
  const picked = useRef(pick);
  picked.current = pick;
  // Each load is numbered: an answer for earlier filters is dropped.
  const load = useCallback(async (after, keep) => {
    const mine = ++latest.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const data = await gql(query, { ...JSON.parse(key), after });
      if (mine !== latest.current) return;
      const page = picked.current(data);
      setState({ nodes: [...keep, ...(page ? page.nodes : [])], page, data, loading: false, error: null });
    } catch (error) {
      if (mine === latest.current) setState((s) => ({ ...s, loading: false, error }));
    }
  }, [query, key]);
  useEffect(() => {
    load(null, []);
  }, [load]);
  const more = () => state.page && load(state.page.pageInfo.endCursor, state.nodes);
  const reload = () => load(null, []);
  return { ...state, more, reload };
}

/**
 * A paged list's states around its table: the count, the failure, the
 * empty list, loading, and the button for the next page.
 */
export function Paged({ paged, what, empty, children }) {
  const { page, nodes, loading, error } = paged;
  const [one, many] = what;
  const total = page && page.totalCount;
  return html`
    ${error && html`<${Failure} error=${error} />`}
    ${page && total !== undefined && html`
      <p class="count" data-total=${total}>${total}${page.totalCountIsExact === false ? '+' : ''} ${total === 1 ? one : many}${nodes.length < total ? `, ${nodes.length} shown` : ''}</p>`}
    ${nodes.length > 0 && children}
    ${!loading && !error && page !== undefined && nodes.length === 0 && html`<p class="empty">${empty}</p>`}
    ${loading && html`<${Loading} />`}
    ${page && page.pageInfo.hasNextPage && !loading && html`
      <p><button type="button" class="secondary" onClick=${paged.more}>Load more ${many}</button></p>`}`;
}

// ---------------------------------------------------------------------
// Writing: only admins; a viewer reads.

/** Whether the person signed in may change anything. */
export const writable = canWrite;

/** Its children for an admin; for a viewer, a note that it is read-only (or nothing). */
export function Writable({ children, note }) {
  if (canWrite()) return children;
  return note ? html`<p class="notice read-only" role="note">Read-only: ${note}</p>` : null;
}

/**
 * `useSubmit` whose errors also find a field named by a longer path
 * (`input.minimumPayout[0].amount` is the `minimumPayout` field's).
 */
export function useForm(run, done) {
  const [busy, outcome, , submit] = useSubmit(run, done);
  const fieldError = (name) => {
    const error = outcome && outcome.error;
    if (!error || !error.field) return null;
    const path = error.field.replace(/^input\./, '');
    const hit = path === name || path.endsWith(`.${name}`) || path.startsWith(`${name}.`) || path.startsWith(`${name}[`);
    return hit ? error.message : null;
  };
  return [busy, outcome, fieldError, submit];
}

/** What a page last did, announced (the region exists before it speaks). */
export function Done({ message }) {
  return html`<div role="status" class="done-line">${message && html`<p class="notice ok">${message}</p>`}</div>`;
}

/**
 * A button that opens a small form under it: `children(close)` is the
 * form.
 */
export function Reveal({ id, label, children, open: initially = false }) {
  const [open, setOpen] = useState(initially);
  return html`
    <button type="button" class="secondary small" aria-expanded=${open ? 'true' : 'false'} aria-controls=${id}
            onClick=${() => setOpen(!open)}>${label}</button>
    <div id=${id} class="reveal" hidden=${!open}>${open && children(() => setOpen(false))}</div>`;
}

/**
 * A decision and its words: one text field (`name`), perhaps other
 * fields before it (`extra(fieldError)`), and its button. `run(form)`
 * does the write; `onDone(result)` follows.
 */
export function ReasonForm({ id, label, name = 'reason', hint, required = true, submit, run, onDone, extra, long }) {
  const [busy, outcome, fieldError, onSubmit] = useForm(async (form) => {
    const result = await run(form);
    if (onDone) onDone(result);
    return result;
  }, 'Done.');
  return html`
    <form class="stack reason-form" onSubmit=${onSubmit}>
      ${extra && extra(fieldError)}
      <${Field} id=${id} label=${label} hint=${hint} error=${fieldError(name)}>
        ${(a) => (long
          ? html`<textarea name=${name} rows="3" required=${required} maxlength="1000" ...${a}></textarea>`
          : html`<input name=${name} required=${required} maxlength="1000" autocomplete="off" ...${a} />`)}
      <//>
      <p><button type="submit" disabled=${busy}>${submit}</button></p>
      ${outcome && outcome.error && html`<${Outcome} outcome=${outcome} />`}
    </form>`;
}

// ---------------------------------------------------------------------
// Things several pages choose from.

const GROUPS = `query Groups($after: String) {
  partnerGroups(first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name description isDefault partnerCount tags rules { type } }
  }
}`;

const allGroups = (query, variables) => everyPage(query, variables, (d) => d.partnerGroups);

/** The program's groups (a short list: read whole). */
export function useGroups() {
  const found = useQuery(GROUPS, {}, allGroups);
  return { ...found, groups: found.data ? found.data.partnerGroups.nodes : null };
}

/** A `<select>` of the groups (`blank`: the words of the empty choice, if any). */
export function GroupSelect({ groups, name = 'groupId', value, blank, a }) {
  return html`
    <select name=${name} ...${a}>
      ${blank && html`<option value="" selected=${!value}>${blank}</option>`}
      ${(groups || []).map((g) => html`<option value=${g.id} selected=${g.id === value}>${g.name}${g.isDefault ? ' (default)' : ''}</option>`)}
    </select>`;
}

const FIND_PARTNERS = `query FindPartners($search: String) {
  partners(search: $search, first: 100) { nodes { id name email } }
}`;

const ONE_PARTNER = `query OnePartner($id: ID!) { partner(id: $id) { id name email } }`;

const noPartner = async () => ({ partner: null });

/**
 * A partner chosen by searching its name or e-mail: a search box, and a
 * `<select name=…>` of the first 100 partners it finds (a page's most).
 */
export function PartnerPicker({ id, name = 'partnerId', label = 'Partner', value, blank = 'Any partner', error }) {
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState(value || '');
  useEffect(() => setChosen(value || ''), [value]);
  useEffect(() => {
    const wait = setTimeout(() => setSearch(typed.trim()), 300);
    return () => clearTimeout(wait);
  }, [typed]);
  const found = useQuery(FIND_PARTNERS, { search: search || null });
  const named = useQuery(ONE_PARTNER, { id: value || '' }, value ? gql : noPartner);
  const options = found.data ? [...found.data.partners.nodes] : [];
  const known = named.data && named.data.partner;
  if (known && !options.some((p) => p.id === known.id)) options.unshift(known);
  return html`
    <div class="picker">
      <${Field} id=${`${id}-search`} label=${`Find a ${label.toLowerCase()}`} hint="Name or e-mail">
        ${(a) => html`<input type="search" value=${typed} onInput=${(e) => setTyped(e.target.value)} autocomplete="off" ...${a} />`}
      <//>
      <${Field} id=${id} label=${label} error=${error || (found.error && found.error.message)}>
        ${(a) => html`
          <select name=${name} value=${chosen} onChange=${(e) => setChosen(e.target.value)} ...${a}>
            <option value="">${blank}</option>
            ${options.map((p) => html`<option value=${p.id}>${p.name}${p.email ? ` (${p.email})` : ''}</option>`)}
          </select>`}
      <//>
    </div>`;
}

// ---------------------------------------------------------------------
// Approved money not yet in a run: the program's approved balance less
// what pending payouts (made by a run, not yet paid) already hold.

const UNPAID = `query Unpaid($after: String) {
  programTotals { currency accrued approved paid }
  approvedCommissions: commissions(status: APPROVED, first: 1) { totalCount }
  payouts(status: PENDING, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id amount currency commissionCount }
  }
}`;

const allPending = (query, variables) => everyPage(query, variables, (d) => d.payouts);

const negated = (amount) => (amount.startsWith('-') ? amount.slice(1) : `-${amount}`);

/**
 * `{ totals, unpaid, count }`: the program's balances per currency, the
 * approved money per currency no pending payout holds, and how many
 * approved ledger rows no pending payout holds.
 */
export function useUnpaid() {
  const found = useQuery(UNPAID, {}, allPending);
  if (!found.data) return { ...found, totals: null, unpaid: null, count: null };
  const pending = found.data.payouts.nodes;
  const totals = found.data.programTotals;
  const unpaid = totals.map((t) => ({
    currency: t.currency,
    amount: add(t.approved, ...pending.filter((p) => p.currency === t.currency).map((p) => negated(p.amount))),
  }));
  const held = pending.reduce((sum, p) => sum + p.commissionCount, 0);
  return { ...found, totals, unpaid, count: found.data.approvedCommissions.totalCount - held };
}

// ---------------------------------------------------------------------
// Files and words.

/** Saves a file the API answered (`{ filename, contentType, content }`, base64). */
export function saveFile(file) {
  const bytes = Uint8Array.from(atob(file.content), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: file.contentType }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = file.filename;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Minimum payouts (`[{ amount, currency }]`) as words a field shows: `25 USD, 20 EUR`. */
export function minimumsText(list) {
  return list ? list.map((m) => `${m.amount} ${m.currency}`).join(', ') : '';
}

/**
 * A minimums field's words as `[MoneyInput!]`: empty is null (no setting
 * of its own); each part an amount and a currency in either order.
 */
export function parseMinimums(text) {
  const parts = (text || '').split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return null;
  return parts.map((part) => {
    const [a, b = ''] = part.split(/\s+/);
    return /^[A-Za-z]{3}$/.test(a) ? { amount: b, currency: a.toUpperCase() } : { amount: a, currency: b.toUpperCase() };
  });
}

/** The tone of a status badge: its meaning is in its words too. */
export function tone(value) {
  const tones = {
    ACTIVE: 'approved', DONE: 'approved', CLOSED: 'paid', CONFIRMED: 'rejected', DISMISSED: 'paid',
    SUSPENDED: 'failed', ARCHIVED: 'disabled', OPEN: 'pending', RUNNING: 'pending', HOLD: 'failed',
    FLAG: 'pending', IGNORED: 'disabled', WAITING: 'pending', REFUSED: 'failed', CANCELLED: 'disabled', UNCONFIRMED: 'pending',
    PAUSED: 'pending', SCHEDULED: 'pending', SENDING: 'pending', SENT: 'approved', CANCELED: 'disabled',
  };
  return tones[value];
}

// ---------------------------------------------------------------------
// Traffic that earns nothing (SPEC §37): a campaign's or a group's.

export const TRAFFIC_SOURCES = 'trafficSources { ignoreSearchEngines ignoredDomains }';

/** The fields of what a campaign's or a group's clicks earn nothing from. */
export function TrafficSourcesFields({ id, sources, fieldError, disabled = false }) {
  const s = sources || { ignoreSearchEngines: false, ignoredDomains: [] };
  return html`
    <fieldset class="stack" disabled=${disabled}>
      <legend>Traffic that earns nothing</legend>
      <p class="muted">A click from here still reaches your site, but names no partner and attributes no one; it is counted as ignored.</p>
      <label class="choice"><input type="checkbox" name="ignoreSearchEngines" defaultChecked=${s.ignoreSearchEngines} />
        Ignore search engines: search ads (a gclid or msclkid in the address) and search results (Google, Bing, DuckDuckGo and others)</label>
      <${Field} id=${`${id}-ignored-domains`} label="Ignored referring domains" hint="One a line, such as chatgpt.com (its subdomains too); at most 100." error=${fieldError('trafficSources')}>
        ${(a) => html`<textarea name="ignoredDomains" rows="3" defaultValue=${s.ignoredDomains.join('\n')} ...${a}></textarea>`}
      <//>
    </fieldset>`;
}

/** The form's traffic-source fields as a `TrafficSourcesInput`. */
export function trafficSourcesInput(form) {
  return {
    ignoreSearchEngines: form.get('ignoreSearchEngines') === 'on',
    ignoredDomains: (form.get('ignoredDomains') || '').split('\n').map((d) => d.trim()).filter(Boolean),
  };
}
