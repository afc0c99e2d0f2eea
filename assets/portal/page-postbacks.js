// Postbacks: where the partner's own systems are told of its commissions
// and payouts (its webhook endpoints), and a new one.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { day } from './zone.js';
import { Badge, Failure, Field, Loading, Outcome, Page, Section, TableWrap, useQuery, useSubmit } from './ui.js';
import { t, term } from './words.js';

const POSTBACKS = `query Postbacks {
  webhookEndpoints(first: 50) { nodes { id url description eventTypes status consecutiveFailures createdAt } }
}`;

const CREATE = `mutation NewPostback($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url } }
}`;

// The events a partner's postback may be told of (each named by `event.TYPE`).
const TYPES = [
  'COMMISSION_CREATED', 'COMMISSION_STATUS_CHANGED', 'PAYOUT_CREATED', 'PAYOUT_PAID', 'PAYOUT_FAILED',
  'CUSTOMER_ATTRIBUTED', 'DEAL_REGISTRATION_DECIDED',
];

export function Postbacks() {
  const { data, error, loading, reload } = useQuery(POSTBACKS);
  const [secret, setSecret] = useState(null);
  const [busy, outcome, fieldError, submit] = useSubmit(async (form) => {
    const input = { url: form.get('url'), eventTypes: form.getAll('eventTypes') };
    if (form.get('description')) input.description = form.get('description');
    const created = await gql(CREATE, { input });
    setSecret(created.createWebhookEndpoint.secret);
    reload();
  }, () => t('postbacks.saved'));
  const endpoints = data ? data.webhookEndpoints.nodes : [];
  return html`
    <${Page} title=${t('nav.postbacks')} intro=${t('postbacks.intro')}>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && endpoints.length === 0 && html`<p class="empty">${t('postbacks.none')}</p>`}
      ${endpoints.length > 0 && html`
        <${TableWrap} label=${t('postbacks.table')}>
          <table>
            <thead><tr><th scope="col">URL</th><th scope="col">${t('postbacks.events')}</th><th scope="col">${t('column.status')}</th></tr></thead>
            <tbody>
              ${endpoints.map((e) => html`
                <tr data-endpoint=${e.id}>
                  <td><code>${e.url}</code>${e.description && html`<span class="muted block">${e.description}</span>`}<span class="muted block">${t('common.since', { day: day(e.createdAt) })}</span></td>
                  <td>${e.eventTypes.length ? e.eventTypes.map((type) => term('event', type)).join(', ') : t('postbacks.everyEvent')}</td>
                  <td><${Badge} value=${e.status} label=${term('webhookStatus', e.status)} />${e.consecutiveFailures > 0 && html`<span class="muted block">${t('postbacks.failures', { count: e.consecutiveFailures })}</span>`}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>`}
      <${Section} title=${t('postbacks.new')} id="postback-title">
        <form onSubmit=${submit} class="stack">
          <${Field} id="postback-url" label="URL" hint=${t('postbacks.urlHint')} error=${fieldError('url')}>
            ${(a) => html`<input type="url" name="url" required spellcheck="false" ...${a} />`}<//>
          <${Field} id="postback-description" label=${t('common.descriptionOptional')} error=${fieldError('description')}>
            ${(a) => html`<input name="description" ...${a} />`}<//>
          <fieldset>
            <legend>${t('postbacks.legend')}</legend>
            ${TYPES.map((value) => html`
              <label class="choice"><input type="checkbox" name="eventTypes" value=${value} /> ${term('event', value)}</label>`)}
          </fieldset>
          <button type="submit" disabled=${busy}>${t('postbacks.save')}</button>
          <${Outcome} outcome=${outcome} />
          ${secret && html`
            <${Field} id="postback-secret" label=${t('postbacks.secret')}>
              ${(a) => html`<input readonly value=${secret} ...${a} />`}<//>`}
        </form>
      <//>
    <//>`;
}
