// Payment details: where the partner is paid, and its tax profile.
import { html, useState } from './lib.js';
import { download, gql } from './api.js';
import { method as methodName, money } from './format.js';
import { day } from './zone.js';
import { Badge, Failure, Field, Loading, Outcome, Page, Section, useQuery, useSubmit } from './ui.js';

const PAYMENT = `query Payment {
  viewer {
    partner {
      id
      payoutMethod { type paypalEmail iban bic accountHolder stripeAccountId routingNumber accountNumber accountType updatedAt }
      stripeConnect { available accountId payoutsEnabled }
      taxProfile { submissionId form status country taxIdLast4 validUntil expired submittedAt decidedAt reason
        legalName classification electronicDeliveryAt }
      taxProfileSubmissions { submissionId form status country taxIdLast4 submittedAt }
      taxForms { id year box1 box4 corrected issuedAt pdfUrl }
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
                        <${Tax} profile=${partner.taxProfile} submissions=${partner.taxProfileSubmissions} reload=${reload} />
                        <${TaxForms} forms=${partner.taxForms} />`}
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
    else if (kind === 'ACH') {
      input.accountHolder = form.get('accountHolder');
      input.routingNumber = form.get('routingNumber');
      input.accountNumber = form.get('accountNumber');
      input.accountType = form.get('accountType');
    } else {
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
        ? html`<p data-figure="method.current">Paid by ${methodName(method.type)}: <strong>${{ PAYPAL: method.paypalEmail, STRIPE_CONNECT: method.stripeAccountId, ACH: method.accountNumber && `${method.accountNumber} (routing ${method.routingNumber})` }[method.type] || method.iban}</strong>
                 ${method.bic && ` (${method.bic})`} <span class="muted">since ${day(method.updatedAt)}</span></p>`
        : html`<p class="notice" role="note">No payout method yet: you are paid once you add one.</p>`}
      <form onSubmit=${submit} class="stack">
        <fieldset>
          <legend>Paid by</legend>
          <label class="choice"><input type="radio" name="type" value="PAYPAL" checked=${kind === 'PAYPAL'} onChange=${() => setKind('PAYPAL')} /> PayPal</label>
          <label class="choice"><input type="radio" name="type" value="BANK_TRANSFER" checked=${kind === 'BANK_TRANSFER'} onChange=${() => setKind('BANK_TRANSFER')} /> Bank transfer (IBAN)</label>
          <label class="choice"><input type="radio" name="type" value="ACH" checked=${kind === 'ACH'} onChange=${() => setKind('ACH')} /> US bank account (ACH)</label>
        </fieldset>
        ${kind === 'PAYPAL'
          ? html`<${Field} id="method-email" label="PayPal e-mail" error=${fieldError('paypalEmail')}>
                   ${(a) => html`<input type="email" name="paypalEmail" autocomplete="email" required ...${a} />`}<//>`
          : kind === 'ACH'
          ? html`
            <${Field} id="method-holder" label="Account holder" error=${fieldError('accountHolder')}>
              ${(a) => html`<input name="accountHolder" autocomplete="name" required ...${a} />`}<//>
            <${Field} id="method-routing" label="Routing number" hint="The 9 digits at the bottom left of a check." error=${fieldError('routingNumber')}>
              ${(a) => html`<input name="routingNumber" inputmode="numeric" spellcheck="false" autocomplete="off" required ...${a} />`}<//>
            <${Field} id="method-account" label="Account number" error=${fieldError('accountNumber')}>
              ${(a) => html`<input name="accountNumber" inputmode="numeric" spellcheck="false" autocomplete="off" required ...${a} />`}<//>
            <${Field} id="method-account-type" label="Account type" error=${fieldError('accountType')}>
              ${(a) => html`<select name="accountType" ...${a}><option value="CHECKING">Checking</option><option value="SAVINGS">Savings</option></select>`}<//>`
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

const CLASSIFICATIONS = [
  ['INDIVIDUAL', 'Individual or sole proprietor'],
  ['C_CORPORATION', 'C corporation'],
  ['S_CORPORATION', 'S corporation'],
  ['PARTNERSHIP', 'Partnership'],
  ['TRUST_ESTATE', 'Trust or estate'],
  ['LLC_C', 'LLC taxed as a C corporation'],
  ['LLC_S', 'LLC taxed as an S corporation'],
  ['LLC_P', 'LLC taxed as a partnership'],
  ['OTHER', 'Other'],
];

function formName(form) {
  const found = FORMS.find(([value]) => value === form);
  return found ? found[1].split(' (')[0] : form;
}

function Tax({ profile, submissions, reload }) {
  // A newer submission waits behind the approved profile in force.
  const waiting = (submissions || []).find((s) =>
    s.status === 'SUBMITTED' && profile && s.submissionId !== profile.submissionId);
  const [kind, setKind] = useState('W9');
  const w9 = kind === 'W9';
  const [busy, outcome, fieldError, submit] = useSubmit(async (form, element) => {
    const given = (name) => form.get(name) || null;
    const input = {
      form: form.get('form'),
      country: form.get('country'),
      taxId: form.get('taxId'),
      tinType: given('tinType'),
      signedOn: given('signedOn'),
      legalName: given('legalName'),
      electronicDelivery: form.get('electronicDelivery') === 'on',
    };
    if (w9) {
      input.businessName = given('businessName');
      input.classification = given('classification');
      input.address = {
        line1: form.get('line1'), line2: given('line2'), city: form.get('city'),
        state: form.get('state'), zip: form.get('zip'),
      };
    }
    await gql(SUBMIT_TAX, { input });
    // The tax id does not stay on the page.
    element.reset();
    reload();
  }, 'Your tax profile is submitted: the program reviews it.');
  return html`
    <${Section} title="Tax profile" id="tax-title">
      ${profile
        ? html`<p data-figure="tax.current">${formName(profile.form)} for ${profile.country}, tax id ending ${profile.taxIdLast4}:${' '}<${Badge} value=${profile.status} />${profile.reason && html` <span class="muted">${profile.reason}</span>`}
                 ${profile.validUntil && html` <span class=${profile.expired ? 'field-error' : 'muted'}>${profile.expired ? `Expired: it was valid until ${profile.validUntil}; submit a new one.` : `Valid until ${profile.validUntil}.`}</span>`}</p>`
        : html`<p class="muted">No tax profile yet.</p>`}
      ${waiting && html`<p data-figure="tax.waiting">Your new ${formName(waiting.form)}, tax id ending ${waiting.taxIdLast4}, waits for the program's review: until it is approved, your approved profile stays in force.</p>`}
      <form onSubmit=${submit} class="stack" autocomplete="off">
        <${Field} id="tax-form" label="Form" error=${fieldError('form')}>
          ${(a) => html`<select name="form" onChange=${(e) => setKind(e.target.value)} ...${a}>${FORMS.map(([v, l]) => html`<option value=${v} selected=${v === kind}>${l}</option>`)}</select>`}<//>
        <${Field} id="tax-legal-name" label="Name on your tax return" hint=${w9 ? 'Line 1 of the W-9.' : 'As on the form.'} error=${fieldError('legalName')}>
          ${(a) => html`<input name="legalName" required=${w9} autocomplete="name" ...${a} />`}<//>
        ${w9 && html`
          <${Field} id="tax-business-name" label="Business name (optional)" hint="Line 2 of the W-9, if different." error=${fieldError('businessName')}>
            ${(a) => html`<input name="businessName" autocomplete="organization" ...${a} />`}<//>
          <${Field} id="tax-classification" label="Federal tax classification" error=${fieldError('classification')}>
            ${(a) => html`<select name="classification" required ...${a}>${CLASSIFICATIONS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>`}<//>
          <${Field} id="tax-line1" label="Address" error=${fieldError('address.line1') || fieldError('address')}>
            ${(a) => html`<input name="line1" required autocomplete="address-line1" ...${a} />`}<//>
          <${Field} id="tax-line2" label="Apartment, suite (optional)" error=${fieldError('address.line2')}>
            ${(a) => html`<input name="line2" autocomplete="address-line2" ...${a} />`}<//>
          <${Field} id="tax-city" label="City" error=${fieldError('address.city')}>
            ${(a) => html`<input name="city" required autocomplete="address-level2" ...${a} />`}<//>
          <${Field} id="tax-state" label="State" hint="Two letters: CA, NY." error=${fieldError('address.state')}>
            ${(a) => html`<input name="state" required maxlength="2" autocomplete="address-level1" ...${a} />`}<//>
          <${Field} id="tax-zip" label="ZIP code" error=${fieldError('address.zip')}>
            ${(a) => html`<input name="zip" required autocomplete="postal-code" ...${a} />`}<//>`}
        <${Field} id="tax-country" label="Country" hint="Two letters: US, DE, FR…" error=${fieldError('country')}>
          ${(a) => html`<input name="country" required maxlength="2" autocomplete="country" ...${a} />`}<//>
        <${Field} id="tax-tin-type" label="US taxpayer number (W-9)" hint="Which number a W-9 gives; leave it for another form." error=${fieldError('tinType')}>
          ${(a) => html`<select name="tinType" ...${a}>${TIN_TYPES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>`}<//>
        <${Field} id="tax-signed-on" label="Signed on" hint="The day you signed the form; a W-8 is valid to the end of the third year after." error=${fieldError('signedOn')}>
          ${(a) => html`<input type="date" name="signedOn" ...${a} />`}<//>
        <${Field} id="tax-id" label="Tax id" hint="Stored encrypted; only its last four characters are ever shown." error=${fieldError('taxId')}>
          ${(a) => html`<input name="taxId" required spellcheck="false" ...${a} />`}<//>
        <label class="choice"><input type="checkbox" name="electronicDelivery" checked=${Boolean(profile && profile.electronicDeliveryAt)} />
          Send my year-end tax forms electronically (by e-mail and here) instead of by post</label>
        <button type="submit" disabled=${busy}>Submit tax profile</button>
        <${Outcome} outcome=${outcome} />
      </form>
    <//>`;
}

// The year-end forms issued to the partner (Form 1099-NEC, Copy B), newest
// year first, each to download.
function TaxForms({ forms }) {
  const [outcome, setOutcome] = useState(null);
  if (!forms || forms.length === 0) return null;
  const get = async (form) => {
    setOutcome(null);
    try {
      await download(form.pdfUrl, `1099nec-${form.year}${form.corrected ? '-corrected' : ''}.pdf`);
    } catch (error) {
      setOutcome({ error });
    }
  };
  return html`
    <${Section} title="Tax forms" id="tax-forms-title">
      <ul>
        ${forms.map((form) => html`<li key=${form.id}>
          <button type="button" class="link" onClick=${() => get(form)}>Form 1099-NEC ${form.year}${form.corrected ? ' (corrected)' : ''}<span class="visually-hidden"> (PDF)</span></button>
          <span class="muted"> Box 1 ${money(form.box1, 'USD')}${form.box4 !== '0.00' ? `, Box 4 ${money(form.box4, 'USD')}` : ''}, issued ${day(form.issuedAt)}</span></li>`)}
      </ul>
      <${Outcome} outcome=${outcome} />
    <//>`;
}
