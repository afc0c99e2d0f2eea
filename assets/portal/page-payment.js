// Payment details: where the partner is paid, and its tax profile.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { method as methodName } from './format.js';
import { day } from './zone.js';
import { Badge, Failure, Field, Loading, Outcome, Page, Section, useQuery, useSubmit } from './ui.js';

const PAYMENT = `query Payment {
  viewer {
    partner {
      id
      payoutMethod { type paypalEmail iban bic accountHolder stripeAccountId updatedAt }
      stripeConnect { available accountId payoutsEnabled }
      taxProfile { form status country taxIdLast4 validUntil expired submittedAt decidedAt reason }
    }
  }
}`;

const SET_METHOD = `mutation SetMethod($input: SetPayoutMethodInput!) {
  setPayoutMethod(input: $input) { type paypalEmail iban bic accountHolder updatedAt }
}`;

const CONNECT = `mutation Connect { createConnectOnboardingLink }`;

const SUBMIT_TAX = `mutation SubmitTax($input: SubmitTaxProfileInput!) {
  submitTaxProfile(input: $input) { form status country taxIdLast4 }
}`;

export function Payment() {
  const { data, error, loading, reload } = useQuery(PAYMENT);
  const partner = data && data.viewer.partner;
  return html`
    <${Page} title="Payment details" intro="Where you are paid, and the tax form the program may need.">
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${partner && html`<${Method} method=${partner.payoutMethod} reload=${reload} />
                        <${Stripe} connect=${partner.stripeConnect} />
                        <${Tax} profile=${partner.taxProfile} reload=${reload} />`}
    <//>`;
}

// Connect with Stripe: the program pays through Stripe Connect. Stripe's
// onboarding takes the partner's details; once Stripe enables its
// payouts, the account becomes the partner's payout method.
function Stripe({ connect }) {
  const [busy, outcome, , submit] = useSubmit(async () => {
    const data = await gql(CONNECT, {});
    location.assign(data.createConnectOnboardingLink);
  }, 'Taking you to Stripe…');
  if (!connect || !connect.available) return null;
  const back = new URLSearchParams(location.search).get('connect');
  return html`
    <${Section} title="Stripe" id="stripe-title">
      ${connect.payoutsEnabled
        ? html`<p data-figure="stripe.ready">Your Stripe account <strong>${connect.accountId}</strong> is ready: payouts go there.</p>`
        : html`<p>${connect.accountId
            ? 'Your Stripe account is not ready for payouts yet: finish Stripe\'s onboarding.'
            : 'The program can pay you through Stripe: connect an account and give Stripe your details.'}
            ${back === 'done' && ' Stripe is checking what you gave; this page shows it once your payouts are enabled.'}</p>`}
      ${!connect.payoutsEnabled && html`
        <form onSubmit=${submit}>
          <button type="submit" disabled=${busy}>${connect.accountId ? 'Continue with Stripe' : 'Connect with Stripe'}</button>
          <${Outcome} outcome=${outcome} />
        </form>`}
    <//>`;
}

function Method({ method, reload }) {
  const [kind, setKind] = useState(method && method.type !== 'STRIPE_CONNECT' ? method.type : 'PAYPAL');
  const [busy, outcome, fieldError, submit] = useSubmit(async (form) => {
    const input = { type: kind };
    if (kind === 'PAYPAL') input.paypalEmail = form.get('paypalEmail');
    else {
      input.iban = form.get('iban');
      input.accountHolder = form.get('accountHolder');
      if (form.get('bic')) input.bic = form.get('bic');
    }
    await gql(SET_METHOD, { input });
    reload();
  }, 'Your payout method is saved.');
  return html`
    <${Section} title="Payout method" id="method-title">
      ${method
        ? html`<p data-figure="method.current">Paid by ${methodName(method.type)}: <strong>${{ PAYPAL: method.paypalEmail, STRIPE_CONNECT: method.stripeAccountId }[method.type] || method.iban}</strong>
                 ${method.bic && ` (${method.bic})`} <span class="muted">since ${day(method.updatedAt)}</span></p>`
        : html`<p class="notice" role="note">No payout method yet: you are paid once you add one.</p>`}
      <form onSubmit=${submit} class="stack">
        <fieldset>
          <legend>Paid by</legend>
          <label class="choice"><input type="radio" name="type" value="PAYPAL" checked=${kind === 'PAYPAL'} onChange=${() => setKind('PAYPAL')} /> PayPal</label>
          <label class="choice"><input type="radio" name="type" value="BANK_TRANSFER" checked=${kind === 'BANK_TRANSFER'} onChange=${() => setKind('BANK_TRANSFER')} /> Bank transfer (IBAN)</label>
        </fieldset>
        ${kind === 'PAYPAL'
          ? html`<${Field} id="method-email" label="PayPal e-mail" error=${fieldError('paypalEmail')}>
                   ${(a) => html`<input type="email" name="paypalEmail" autocomplete="email" required ...${a} />`}<//>`
          : html`
            <${Field} id="method-holder" label="Account holder" error=${fieldError('accountHolder')}>
              ${(a) => html`<input name="accountHolder" autocomplete="name" required ...${a} />`}<//>
            <${Field} id="method-iban" label="IBAN" hint="As on your bank statement; spaces are fine." error=${fieldError('iban')}>
              ${(a) => html`<input name="iban" spellcheck="false" autocomplete="off" required ...${a} />`}<//>
            <${Field} id="method-bic" label="BIC (optional)" error=${fieldError('bic')}>
              ${(a) => html`<input name="bic" spellcheck="false" autocomplete="off" ...${a} />`}<//>`}
        <button type="submit" disabled=${busy}>Save payout method</button>
        <${Outcome} outcome=${outcome} />
      </form>
    <//>`;
}

