// Deals: the partner's registered and worked deals, a new registration,
// and one deal's history by its id.
import { html } from './lib.js';
import { everyPage, gql } from './api.js';
import { words } from './format.js';
import { day } from './zone.js';
import { Badge, Failure, Field, Loading, Money, NotFound, Outcome, Page, Section, TableWrap, useQuery, useSubmit } from './ui.js';

const DEALS = `query Deals($after: String) {
  deals(first: 100, after: $after) {
    nodes { id name companyName amount currency registration status stage { name } createdAt }
    pageInfo { hasNextPage endCursor }
  }
}`;

// Every deal (oldest first, as the API pages them): the page shows them newest first.
const allDeals = (query, variables) => everyPage(query, variables, (d) => d.deals);

const DEAL = `query Deal($id: ID!) {
  deal(id: $id) {
    id name companyName companyDomain amount currency registration registrationReason status
    stage { name } notes createdAt
    history { field from to actor at }
  }
}`;

const REGISTER = `mutation Register($input: RegisterDealInput!) { registerDeal(input: $input) { id name registration } }`;

export function Deals() {
  const { data, error, loading, reload } = useQuery(DEALS, {}, allDeals);
  const [busy, outcome, fieldError, submit] = useSubmit(async (form) => {
    const input = {
      name: form.get('name'),
      companyName: form.get('companyName'),
      companyDomain: form.get('companyDomain'),
      amount: form.get('amount'),
    };
    if (form.get('notes')) input.notes = form.get('notes');
    const registered = await gql(REGISTER, { input });
    reload();
    return registered.registerDeal;
  }, (deal) => `${deal.name} is registered: it waits for the program's approval.`);
  const deals = data ? [...data.deals.nodes].reverse() : [];
  return html`
    <${Page} title="Deals" intro="Register a deal you are working on; it earns once the program approves it.">
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && deals.length === 0 && html`<p class="empty">No deal yet.</p>`}
      ${deals.length > 0 && html`
        <${TableWrap} label="Deals">
          <table>
            <thead><tr><th scope="col">Deal</th><th scope="col">Registration</th><th scope="col">Stage</th><th scope="col" class="num">Amount</th></tr></thead>
            <tbody>
              ${deals.map((d) => html`
                <tr data-deal=${d.id}>
                  <td><a href=${`#/deals/${d.id}`}>${d.name}</a>${d.companyName && html`<span class="muted block">${d.companyName}</span>`}</td>
                  <td><${Badge} value=${d.registration} /></td>
                  <td>${d.stage ? d.stage.name : '—'} <span class="muted">· ${words(d.status)}</span></td>
                  <td class="num"><${Money} amount=${d.amount} currency=${d.currency} figure=${`deal.${d.id}.amount`} /></td>
                </tr>`)}
            </tbody>
          </table>
        <//>`}
      <${Section} title="Register a deal" id="register-title">
        <form onSubmit=${submit} class="stack">
          <${Field} id="deal-name" label="Deal name" error=${fieldError('name')}>${(a) => html`<input name="name" required ...${a} />`}<//>
          <${Field} id="deal-company" label="Company" error=${fieldError('companyName')}>${(a) => html`<input name="companyName" required autocomplete="organization" ...${a} />`}<//>
          <${Field} id="deal-domain" label="Company's domain" hint="acme.com: one partner at a time works a company." error=${fieldError('companyDomain')}>
            ${(a) => html`<input name="companyDomain" required spellcheck="false" ...${a} />`}
          <//>
          <${Field} id="deal-amount" label="Expected amount" error=${fieldError('amount')}>${(a) => html`<input name="amount" required inputmode="decimal" ...${a} />`}<//>
          <${Field} id="deal-notes" label="Notes (optional)" error=${fieldError('notes')}>${(a) => html`<textarea name="notes" rows="3" ...${a}></textarea>`}<//>
          <button type="submit" disabled=${busy}>Register deal</button>
          <${Outcome} outcome=${outcome} />
        </form>
      <//>
    <//>`;
}

export function DealDetail({ id }) {
  const { data, error, loading } = useQuery(DEAL, { id });
  const deal = data && data.deal;
  return html`
    <${Page} title=${deal ? deal.name : 'Deal'}>
      ${loading && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && !deal && html`<${NotFound} what="deal" back="#/deals" backLabel="Back to your deals" />`}
      ${deal && html`
        <${Section} title="Summary" id="deal-summary">
          <dl class="facts">
            <div><dt>Company</dt><dd>${deal.companyName || '—'}${deal.companyDomain && ` (${deal.companyDomain})`}</dd></div>
            <div><dt>Amount</dt><dd><${Money} amount=${deal.amount} currency=${deal.currency} figure=${`deal.${deal.id}.amount`} /></dd></div>
            <div><dt>Registration</dt><dd><${Badge} value=${deal.registration} />${deal.registrationReason && ` ${deal.registrationReason}`}</dd></div>
            <div><dt>Stage</dt><dd>${deal.stage ? deal.stage.name : '—'} · ${words(deal.status)}</dd></div>
            <div><dt>Registered</dt><dd>${day(deal.createdAt)}</dd></div>
            ${deal.notes && html`<div><dt>Notes</dt><dd>${deal.notes}</dd></div>`}
          </dl>
        <//>
        <${Section} title="History" id="deal-history">
          ${deal.history.length === 0 && html`<p class="empty">No change yet.</p>`}
          <ol class="history">
            ${deal.history.map((c) => html`
              <li><time datetime=${c.at}>${day(c.at)}</time>: ${words(c.field)} ${c.from ? `from ${c.from} ` : ''}to ${c.to || '—'} <span class="muted">by ${c.actor}</span></li>`)}
          </ol>
        <//>`}
    <//>`;
}
