// Commissions: the partner's ledger, filtered by status and dates, each
// row with the breakdown of how it was computed.
import { html, useEffect, useRef, useState } from './lib.js';
import { gql } from './api.js';
import { money, words } from './format.js';
import { day, dayStart } from './zone.js';
import { Badge, Failure, Field, Loading, Money, Page, TableWrap } from './ui.js';

const COMMISSIONS = `query Commissions($status: CommissionStatus, $from: DateTime, $to: DateTime, $after: String) {
  commissions(status: $status, accruedFrom: $from, accruedTo: $to, orderBy: ACCRUED_AT_DESC, first: 25, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id kind status amount currency accruedAt
      campaign { name }
      event { externalId amount currency }
      breakdown { vocabulary type description percentage planLabel value amount }
    }
  }
}`;

/** A commission's status as the partner reads it. */
const LABELS = { ACCRUED: 'pending', APPROVED: 'approved', PAID: 'paid', REVERSED: 'reversed' };

const STATUSES = [
  ['', 'Every status'],
  ['ACCRUED', 'Pending'],
  ['APPROVED', 'Approved'],
  ['PAID', 'Paid'],
  ['REVERSED', 'Reversed'],
];

export function Commissions() {
  const [filter, setFilter] = useState({ status: null, from: null, to: null });
  const [rows, setRows] = useState([]);
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(true);
  // Each load is numbered: an answer for an earlier filter (a "Show more"
  // still on its way when the filter changed) is dropped.
  const latest = useRef(0);
  const load = async (after, keep) => {
    const mine = ++latest.current;
    setLoading(true);
    setError(null);
    try {
      const data = await gql(COMMISSIONS, { ...filter, after });
      if (mine !== latest.current) return;
      setRows([...keep, ...data.commissions.nodes]);
      setPage(data.commissions);
    } catch (e) {
      if (mine === latest.current) setError(e);
    } finally {
      if (mine === latest.current) setLoading(false);
    }
  };
  useEffect(() => {
    load(null, []);
  }, [filter]);
  const apply = (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    setFilter({
      status: form.get('status') || null,
      from: dayStart(form.get('from')),
      to: dayStart(form.get('to'), true),
    });
  };
  return html`
    <${Page} title="Commissions" intro="Every commission you earned, and how it was worked out.">
      <form class="filters" onSubmit=${apply} aria-label="Filter commissions">
        <${Field} id="filter-status" label="Status">
          ${(a) => html`<select name="status" ...${a}>${STATUSES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>`}
        <//>
        <${Field} id="filter-from" label="From">${(a) => html`<input type="date" name="from" ...${a} />`}<//>
        <${Field} id="filter-to" label="To (included)">${(a) => html`<input type="date" name="to" ...${a} />`}<//>
        <button type="submit">Apply</button>
      </form>
      ${error && html`<${Failure} error=${error} />`}
      ${page && html`<p class="count" role="status" data-figure="commissions.totalCount">${page.totalCount} ${page.totalCount === 1 ? 'commission' : 'commissions'}</p>`}
      ${rows.length > 0 && html`
        <${TableWrap} label="Commissions">
          <table class="ledger">
            <thead>
              <tr><th scope="col">Date</th><th scope="col">Campaign</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col" class="num">Amount</th><th scope="col"><span class="visually-hidden">Breakdown</span></th></tr>
            </thead>
            ${rows.map((row) => html`<${Row} key=${row.id} row=${row} />`)}
          </table>
        <//>`}
      ${!loading && rows.length === 0 && !error && html`<p class="empty">No commission matches.</p>`}
      ${loading && html`<${Loading} />`}
      ${page && page.pageInfo.hasNextPage && !loading && html`
        <button type="button" class="secondary" onClick=${() => load(page.pageInfo.endCursor, rows)}>Show more</button>`}
    <//>`;
}

function Row({ row }) {
  const [open, setOpen] = useState(false);
  const details = `breakdown-${row.id}`;
  return html`
    <tbody data-commission=${row.id}>
      <tr>
        <td>${day(row.accruedAt)}</td>
        <td>${row.campaign.name}${row.event && html`<span class="muted block">${row.event.externalId}</span>`}</td>
        <td>${words(row.kind)}</td>
        <td><${Badge} value=${row.status} label=${LABELS[row.status]} /></td>
        <td class="num"><${Money} amount=${row.amount} currency=${row.currency} figure=${`commission.${row.id}.amount`} /></td>
        <td>
          <button type="button" class="link" aria-expanded=${open ? 'true' : 'false'} aria-controls=${details}
                  onClick=${() => setOpen(!open)}>${open ? 'Hide' : 'Breakdown'}<span class="visually-hidden"> of the commission of ${day(row.accruedAt)}</span></button>
        </td>
      </tr>
      <tr id=${details} hidden=${!open} class="breakdown">
        <td colspan="6">
          ${row.event && html`<p>On ${row.event.externalId} of ${money(row.event.amount, row.event.currency)}:</p>`}
          <ul>
            ${row.breakdown.map((line) => html`
              <li>
                ${line.description || line.planLabel || words(line.type || line.vocabulary)}
                ${line.percentage && ` · ${line.percentage} %`}${line.value && ` · ${line.value}`}:
                ${' '}${money(line.amount, row.currency)}
              </li>`)}
          </ul>
        </td>
      </tr>
    </tbody>`;
}