const FORMS = [
  ['W9', 'W-9 (United States persons)'],
  ['W8BEN', 'W-8BEN (individuals outside the United States)'],
  ['W8BENE', 'W-8BEN-E (companies outside the United States)'],
  ['OTHER', 'Another form'],
];

const TIN_TYPES = [
  ['', 'Not a W-9'],
  ['SSN', 'SSN: Social Security number'],
  ['EIN', 'EIN: employer identification number'],
  ['ITIN', 'ITIN: individual taxpayer identification number'],
];

function formName(form) {
  const found = FORMS.find(([value]) => value === form);
  return found ? found[1].split(' (')[0] : form;
}

function Tax({ profile, reload }) {
  const [busy, outcome, fieldError, submit] = useSubmit(async (form, element) => {
    await gql(SUBMIT_TAX, {
      input: {
        form: form.get('form'),
        country: form.get('country'),
        taxId: form.get('taxId'),
        tinType: form.get('tinType') || null,
        signedOn: form.get('signedOn') || null,
      },
    });
    // The tax id does not stay on the page.
    element.reset();
    reload();
  }, 'Your tax profile is submitted: the program reviews it.');
  return html`
    <${Section} title="Tax profile" id="tax-title">
      ${profile
        ? html`<p data-figure="tax.current">${formName(profile.form)} for ${profile.country}, tax id ending ${profile.taxIdLast4}:
                 <${Badge} value=${profile.status} />${profile.reason && html` <span class="muted">${profile.reason}</span>`}
                 ${profile.validUntil && html` <span class=${profile.expired ? 'field-error' : 'muted'}>${profile.expired ? `Expired: it was valid until ${profile.validUntil}; submit a new one.` : `Valid until ${profile.validUntil}.`}</span>`}</p>`
        : html`<p class="muted">No tax profile yet.</p>`}
      <form onSubmit=${submit} class="stack" autocomplete="off">
        <${Field} id="tax-form" label="Form" error=${fieldError('form')}>
          ${(a) => html`<select name="form" ...${a}>${FORMS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>`}<//>
        <${Field} id="tax-country" label="Country" hint="Two letters: US, DE, FR…" error=${fieldError('country')}>
          ${(a) => html`<input name="country" required maxlength="2" autocomplete="country" ...${a} />`}<//>
        <${Field} id="tax-tin-type" label="US taxpayer number (W-9)" hint="Which number a W-9 gives; leave it for another form." error=${fieldError('tinType')}>
          ${(a) => html`<select name="tinType" ...${a}>${TIN_TYPES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>`}<//>
        <${Field} id="tax-signed-on" label="Signed on" hint="The day you signed the form; a W-8 is valid to the end of the third year after." error=${fieldError('signedOn')}>
          ${(a) => html`<input type="date" name="signedOn" ...${a} />`}<//>
        <${Field} id="tax-id" label="Tax id" hint="Stored encrypted; only its last four characters are ever shown." error=${fieldError('taxId')}>
          ${(a) => html`<input name="taxId" required spellcheck="false" ...${a} />`}<//>
        <button type="submit" disabled=${busy}>Submit tax profile</button>
        <${Outcome} outcome=${outcome} />
      </form>
    <//>`;
}
