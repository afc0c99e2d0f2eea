// Deals: the partner's registered and worked deals, a new registration,
// and one deal's history by its id.
import { html } from './lib.js';
import { everyPage, gql } from './api.js';
import { day } from './zone.js';
import { Badge, Failure, Field, Loading, Money, NotFound, Outcome, Page, Section, TableWrap, useQuery, useSubmit } from './ui.js';
import { t, term } from './words.js';

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
  }, (deal) => t('deals.registered', { name: deal.name }));
  const deals = data ? [...data.deals.nodes].reverse() : [];
  return html`
    <${Page} title=${t('nav.deals')} intro=${t('deals.intro')}>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && deals.length === 0 && html`<p class="empty">${t('deals.none')}</p>`}
      ${deals.length > 0 && html`
        <${TableWrap} label=${t('nav.deals')}>
          <table>
            <thead><tr><th scope="col">${t('deals.deal')}</th><th scope="col">${t('deals.registration')}</th><th scope="col">${t('deals.stage')}</th><th scope="col" class="num">${t('column.amount')}</th></tr></thead>
            <tbody>
              ${deals.map((d) => html`
                <tr data-deal=${d.id}>
                  <td><a href=${`#/deals/${d.id}`}>${d.name}</a>${d.companyName && html`<span class="muted block">${d.companyName}</span>`}</td>
                  <td><${Badge} value=${d.registration} label=${term('registration', d.registration)} /></td>
                  <td>${d.stage ? d.stage.name : '—'} <span class="muted">· ${term('dealStatus', d.status)}</span></td>
                  <td class="num"><${Money} amount=${d.amount} currency=${d.currency} figure=${`deal.${d.id}.amount`} /></td>
                </tr>`)}
            </tbody>
          </table>
        <//>`}
      <${Section} title=${t('deals.register')} id="register-title">
        <form onSubmit=${submit} class="stack">
          <${Field} id="deal-name" label=${t('deals.name')} error=${fieldError('name')}>${(a) => html`<input name="name" required ...${a} />`}<//>
          <${Field} id="deal-company" label=${t('deals.company')} error=${fieldError('companyName')}>${(a) => html`<input name="companyName" required autocomplete="organization" ...${a} />`}<//>
          <${Field} id="deal-domain" label=${t('deals.domain')} hint=${t('deals.domainHint')} error=${fieldError('companyDomain')}>
            ${(a) => html`<input name="companyDomain" required spellcheck="false" ...${a} />`}
          <//>
          <${Field} id="deal-amount" label=${t('deals.amount')} error=${fieldError('amount')}>${(a) => html`<input name="amount" required inputmode="decimal" ...${a} />`}<//>
          <${Field} id="deal-notes" label=${t('deals.notesOptional')} error=${fieldError('notes')}>${(a) => html`<textarea name="notes" rows="3" ...${a}></textarea>`}<//>
          <button type="submit" disabled=${busy}>${t('deals.submit')}</button>
          <${Outcome} outcome=${outcome} />
        </form>
      <//>
    <//>`;
}

// The fields whose values are the API's words for a state, said as the partner reads them.
const VALUES = { registration: 'registration', status: 'dealStatus' };

/** One change of a deal in words: its field, from what, to what. */
function change(c) {
  const value = (v) => (v && VALUES[c.field] ? term(VALUES[c.field], v) : v || '—');
  const field = term('dealField', c.field);
  return c.from
    ? t('deals.changedFrom', { field, from: value(c.from), to: value(c.to) })
    : t('deals.changedTo', { field, to: value(c.to) });
}

export function DealDetail({ id }) {
  const { data, error, loading } = useQuery(DEAL, { id });
  const deal = data && data.deal;
  return html`
    <${Page} title=${deal ? deal.name : t('deals.deal')}>
      ${loading && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && !deal && html`<${NotFound} message=${t('deals.notFound')} back="#/deals" backLabel=${t('deals.back')} />`}
      ${deal && html`
        <${Section} title=${t('common.summary')} id="deal-summary">
          <dl class="facts">
            <div><dt>${t('deals.company')}</dt><dd>${deal.companyName || '—'}${deal.companyDomain && ` (${deal.companyDomain})`}</dd></div>
            <div><dt>${t('column.amount')}</dt><dd><${Money} amount=${deal.amount} currency=${deal.currency} figure=${`deal.${deal.id}.amount`} /></dd></div>
            <div><dt>${t('deals.registration')}</dt><dd><${Badge} value=${deal.registration} label=${term('registration', deal.registration)} />${deal.registrationReason && ` ${deal.registrationReason}`}</dd></div>
            <div><dt>${t('deals.stage')}</dt><dd>${deal.stage ? deal.stage.name : '—'} · ${term('dealStatus', deal.status)}</dd></div>
            <div><dt>${t('deals.registeredOn')}</dt><dd>${day(deal.createdAt)}</dd></div>
            ${deal.notes && html`<div><dt>${t('deals.notes')}</dt><dd>${deal.notes}</dd></div>`}
          </dl>
        <//>
        <${Section} title=${t('deals.history')} id="deal-history">
          ${deal.history.length === 0 && html`<p class="empty">${t('deals.noChange')}</p>`}
          <ol class="history">
            ${deal.history.map((c) => html`
              <li>${t('deals.change', { day: html`<time datetime=${c.at}>${day(c.at)}</time>`, change: change(c) })} <span class="muted">${t('deals.by', { actor: c.actor })}</span></li>`)}
          </ol>
        <//>`}
    <//>`;
}
