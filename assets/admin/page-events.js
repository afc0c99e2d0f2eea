// Held events: sales and leads recorded but earning nothing yet. Those
// naming only a customer nobody has attributed wait for an attribution
// (made here, by hand, to a partner: the held sales inside the
// campaign's window then accrue); those in another currency wait for an
// exchange rate to be imported. Below them, the events that earned
// nothing, with why.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { words } from './format.js';
import { Money, Page, Section, TableWrap } from './ui.js';
import { Done, Paged, PartnerPicker, ReasonForm, Reveal, Writable, day, usePaged } from './parts.js';

const HELD = `query Held($after: String) {
  unattributedEvents(first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id externalId customerExternalId reason kind amount currency occurredAt source }
  }
}`;

const NOTHING = `query Nothing($after: String) {
  events(outcome: NOTHING, first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id externalId customerExternalId kind amount currency occurredAt nothingReason partner { id name } campaign { name } }
  }
}`;

const ATTRIBUTE = `mutation Attribute($input: AttributeCustomerInput!) {
  attributeCustomer(input: $input) { id externalId partner { id name } }
}`;

const REASONS = {
  UNATTRIBUTED: 'No partner: the customer is not attributed',
  NO_EXCHANGE_RATE: 'Waiting for an exchange rate',
};

export function Events() {
  const held = usePaged(HELD, {}, (d) => d.unattributedEvents);
  const nothing = usePaged(NOTHING, {}, (d) => d.events);
  const [done, setDone] = useState(null);
  const attributed = (message) => {
    setDone(message);
    held.reload();
  };
  return html`
    <${Page} title="Held events" intro="Sales and leads recorded but earning nothing yet, oldest first, and why.">
      <${Done} message=${done} />
      <${Section} title="Held: unattributed, or waiting for a rate" id="held-title">
        <p class="hint">An unattributed sale accrues once its customer is attributed to a partner inside the campaign's attribution window; a sale in another currency accrues when a rate for its day is imported.</p>
        <${Paged} paged=${held} what=${['held event', 'held events']} empty="No event is held.">
          <${TableWrap} label="Held events">
            <table>
              <thead><tr><th scope="col">Event</th><th scope="col">Customer</th><th scope="col">Why held</th><th scope="col">Occurred</th><th scope="col" class="num">Amount</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                ${held.nodes.map((e) => html`
                  <tr data-event=${e.id} data-reason=${e.reason}>
                    <th scope="row"><code>${e.externalId}</code><span class="muted block">${words(e.kind)} · from ${words(e.source)}</span></th>
                    <td><code>${e.customerExternalId}</code></td>
                    <td>${REASONS[e.reason] || words(e.reason)}</td>
                    <td>${day(e.occurredAt)}</td>
                    <td class="num"><${Money} amount=${e.amount} currency=${e.currency} figure=${`event.${e.id}.amount`} /></td>
                    <td class="row-actions">${e.reason === 'UNATTRIBUTED' && html`<${Writable}><${Attribute} event=${e} attributed=${attributed} /><//>`}</td>
                  </tr>`)}
              </tbody>
            </table>
          <//>
        <//>
      <//>
      <${Section} title="Recorded, earning nothing" id="nothing-title">
        <${Paged} paged=${nothing} what=${['event', 'events']} empty="Every event earned something.">
          <${TableWrap} label="Events that earned nothing">
            <table>
              <thead><tr><th scope="col">Event</th><th scope="col">Partner</th><th scope="col">Why nothing</th><th scope="col">Occurred</th><th scope="col" class="num">Amount</th></tr></thead>
              <tbody>
                ${nothing.nodes.map((e) => html`
                  <tr data-event=${e.id}>
                    <th scope="row"><code>${e.externalId}</code><span class="muted block">${words(e.kind)} · ${e.campaign.name}</span></th>
                    <td><a href=${`#/partners/${encodeURIComponent(e.partner.id)}`}>${e.partner.name}</a></td>
                    <td>${e.nothingReason || '—'}</td>
                    <td>${day(e.occurredAt)}</td>
                    <td class="num"><${Money} amount=${e.amount} currency=${e.currency} figure=${`event.${e.id}.amount`} /></td>
                  </tr>`)}
              </tbody>
            </table>
          <//>
        <//>
      <//>
    <//>`;
}

/** Ties the event's customer to a partner by hand (`MANUAL`): its held sales accrue. */
function Attribute({ event, attributed }) {
  const key = event.id.replace(/[^A-Za-z0-9_-]/g, '');
  const attribute = async (form) => {
    const input = { customerExternalId: event.customerExternalId, partnerId: form.get('partnerId') };
    if (form.get('email')) input.email = form.get('email');
    const made = await gql(ATTRIBUTE, { input });
    return made.attributeCustomer;
  };
  return html`
    <${Reveal} id=${`attribute-${key}`} label="Attribute…">${() => html`
      <${ReasonForm} id=${`attribute-email-${key}`} name="email" label="Customer's e-mail (optional)" required=${false}
                     hint="Compared with the partner's own: a self-referral is refused."
                     submit=${`Attribute ${event.customerExternalId}`} run=${attribute}
                     onDone=${(customer) => attributed(`${customer.externalId} is ${customer.partner.name}'s: its held sales accrue.`)}
                     extra=${(fieldError) => html`<${PartnerPicker} id=${`attribute-partner-${key}`} blank="Choose a partner" error=${fieldError('partnerId')} />`} />`}
    <//>`;
}
