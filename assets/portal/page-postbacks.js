// Postbacks: where the partner's own systems are told of its commissions
// and payouts (its webhook endpoints), and a new one.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { words } from './format.js';
import { day } from './zone.js';
import { Badge, Failure, Field, Loading, Outcome, Page, Section, TableWrap, useQuery, useSubmit } from './ui.js';

const POSTBACKS = `query Postbacks {
  webhookEndpoints(first: 50) { nodes { id url description eventTypes status consecutiveFailures createdAt } }
}`;

const CREATE = `mutation NewPostback($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url } }
}`;

const TYPES = [
  ['COMMISSION_CREATED', 'A commission is earned'],
  ['COMMISSION_STATUS_CHANGED', 'A commission is approved, paid or reversed'],
  ['PAYOUT_CREATED', 'A payout is made'],
  ['PAYOUT_PAID', 'A payout is sent'],
  ['PAYOUT_FAILED', 'A payout fails'],
  ['CUSTOMER_ATTRIBUTED', 'A customer is tied to you'],
  ['DEAL_REGISTRATION_DECIDED', 'A deal registration is decided'],
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
  }, 'Your postback URL is saved. Keep its signing secret: it is shown once.');
  const endpoints = data ? data.webhookEndpoints.nodes : [];
  return html`
    <${Page} title="Postbacks" intro="Have your own systems told, signed, when you earn or are paid.">
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && endpoints.length === 0 && html`<p class="empty">No postback URL yet.</p>`}
      ${endpoints.length > 0 && html`
        <${TableWrap} label="Postback URLs">
          <table>
            <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th></tr></thead>
            <tbody>
              ${endpoints.map((e) => html`
                <tr data-endpoint=${e.id}>
                  <td><code>${e.url}</code>${e.description && html`<span class="muted block">${e.description}</span>`}<span class="muted block">Since ${day(e.createdAt)}</span></td>
                  <td>${e.eventTypes.length ? e.eventTypes.map(words).join(', ') : 'Every event'}</td>
                  <td><${Badge} value=${e.status} />${e.consecutiveFailures > 0 && html`<span class="muted block">${e.consecutiveFailures} failed in a row</span>`}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>`}
      <${Section} title="New postback URL" id="postback-title">
        <form onSubmit=${submit} class="stack">
          <${Field} id="postback-url" label="URL" hint="https, reachable from the internet." error=${fieldError('url')}>
            ${(a) => html`<input type="url" name="url" required spellcheck="false" ...${a} />`}<//>
          <${Field} id="postback-description" label="Description (optional)" error=${fieldError('description')}>
            ${(a) => html`<input name="description" ...${a} />`}<//>
          <fieldset>
            <legend>Events (none ticked: every event)</legend>
            ${TYPES.map(([value, label]) => html`
              <label class="choice"><input type="checkbox" name="eventTypes" value=${value} /> ${label}</label>`)}
          </fieldset>
          <button type="submit" disabled=${busy}>Save postback URL</button>
          <${Outcome} outcome=${outcome} />
          ${secret && html`
            <${Field} id="postback-secret" label="Signing secret (shown once)">
              ${(a) => html`<input readonly value=${secret} ...${a} />`}<//>`}
        </form>
      <//>
    <//>`;
}
