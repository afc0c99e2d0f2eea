// Commissions: the partner's ledger, filtered by status and dates, each
// row with the breakdown of how it was computed.
import { html, useEffect, useRef, useState } from './lib.js';
import { gql } from './api.js';
import { money } from './format.js';
import { day, dayStart } from './zone.js';
import { Badge, Failure, Field, Loading, Money, Page, TableWrap } from './ui.js';
import { t, term } from './words.js';

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

// The statuses to filter by, each with the key of its name.
const STATUSES = [
  ['', 'commissions.everyStatus'],
  ['ACCRUED', 'commissions.filter.ACCRUED'],
  ['APPROVED', 'commissions.filter.APPROVED'],
  ['PAID', 'commissions.filter.PAID'],
  ['REVERSED', 'commissions.filter.REVERSED'],
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
    <${Page} title=${t('nav.commissions')} intro=${t('commissions.intro')}>
      <form class="filters" onSubmit=${apply} aria-label=${t('commissions.filterLabel')}>
        <${Field} id="filter-status" label=${t('commissions.status')}>
          ${(a) => html`<select name="status" ...${a}>${STATUSES.map(([v, l]) => html`<option value=${v}>${t(l)}</option>`)}</select>`}
        <//>
        <${Field} id="filter-from" label=${t('commissions.from')}>${(a) => html`<input type="date" name="from" ...${a} />`}<//>
        <${Field} id="filter-to" label=${t('commissions.to')}>${(a) => html`<input type="date" name="to" ...${a} />`}<//>
        <button type="submit">${t('commissions.apply')}</button>
      </form>
      ${error && html`<${Failure} error=${error} />`}
      ${page && html`<p class="count" role="status" data-figure="commissions.totalCount">${t('commissions.count', { count: page.totalCount })}</p>`}
      ${rows.length > 0 && html`
        <${TableWrap} label=${t('nav.commissions')}>
          <table class="ledger">
            <thead>
              <tr><th scope="col">${t('column.date')}</th><th scope="col">${t('column.campaign')}</th><th scope="col">${t('column.kind')}</th><th scope="col">${t('column.status')}</th><th scope="col" class="num">${t('column.amount')}</th><th scope="col"><span class="visually-hidden">${t('commissions.breakdown')}</span></th></tr>
            </thead>
            ${rows.map((row) => html`<${Row} key=${row.id} row=${row} />`)}
          </table>
        <//>`}
      ${!loading && rows.length === 0 && !error && html`<p class="empty">${t('commissions.none')}</p>`}
      ${loading && html`<${Loading} />`}
      ${page && page.pageInfo.hasNextPage && !loading && html`
        <button type="button" class="secondary" onClick=${() => load(page.pageInfo.endCursor, rows)}>${t('commissions.more')}</button>`}
    <//>`;
}

/** What a line of a breakdown is: its rule or plan, its percentage, the value it used. */
function lineName(line) {
  const name = line.description || line.planLabel || term('breakdown', line.type || line.vocabulary);
  const percentage = line.percentage ? ` · ${t('common.percent', { value: line.percentage })}` : '';
  return `${name}${percentage}${line.value ? ` · ${line.value}` : ''}`;
}

function Row({ row }) {
  const [open, setOpen] = useState(false);
  const details = `breakdown-${row.id}`;
  return html`
    <tbody data-commission=${row.id}>
      <tr>
        <td>${day(row.accruedAt)}</td>
        <td>${row.campaign.name}${row.event && html`<span class="muted block">${row.event.externalId}</span>`}</td>
        <td>${term('commissionKind', row.kind)}</td>
        <td><${Badge} value=${row.status} label=${term('commissionStatus', row.status)} /></td>
        <td class="num"><${Money} amount=${row.amount} currency=${row.currency} figure=${`commission.${row.id}.amount`} /></td>
        <td>
          <button type="button" class="link" aria-expanded=${open ? 'true' : 'false'} aria-controls=${details}
                  onClick=${() => setOpen(!open)}>${open ? t('commissions.hide') : t('commissions.breakdown')}<span class="visually-hidden"> ${t('commissions.ofCommission', { day: day(row.accruedAt) })}</span></button>
        </td>
      </tr>
      <tr id=${details} hidden=${!open} class="breakdown">
        <td colspan="6">
          ${row.event && html`<p>${t('commissions.on', { event: row.event.externalId, amount: money(row.event.amount, row.event.currency) })}</p>`}
          <ul>
            ${row.breakdown.map((line) => html`
              <li>${t('commissions.line', { what: lineName(line), amount: money(line.amount, row.currency) })}</li>`)}
          </ul>
        </td>
      </tr>
    </tbody>`;
}
