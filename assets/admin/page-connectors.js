// Connectors: Stripe's and Paddle's webhooks, turned into attributions,
// sales and refunds. Each connector's endpoint address to paste into the
// provider's dashboard, the events it received, ignored and refused, and
// its deliveries by outcome (ignored ones with why; refunds waiting for
// their sale; sales the ledger refused, which an admin records again once
// their cause is mended). An admin sets a connector up with its signing
// secrets.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { words } from './format.js';
import { Badge, Failure, Field, Loading, Outcome, Page, Section, TableWrap, useQuery } from './ui.js';
import { Done, Paged, Writable, day, formParams, tone, useForm, useParams, usePaged } from './parts.js';

const CONNECTORS = `query Connectors {
  billingConnectors { provider endpointUrl enabled commissionBase eventsReceived eventsIgnored eventsRefused lastEventAt }
}`;

const RETRY = `mutation Retry($provider: BillingProvider!, $id: String!) {
  retryConnectorEvent(provider: $provider, id: $id) { id status reason }
}`;

const DELIVERIES = `query Deliveries($provider: BillingProvider!, $status: ConnectorEventStatus, $after: String) {
  billingConnectorEvents(provider: $provider, status: $status, first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id type status reason receivedAt }
  }
}`;

const CONFIGURE = `mutation Configure($input: ConfigureBillingConnectorInput!) {
  configureBillingConnector(input: $input) { provider endpointUrl enabled }
}`;

const PROVIDERS = [['STRIPE', 'Stripe'], ['PADDLE', 'Paddle']];

const EVENT_TYPES = {
  STRIPE: 'checkout.session.completed, customer.created, customer.updated, invoice.paid, invoice_payment.paid, charge.refunded, charge.dispute.created, promotion_code.created and promotion_code.updated',
  PADDLE: 'customer.created, customer.updated, transaction.completed, adjustment.created and adjustment.updated',
};

const BASES = [['AMOUNT_EXCLUDING_TAX', 'The amount paid, less tax'], ['AMOUNT_PAID', 'The amount paid']];

/** The endpoint's whole address: the API answers a path after revshare's own address. */
const endpoint = (path) => new URL(path, location.origin).href;

const providerName = (provider) => (PROVIDERS.find(([p]) => p === provider) || [provider, provider])[1];

export function Connectors() {
  const { data, error, loading, reload } = useQuery(CONNECTORS, {});
  const [done, setDone] = useState(null);
  const connectors = data ? data.billingConnectors : [];
  return html`
    <${Page} title="Connectors" intro="Stripe and Paddle send their events here: paste a connector's endpoint address into the provider's webhooks.">
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      <${Done} message=${done} />
      ${data && connectors.length === 0 && html`<p class="empty">No connector yet.</p>`}
      <ul class="cards">
        ${connectors.map((c) => html`<li><${Connector} connector=${c} /></li>`)}
      </ul>
      ${data && html`<${Deliveries} connectors=${connectors} />`}
      <${Writable} note="an admin sets up connectors.">
        <${Configure} connectors=${connectors} configured=${(message) => { setDone(message); reload(); }} />
      <//>
    <//>`;
}

