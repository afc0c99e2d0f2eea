// Payouts: what was paid, or is on its way, each with its statement; one
// payout's lines by its id.
import { html, useState } from './lib.js';
import { download, everyPage } from './api.js';
import { method, money, words } from './format.js';
import { day } from './zone.js';
import { Badge, Failure, Loading, Money, NotFound, Outcome, Page, Section, TableWrap, useQuery } from './ui.js';

const PAYOUTS = `query Payouts($after: String) {
  viewer {
    partner {
      payoutMinimums { amount currency }
      payoutMethod { type }
      payouts(first: 100, after: $after) {
        nodes { id statementNumber statementUrl status amount currency createdAt paidAt reference railStatus method { type } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}`;

const PAYOUT = `query Payout($id: ID!, $after: String) {
  payout(id: $id) {
    id statementNumber statementUrl status amount currency createdAt paidAt reference failureReason
    rail railStatus railError
    method { type paypalEmail iban stripeAccountId }
    commissions(first: 500, after: $after) {
      nodes { id kind amount currency accruedAt campaign { name } event { externalId } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

// Where a payout sent by API stands, in the partner's words.
const RAIL = {
  QUEUED: 'On its way', SENT: 'Sent, on its way', SUCCEEDED: 'Received', FAILED: 'Failed: paid in the next run',
  UNCLAIMED: 'Waiting for you to claim it at PayPal', RETURNED: 'Returned unclaimed: paid in the next run',
};

// Every payout (oldest first, as the API pages them) and every line of one:
// the pages show them all, newest first.
const allPayouts = (query, variables) => everyPage(query, variables, (d) => d.viewer.partner && d.viewer.partner.payouts);
const allLines = (query, variables) => everyPage(query, variables, (d) => d.payout && d.payout.commissions);

function Statement({ payout }) {
  const [outcome, setOutcome] = useState(null);
  const get = async () => {
    setOutcome(null);
    try {
      await download(payout.statementUrl, `statement-${payout.statementNumber}.pdf`);
    } catch (error) {
      setOutcome({ error });
    }
  };
  return html`
    <button type="button" class="link" onClick=${get}>Statement ${payout.statementNumber}<span class="visually-hidden"> (PDF)</span></button>
    <${Outcome} outcome=${outcome} />`;
}

export function Payouts() {
  const { data, error, loading } = useQuery(PAYOUTS, {}, allPayouts);
  const partner = data && data.viewer.partner;
  const payouts = partner ? [...partner.payouts.nodes].reverse() : [];
  return html`
    <${Page} title="Payouts" intro="Your payouts, newest first, each with its statement: pending ones are on their way, paid ones were sent.">
      ${loading && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${partner && !partner.payoutMethod && html`
        <p class="notice" role="note">You have no payout method yet: <a href="#/payment">add one</a> to be paid.</p>`}
      ${partner && partner.payoutMinimums.length > 0 && html`
        <p class="hint">Minimum payout: ${partner.payoutMinimums.map((m) => money(m.amount, m.currency)).join(', ')}.</p>`}
      ${partner && payouts.length === 0 && html`<p class="empty">No payout yet.</p>`}
      ${payouts.length > 0 && html`
        <${TableWrap} label="Payouts">
          <table>
            <thead><tr><th scope="col">Date</th><th scope="col">Statement</th><th scope="col">Status</th><th scope="col">Method</th><th scope="col" class="num">Amount</th></tr></thead>
            <tbody>
              ${payouts.map((p) => html`
                <tr data-payout=${p.id}>
                  <td><a href=${`#/payouts/${p.id}`}>${day(p.paidAt || p.createdAt)}</a></td>
                  <td><${Statement} payout=${p} /></td>
                  <td><${Badge} value=${p.status} />${p.railStatus && html`<span class="muted block" data-rail-status=${p.railStatus}>${RAIL[p.railStatus] || words(p.railStatus)}</span>`}</td>
                  <td>${p.method ? method(p.method.type) : '—'}</td>
                  <td class="num"><${Money} amount=${p.amount} currency=${p.currency} figure=${`payout.${p.id}.amount`} /></td>
                </tr>`)}
            </tbody>
          </table>
        <//>`}
    <//>`;
}

export function PayoutDetail({ id }) {
  const { data, error, loading } = useQuery(PAYOUT, { id }, allLines);
  const payout = data && data.payout;
  return html`
    <${Page} title=${payout ? `Payout ${payout.statementNumber}` : 'Payout'}>
      ${loading && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && !payout && html`<${NotFound} what="payout" back="#/payouts" backLabel="Back to your payouts" />`}
      ${payout && html`
        <${Section} title="Summary" id="payout-summary">
          <dl class="facts">
            <div><dt>Amount</dt><dd><${Money} amount=${payout.amount} currency=${payout.currency} figure=${`payout.${payout.id}.amount`} /></dd></div>
            <div><dt>Status</dt><dd><${Badge} value=${payout.status} /></dd></div>
            <div><dt>Made</dt><dd>${day(payout.createdAt)}</dd></div>
            ${payout.paidAt && html`<div><dt>Paid</dt><dd>${day(payout.paidAt)}${payout.reference && ` · ${payout.reference}`}</dd></div>`}
            ${payout.failureReason && html`<div><dt>Failed</dt><dd>${payout.failureReason}</dd></div>`}
            ${payout.railStatus && html`<div><dt>Sent by</dt><dd>${method(payout.rail === 'PAYPAL_PAYOUTS' ? 'PAYPAL' : 'STRIPE_CONNECT')}: ${RAIL[payout.railStatus] || words(payout.railStatus)}${payout.railStatus === 'UNCLAIMED' && payout.railError ? ` (${payout.railError})` : ''}</dd></div>`}
            <div><dt>Method</dt><dd>${payout.method ? `${method(payout.method.type)} ${payout.method.paypalEmail || payout.method.iban || payout.method.stripeAccountId || ''}` : '—'}</dd></div>
            <div><dt>Statement</dt><dd><${Statement} payout=${payout} /></dd></div>
          </dl>
        <//>
        <${Section} title="Lines" id="payout-lines">
          <${TableWrap} label="Lines of the payout">
            <table>
              <thead><tr><th scope="col">Date</th><th scope="col">Kind</th><th scope="col">Campaign / event</th><th scope="col" class="num">Amount</th></tr></thead>
              <tbody>
                ${payout.commissions.nodes.map((c) => html`
                  <tr>
                    <td>${day(c.accruedAt)}</td>
                    <td>${words(c.kind)}</td>
                    <td>${c.campaign.name}${c.event && ` / ${c.event.externalId}`}</td>
                    <td class="num"><${Money} amount=${c.amount} currency=${c.currency} figure=${`line.${c.id}.amount`} /></td>
                  </tr>`)}
              </tbody>
            </table>
          <//>
        <//>`}
    <//>`;
}
