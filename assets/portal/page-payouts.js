// Payouts: what was paid, or is on its way, each with its statement; one
// payout's lines by its id.
import { html, useState } from './lib.js';
import { download, everyPage } from './api.js';
import { money } from './format.js';
import { day } from './zone.js';
import { Badge, Failure, Loading, Money, NotFound, Outcome, Page, Section, TableWrap, useQuery } from './ui.js';
import { t, term } from './words.js';

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
    <button type="button" class="link" onClick=${get}>${t('payouts.statement', { number: payout.statementNumber })}<span class="visually-hidden"> ${t('common.pdf')}</span></button>
    <${Outcome} outcome=${outcome} />`;
}

export function Payouts() {
  const { data, error, loading } = useQuery(PAYOUTS, {}, allPayouts);
  const partner = data && data.viewer.partner;
  const payouts = partner ? [...partner.payouts.nodes].reverse() : [];
  return html`
    <${Page} title=${t('nav.payouts')} intro=${t('payouts.intro')}>
      ${loading && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${partner && !partner.payoutMethod && html`
        <p class="notice" role="note">${t('payouts.noMethod', { link: html`<a href="#/payment">${t('payouts.addOne')}</a>` })}</p>`}
      ${partner && partner.payoutMinimums.length > 0 && html`
        <p class="hint">${t('payouts.minimum', { amounts: partner.payoutMinimums.map((m) => money(m.amount, m.currency)).join(', ') })}</p>`}
      ${partner && payouts.length === 0 && html`<p class="empty">${t('payouts.none')}</p>`}
      ${payouts.length > 0 && html`
        <${TableWrap} label=${t('nav.payouts')}>
          <table>
            <thead><tr><th scope="col">${t('column.date')}</th><th scope="col">${t('column.statement')}</th><th scope="col">${t('column.status')}</th><th scope="col">${t('column.method')}</th><th scope="col" class="num">${t('column.amount')}</th></tr></thead>
            <tbody>
              ${payouts.map((p) => html`
                <tr data-payout=${p.id}>
                  <td><a href=${`#/payouts/${p.id}`}>${day(p.paidAt || p.createdAt)}</a></td>
                  <td><${Statement} payout=${p} /></td>
                  <td><${Badge} value=${p.status} label=${term('payoutStatus', p.status)} />${p.railStatus && html`<span class="muted block" data-rail-status=${p.railStatus}>${term('rail', p.railStatus)}</span>`}</td>
                  <td>${p.method ? term('method', p.method.type) : '—'}</td>
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
    <${Page} title=${payout ? t('payouts.title', { number: payout.statementNumber }) : t('payouts.payout')}>
      ${loading && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && !payout && html`<${NotFound} message=${t('payouts.notFound')} back="#/payouts" backLabel=${t('payouts.back')} />`}
      ${payout && html`
        <${Section} title=${t('common.summary')} id="payout-summary">
          <dl class="facts">
            <div><dt>${t('column.amount')}</dt><dd><${Money} amount=${payout.amount} currency=${payout.currency} figure=${`payout.${payout.id}.amount`} /></dd></div>
            <div><dt>${t('column.status')}</dt><dd><${Badge} value=${payout.status} label=${term('payoutStatus', payout.status)} /></dd></div>
            <div><dt>${t('payouts.made')}</dt><dd>${day(payout.createdAt)}</dd></div>
            ${payout.paidAt && html`<div><dt>${t('payouts.paid')}</dt><dd>${day(payout.paidAt)}${payout.reference && ` · ${payout.reference}`}</dd></div>`}
            ${payout.failureReason && html`<div><dt>${t('payouts.failed')}</dt><dd>${payout.failureReason}</dd></div>`}
            ${payout.railStatus && html`<div><dt>${t('payouts.sentBy')}</dt><dd>${t('payouts.rail', { method: term('method', payout.rail === 'PAYPAL_PAYOUTS' ? 'PAYPAL' : 'STRIPE_CONNECT'), status: term('rail', payout.railStatus) })}${payout.railStatus === 'UNCLAIMED' && payout.railError ? ` (${payout.railError})` : ''}</dd></div>`}
            <div><dt>${t('column.method')}</dt><dd>${payout.method ? `${term('method', payout.method.type)} ${payout.method.paypalEmail || payout.method.iban || payout.method.stripeAccountId || ''}` : '—'}</dd></div>
            <div><dt>${t('column.statement')}</dt><dd><${Statement} payout=${payout} /></dd></div>
          </dl>
        <//>
        <${Section} title=${t('payouts.lines')} id="payout-lines">
          <${TableWrap} label=${t('payouts.linesLabel')}>
            <table>
              <thead><tr><th scope="col">${t('column.date')}</th><th scope="col">${t('column.kind')}</th><th scope="col">${t('payouts.campaignEvent')}</th><th scope="col" class="num">${t('column.amount')}</th></tr></thead>
              <tbody>
                ${payout.commissions.nodes.map((c) => html`
                  <tr>
                    <td>${day(c.accruedAt)}</td>
                    <td>${term('commissionKind', c.kind)}</td>
                    <td>${c.campaign.name}${c.event && ` / ${c.event.externalId}`}</td>
                    <td class="num"><${Money} amount=${c.amount} currency=${c.currency} figure=${`line.${c.id}.amount`} /></td>
                  </tr>`)}
              </tbody>
            </table>
          <//>
        <//>`}
    <//>`;
}