function Connector({ connector: c }) {
  const [copied, setCopied] = useState(false);
  const url = endpoint(c.endpointUrl);
  const copy = () => navigator.clipboard.writeText(url).then(() => setCopied(true), () => setCopied(false));
  const title = `connector-${c.provider.toLowerCase()}`;
  return html`
    <section class="card" aria-labelledby=${title} data-connector=${c.provider}>
      <h2 id=${title}>${providerName(c.provider)} <${Badge} value=${c.enabled ? 'ENABLED' : 'DISABLED'} /></h2>
      <p>Endpoint address:</p>
      <p><code data-state="endpoint">${url}</code></p>
      <p><button type="button" class="secondary small" onClick=${copy}>Copy<span class="visually-hidden"> the ${providerName(c.provider)} endpoint address</span></button>
         <span role="status" class="muted">${copied ? ' Copied.' : ''}</span></p>
      <p class="hint">Send it: ${EVENT_TYPES[c.provider]}.</p>
      <dl class="facts">
        <div><dt>Events received</dt><dd data-count=${`connector.${c.provider}.received`}>${c.eventsReceived}</dd></div>
        <div><dt>Of those, ignored</dt><dd><a href=${`#/connectors?provider=${c.provider}&status=IGNORED`} data-count=${`connector.${c.provider}.ignored`}>${c.eventsIgnored}</a></dd></div>
        <div><dt>Sales refused</dt><dd><a href=${`#/connectors?provider=${c.provider}&status=REFUSED`} data-count=${`connector.${c.provider}.refused`}>${c.eventsRefused}</a></dd></div>
        <div><dt>Last event</dt><dd>${c.lastEventAt ? day(c.lastEventAt) : 'None yet'}</dd></div>
        <div><dt>Commission on</dt><dd>${(BASES.find(([b]) => b === c.commissionBase) || [, words(c.commissionBase)])[1]}</dd></div>
      </dl>
    </section>`;
}

function Deliveries({ connectors }) {
  const [params, setParams] = useParams();
  const provider = params.provider || (connectors[0] ? connectors[0].provider : 'STRIPE');
  const status = params.status === undefined ? 'IGNORED' : params.status;
  const paged = usePaged(DELIVERIES, { provider, status: status || null }, (d) => d.billingConnectorEvents);
  return html`
    <${Section} title="Deliveries" id="deliveries-title">
      <form class="filters" onSubmit=${(e) => { e.preventDefault(); setParams(formParams(e.target)); }} aria-label="Filter deliveries" key=${provider + status}>
        <${Field} id="deliveries-provider" label="Provider">
          ${(a) => html`<select name="provider" ...${a}>${PROVIDERS.map(([v, l]) => html`<option value=${v} selected=${provider === v}>${l}</option>`)}</select>`}
        <//>
        <${Field} id="deliveries-status" label="Outcome">
          ${(a) => html`
            <select name="status" ...${a}>
              <option value="IGNORED" selected=${status === 'IGNORED'}>Ignored</option>
              <option value="WAITING" selected=${status === 'WAITING'}>Waiting for their sale</option>
              <option value="REFUSED" selected=${status === 'REFUSED'}>Sales refused</option>
              <option value="DONE" selected=${status === 'DONE'}>Done</option>
            </select>`}
        <//>
        <button type="submit">Show</button>
      </form>
      <${Paged} paged=${paged} what=${['delivery', 'deliveries']} empty="No delivery here.">
        <${TableWrap} label=${`${providerName(provider)} deliveries`}>
          <table>
            <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Outcome</th><th scope="col">Why</th><th scope="col">Received</th></tr></thead>
            <tbody>
              ${paged.nodes.map((e) => html`
                <tr data-delivery=${e.id}>
                  <th scope="row"><code>${e.id}</code></th>
                  <td><code>${e.type}</code></td>
                  <td><${Badge} value=${e.status} tone=${tone(e.status)} /></td>
                  <td>${e.reason || '—'}
                    ${e.status === 'REFUSED' && html`<${Writable}><${Retry} provider=${provider} event=${e} retried=${paged.reload} /><//>`}</td>
                  <td>${day(e.receivedAt)}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}

/** Records a refused sale again, once its cause is mended; says what it came to. */
function Retry({ provider, event, retried }) {
  const [busy, outcome, , submit] = useForm(async () => {
    const data = await gql(RETRY, { provider, id: event.id });
    const now = data.retryConnectorEvent;
    if (now.status === 'REFUSED') throw new Error(`Refused again: ${now.reason}`);
    retried();
  }, 'Recorded.');
  return html`
    <form class="inline" onSubmit=${submit}>
      <button type="submit" class="secondary small" disabled=${busy}>Record again<span class="visually-hidden"> ${event.id}</span></button>
      <${Outcome} outcome=${outcome} />
    </form>`;
}

function Configure({ connectors, configured }) {
  const [provider, setProvider] = useState('STRIPE');
  const existing = connectors.find((c) => c.provider === provider);
  const [busy, outcome, fieldError, submit] = useForm(async (form, element) => {
    const input = {
      provider,
      signingSecrets: form.get('signingSecrets').split('\n').map((s) => s.trim()).filter(Boolean),
      commissionBase: form.get('commissionBase'),
      enabled: form.get('enabled') === 'on',
    };
    await gql(CONFIGURE, { input });
    // The secrets do not stay on the page.
    element.reset();
    configured(`The ${providerName(provider)} connector is saved.`);
  }, 'Saved.');
  return html`
    <${Section} title="Set up a connector" id="configure-title">
      <div class="stack">
        <${Field} id="configure-provider" label="Provider">
          ${(a) => html`<select value=${provider} onChange=${(e) => setProvider(e.target.value)} ...${a}>${PROVIDERS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>`}
        <//>
      </div>
      <form class="stack" onSubmit=${submit} autocomplete="off" key=${provider}>
        <${Field} id="configure-secrets" label="Signing secrets" hint="One a line (Stripe's whsec_…, Paddle's pdl_ntfset_…): two while you roll one over. They are never shown again."
                  error=${fieldError('signingSecrets')}>
          ${(a) => html`<textarea name="signingSecrets" rows="2" required spellcheck="false" ...${a}></textarea>`}
        <//>
        <fieldset>
          <legend>Commission on</legend>
          ${BASES.map(([v, l]) => html`
            <label class="choice"><input type="radio" name="commissionBase" value=${v}
              defaultChecked=${(existing ? existing.commissionBase : 'AMOUNT_EXCLUDING_TAX') === v} /> ${l}</label>`)}
        </fieldset>
        <label class="choice"><input type="checkbox" name="enabled" defaultChecked=${existing ? existing.enabled : true} /> Enabled: it takes events</label>
        <p><button type="submit" disabled=${busy}>Save the ${providerName(provider)} connector</button></p>
        <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
      </form>
    <//>`;
}
