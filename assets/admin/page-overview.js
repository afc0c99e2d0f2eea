// Overview: the program at a glance. What waits for someone (pending
// applications, open fraud flags, approved money no run has taken yet,
// held events, ignored connector deliveries), each a link to its queue;
// the program's totals per currency; the last 90 days week by week; the
// partners who earned most in them.
import { html, useState } from './lib.js';
import { add } from './format.js';
import { BarChart, Failure, Loading, Money, Page, Section, TableWrap, useQuery } from './ui.js';
import { shortDay, useTenant, useUnpaid } from './parts.js';

const DAYS = 90;

const OVERVIEW = `query Overview($from: DateTime!, $to: DateTime!, $currency: String!) {
  commissionStats(interval: WEEK, from: $from, to: $to) { start currency accrued approved paid clawedBack }
  topPartners(from: $from, to: $to, currency: $currency, first: 10) { partner { id name email } amount currency }
  applications: partnerApplications(status: PENDING, first: 1) { totalCount totalCountIsExact }
  fraud: fraudFlags(status: OPEN, first: 1) { totalCount totalCountIsExact }
  held: unattributedEvents(first: 1) { totalCount totalCountIsExact }
  billingConnectors { provider eventsIgnored }
}`;

export function Overview() {
  const tenant = useTenant();
  // Fixed when the page opens: a new range on each render would fetch again.
  const [range] = useState(() => {
    const to = new Date();
    return { from: new Date(to.getTime() - DAYS * 86_400_000).toISOString(), to: to.toISOString() };
  });
  const { data, error, loading } = useQuery(OVERVIEW, { ...range, currency: tenant.currency });
  const unpaid = useUnpaid();
  return html`
    <${Page} title="Overview" intro="What waits for you, and how the program is doing.">
      ${(loading || unpaid.loading) && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${unpaid.error && html`<${Failure} error=${unpaid.error} />`}
      ${data && unpaid.data && html`<${Queues} data=${data} unpaid=${unpaid} />`}
      ${unpaid.totals && html`<${Totals} totals=${unpaid.totals} />`}
      ${data && html`
        <${Weeks} stats=${data.commissionStats} />
        <${Top} rows=${data.topPartners} currency=${tenant.currency} />`}
    <//>`;
}

/** A count that links to the page where it is worked through. */
function Queue({ href, name, count, exact = true, children }) {
  return html`
    <li class="queue">
      <a href=${href}>
        <span class="queue-count" data-count=${name}>${count}${exact ? '' : '+'}</span>
        <span class="queue-label">${children}</span>
      </a>
    </li>`;
}

function Queues({ data, unpaid }) {
  const ignored = data.billingConnectors.reduce((sum, c) => sum + c.eventsIgnored, 0);
  return html`
    <${Section} title="Waiting for you" id="queues-title">
      <ul class="counts">
        <${Queue} href="#/applications" name="applications" count=${data.applications.totalCount} exact=${data.applications.totalCountIsExact}>
          applications to decide<//>
        <${Queue} href="#/fraud" name="fraud" count=${data.fraud.totalCount} exact=${data.fraud.totalCountIsExact}>
          open fraud flags<//>
        <${Queue} href="#/payouts" name="unpaid" count=${Math.max(0, unpaid.count)}>
          approved commissions not yet in a payout run<//>
        <${Queue} href="#/events" name="events" count=${data.held.totalCount} exact=${data.held.totalCountIsExact}>
          held events (unattributed, or waiting for a rate)<//>
        <${Queue} href="#/connectors" name="ignored" count=${ignored}>
          connector events ignored<//>
      </ul>
      <h3 id="unpaid-title">Approved, not yet in a run</h3>
      ${unpaid.unpaid.length === 0
        ? html`<p class="empty">Nothing approved yet.</p>`
        : html`
          <dl class="facts" aria-labelledby="unpaid-title">
            ${unpaid.unpaid.map((u) => html`
              <div><dt>${u.currency}</dt><dd><${Money} amount=${u.amount} currency=${u.currency} figure=${`overview.approvedUnpaid.${u.currency}`} /></dd></div>`)}
          </dl>`}
      <p><a href="#/payouts">Preview and create a payout run</a></p>
    <//>`;
}

function Totals({ totals }) {
  return html`
    <${Section} title="Program totals" id="totals-title">
      ${totals.length === 0 && html`<p class="empty">No commission yet.</p>`}
      <div class="balances">
        ${totals.map((b) => html`
          <div class="balance" data-currency=${b.currency}>
            <h3>${b.currency}</h3>
            <dl>
              <div><dt>Pending approval</dt><dd><${Money} amount=${b.accrued} currency=${b.currency} figure=${`overview.totals.${b.currency}.accrued`} /></dd></div>
              <div><dt>Approved, unpaid</dt><dd><${Money} amount=${b.approved} currency=${b.currency} figure=${`overview.totals.${b.currency}.approved`} /></dd></div>
              <div><dt>Paid</dt><dd><${Money} amount=${b.paid} currency=${b.currency} figure=${`overview.totals.${b.currency}.paid`} /></dd></div>
            </dl>
          </div>`)}
      </div>
    <//>`;
}

function Weeks({ stats }) {
  const currencies = [...new Set(stats.map((s) => s.currency))];
  return html`
    <${Section} title=${`Earned in the last ${DAYS} days, week by week`} id="weeks-title">
      ${currencies.length === 0 && html`<p class="empty">Nothing earned in the last ${DAYS} days.</p>`}
      ${currencies.map((currency) => {
        const points = stats
          .filter((s) => s.currency === currency)
          .map((s) => ({
            label: shortDay(s.start),
            amount: add(s.accrued, s.approved, s.paid, s.clawedBack),
            figure: `overview.week.${currency}.${s.start.slice(0, 10)}`,
          }));
        return html`<${BarChart} id=${`weeks-${currency}`} unit="Week of"
                                  title=${`Commissions earned per week in ${currency}, last ${DAYS} days (each week named by its first day)`}
                                  points=${points} currency=${currency} />`;
      })}
    <//>`;
}

function Top({ rows, currency }) {
  return html`
    <${Section} title=${`Top partners, last ${DAYS} days (${currency})`} id="top-title">
      ${rows.length === 0
        ? html`<p class="empty">No partner earned in ${currency} in the last ${DAYS} days.</p>`
        : html`
          <${TableWrap} label="Top partners">
            <table>
              <thead><tr><th scope="col" class="num">Rank</th><th scope="col">Partner</th><th scope="col" class="num">Earned</th></tr></thead>
              <tbody>
                ${rows.map((r, i) => html`
                  <tr data-partner=${r.partner.id}>
                    <td class="num">${i + 1}</td>
                    <th scope="row"><a href=${`#/partners/${encodeURIComponent(r.partner.id)}`}>${r.partner.name}</a>${r.partner.email && html`<span class="muted block">${r.partner.email}</span>`}</th>
                    <td class="num"><${Money} amount=${r.amount} currency=${r.currency} figure=${`overview.top.${r.partner.id}`} /></td>
                  </tr>`)}
              </tbody>
            </table>
          <//>`}
    <//>`;
}
