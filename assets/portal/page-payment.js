// Payment details: where the partner is paid, and its tax profile.
import { html, useState } from './lib.js';
import { download, gql } from './api.js';
import { money } from './format.js';
import { calendarDay, day } from './zone.js';
import { Badge, Failure, Field, Loading, Outcome, Page, Section, useQuery, useSubmit } from './ui.js';
import { t, term } from './words.js';

const PAYMENT = `query Payment {
  viewer {
    partner {
      id
      payoutMethod { type paypalEmail iban bic accountHolder stripeAccountId routingNumber accountNumber accountType currency sortCode legalType updatedAt }
      stripeConnect { available accountId payoutsEnabled }
      wiseAvailable
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
    <${Page} title=${t('nav.payment')} intro=${t('payment.intro')}>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${partner && html`<${Method} method=${partner.payoutMethod} wise=${partner.wiseAvailable} reload=${reload} />
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
  }, () => t('stripe.taking'));
  if (!connect || !connect.available) return null;
  const back = new URLSearchParams(location.search).get('connect');
  return html`
    <${Section} title="Stripe" id="stripe-title">
      ${connect.payoutsEnabled
        ? html`<p data-figure="stripe.ready">${t('stripe.ready', { account: html`<strong>${connect.accountId}</strong>` })}</p>`
        : html`<p>${connect.accountId ? t('stripe.notReady') : t('stripe.canPay')}
            ${back === 'done' && ` ${t('stripe.checking')}`}</p>`}
      ${!connect.payoutsEnabled && html`
        <form onSubmit=${submit}>
          <button type="submit" disabled=${busy}>${connect.accountId ? t('stripe.continue') : t('stripe.connect')}</button>
          <${Outcome} outcome=${outcome} />
        </form>`}
    <//>`;
}

// The currencies Wise pays a bank account in, and how each is named.
const WISE_CURRENCIES = ['EUR', 'GBP', 'USD', 'CHF', 'DKK', 'NOK', 'PLN', 'SEK'];

function Method({ method, wise, reload }) {
  const [kind, setKind] = useState(method && method.type !== 'STRIPE_CONNECT' ? method.type : 'PAYPAL');
  const [currency, setCurrency] = useState((method && method.currency) || 'EUR');
  const [busy, outcome, fieldError, submit] = useSubmit(async (form) => {
    const input = { type: kind };
    if (kind === 'PAYPAL') input.paypalEmail = form.get('paypalEmail');
    else if (kind === 'WISE') {
      input.currency = currency;
      input.accountHolder = form.get('accountHolder');
      input.legalType = form.get('legalType');
      if (currency === 'GBP') {
        input.sortCode = form.get('sortCode');
        input.accountNumber = form.get('accountNumber');
      } else if (currency === 'USD') {
        input.routingNumber = form.get('routingNumber');
        input.accountNumber = form.get('accountNumber');
        input.accountType = form.get('accountType');
        input.address = { line1: form.get('line1'), city: form.get('city'), state: form.get('state'), zip: form.get('zip'), country: 'US' };
      } else input.iban = form.get('iban');
    } else if (kind === 'ACH') {
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
  }, () => t('method.saved'));
  const account = method && ({
    PAYPAL: method.paypalEmail,
    STRIPE_CONNECT: method.stripeAccountId,
    ACH: method.accountNumber && t('method.achAccount', { account: method.accountNumber, routing: method.routingNumber }),
    WISE: t('method.wiseAccount', { currency: method.currency, account: method.iban || method.accountNumber }),
  }[method.type] || method.iban);
  return html`
    <${Section} title=${t('method.title')} id="method-title">
      ${method
        ? html`<p data-figure="method.current">${t('method.current', { method: term('method', method.type), account: html`<strong>${account}</strong>` })}
                 ${method.bic && ` (${method.bic})`} <span class="muted">${t('common.since', { day: day(method.updatedAt) })}</span></p>`
        : html`<p class="notice" role="note">${t('method.none')}</p>`}
      <form onSubmit=${submit} class="stack">
        <fieldset>
          <legend>${t('method.paidBy')}</legend>
          <label class="choice"><input type="radio" name="type" value="PAYPAL" checked=${kind === 'PAYPAL'} onChange=${() => setKind('PAYPAL')} /> PayPal</label>
          <label class="choice"><input type="radio" name="type" value="BANK_TRANSFER" checked=${kind === 'BANK_TRANSFER'} onChange=${() => setKind('BANK_TRANSFER')} /> ${t('method.bankIban')}</label>
          <label class="choice"><input type="radio" name="type" value="ACH" checked=${kind === 'ACH'} onChange=${() => setKind('ACH')} /> ${t('method.usBank')}</label>
          ${(wise || kind === 'WISE') && html`<label class="choice"><input type="radio" name="type" value="WISE" checked=${kind === 'WISE'} onChange=${() => setKind('WISE')} /> ${t('method.wise')}</label>`}
        </fieldset>
        ${kind === 'PAYPAL'
          ? html`<${Field} id="method-email" label=${t('method.paypalEmail')} error=${fieldError('paypalEmail')}>
                   ${(a) => html`<input type="email" name="paypalEmail" autocomplete="email" required ...${a} />`}<//>`
          : kind === 'WISE'
          ? html`<${WiseAccount} currency=${currency} setCurrency=${setCurrency} fieldError=${fieldError} />`
          : kind === 'ACH'
          ? html`
            <${Field} id="method-holder" label=${t('method.holder')} error=${fieldError('accountHolder')}>
              ${(a) => html`<input name="accountHolder" autocomplete="name" required ...${a} />`}<//>
            <${Field} id="method-routing" label=${t('method.routing')} hint=${t('method.routingHint')} error=${fieldError('routingNumber')}>
              ${(a) => html`<input name="routingNumber" inputmode="numeric" spellcheck="false" autocomplete="off" required ...${a} />`}<//>
            <${Field} id="method-account" label=${t('method.accountNumber')} error=${fieldError('accountNumber')}>
              ${(a) => html`<input name="accountNumber" inputmode="numeric" spellcheck="false" autocomplete="off" required ...${a} />`}<//>
            <${Field} id="method-account-type" label=${t('method.accountType')} error=${fieldError('accountType')}>
              ${(a) => html`<select name="accountType" ...${a}><option value="CHECKING">${t('method.checking')}</option><option value="SAVINGS">${t('method.savings')}</option></select>`}<//>`
          : html`
            <${Field} id="method-holder" label=${t('method.holder')} error=${fieldError('accountHolder')}>
              ${(a) => html`<input name="accountHolder" autocomplete="name" required ...${a} />`}<//>
            <${Field} id="method-iban" label="IBAN" hint=${t('method.ibanHint')} error=${fieldError('iban')}>
              ${(a) => html`<input name="iban" spellcheck="false" autocomplete="off" required ...${a} />`}<//>
            <${Field} id="method-bic" label=${t('method.bic')} error=${fieldError('bic')}>
              ${(a) => html`<input name="bic" spellcheck="false" autocomplete="off" ...${a} />`}<//>`}
        <button type="submit" disabled=${busy}>${t('method.save')}</button>
        <${Outcome} outcome=${outcome} />
      </form>
    <//>`;
}

// A bank account Wise pays, by its currency's fields.
function WiseAccount({ currency, setCurrency, fieldError }) {
  const text = (name, label, extra = {}) => html`
    <${Field} id=${`wise-${name}`} label=${label} hint=${extra.hint} error=${fieldError(name)}>
      ${(a) => html`<input name=${name} spellcheck="false" autocomplete=${extra.autocomplete || 'off'} inputmode=${extra.numeric ? 'numeric' : undefined} required ...${a} />`}<//>`;
  return html`
    <${Field} id="wise-currency" label=${t('method.currency')} error=${fieldError('currency')}>
      ${(a) => html`<select name="currency" value=${currency} onChange=${(e) => setCurrency(e.target.value)} ...${a}>
        ${WISE_CURRENCIES.map((c) => html`<option value=${c}>${c}</option>`)}</select>`}<//>
    <${Field} id="wise-legal-type" label=${t('method.legalType')} error=${fieldError('legalType')}>
      ${(a) => html`<select name="legalType" ...${a}><option value="PRIVATE">${t('method.private')}</option><option value="BUSINESS">${t('method.business')}</option></select>`}<//>
    ${text('accountHolder', t('method.holder'), { autocomplete: 'name' })}
    ${currency === 'GBP' ? html`
      ${text('sortCode', t('method.sortCode'), { numeric: true })}
      ${text('accountNumber', t('method.accountNumber'), { numeric: true })}`
    : currency === 'USD' ? html`
      ${text('routingNumber', t('method.routing'), { numeric: true, hint: t('method.routingHint') })}
      ${text('accountNumber', t('method.accountNumber'), { numeric: true })}
      <${Field} id="wise-account-type" label=${t('method.accountType')} error=${fieldError('accountType')}>
        ${(a) => html`<select name="accountType" ...${a}><option value="CHECKING">${t('method.checking')}</option><option value="SAVINGS">${t('method.savings')}</option></select>`}<//>
      ${text('line1', t('method.street'), { autocomplete: 'address-line1' })}
      ${text('city', t('method.city'), { autocomplete: 'address-level2' })}
      ${text('state', t('method.state'), { autocomplete: 'address-level1' })}
      ${text('zip', t('method.zip'), { autocomplete: 'postal-code' })}`
    : text('iban', 'IBAN', { hint: t('method.ibanHint') })}`;
}

// The forms, each its name (the IRS's, in every language) and the key of who files it.
const FORMS = [
  ['W9', 'W-9', 'tax.form.W9'],
  ['W8BEN', 'W-8BEN', 'tax.form.W8BEN'],
  ['W8BENE', 'W-8BEN-E', 'tax.form.W8BENE'],
  ['OTHER', null, 'tax.form.OTHER'],
];

const TIN_TYPES = ['', 'SSN', 'EIN', 'ITIN'];

const CLASSIFICATIONS = ['INDIVIDUAL', 'C_CORPORATION', 'S_CORPORATION', 'PARTNERSHIP', 'TRUST_ESTATE', 'LLC_C', 'LLC_S', 'LLC_P', 'OTHER'];

/** A form as its option reads: `W-9 (United States persons)`, or `Another form`. */
function formOption([, name, key]) {
  return name ? `${name} (${t(key)})` : t(key);
}

function formName(form) {
  const found = FORMS.find(([value]) => value === form);
  return found ? found[1] || t(found[2]) : form;
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
  }, () => t('tax.submitted'));
  return html`
    <${Section} title=${t('tax.title')} id="tax-title">
      ${profile
        ? html`<p data-figure="tax.current">${t('tax.current', { form: formName(profile.form), country: profile.country, last4: profile.taxIdLast4 })}${' '}<${Badge} value=${profile.status} label=${term('taxStatus', profile.status)} />${profile.reason && html` <span class="muted">${profile.reason}</span>`}
                 ${profile.validUntil && html` <span class=${profile.expired ? 'field-error' : 'muted'}>${profile.expired ? t('tax.expired', { until: calendarDay(profile.validUntil) }) : t('tax.validUntil', { until: calendarDay(profile.validUntil) })}</span>`}</p>`
        : html`<p class="muted">${t('tax.none')}</p>`}
      ${waiting && html`<p data-figure="tax.waiting">${t('tax.waiting', { form: formName(waiting.form), last4: waiting.taxIdLast4 })}</p>`}
      <form onSubmit=${submit} class="stack" autocomplete="off">
        <${Field} id="tax-form" label=${t('tax.formLabel')} error=${fieldError('form')}>
          ${(a) => html`<select name="form" onChange=${(e) => setKind(e.target.value)} ...${a}>${FORMS.map((f) => html`<option value=${f[0]} selected=${f[0] === kind}>${formOption(f)}</option>`)}</select>`}<//>
        <${Field} id="tax-legal-name" label=${t('tax.legalName')} hint=${w9 ? t('tax.legalNameW9') : t('tax.legalNameOther')} error=${fieldError('legalName')}>
          ${(a) => html`<input name="legalName" required=${w9} autocomplete="name" ...${a} />`}<//>
        ${w9 && html`
          <${Field} id="tax-business-name" label=${t('tax.businessName')} hint=${t('tax.businessNameHint')} error=${fieldError('businessName')}>
            ${(a) => html`<input name="businessName" autocomplete="organization" ...${a} />`}<//>
          <${Field} id="tax-classification" label=${t('tax.classification')} error=${fieldError('classification')}>
            ${(a) => html`<select name="classification" required ...${a}>${CLASSIFICATIONS.map((v) => html`<option value=${v}>${t(`tax.class.${v}`)}</option>`)}</select>`}<//>
          <${Field} id="tax-line1" label=${t('tax.address')} error=${fieldError('address.line1') || fieldError('address')}>
            ${(a) => html`<input name="line1" required autocomplete="address-line1" ...${a} />`}<//>
          <${Field} id="tax-line2" label=${t('tax.line2')} error=${fieldError('address.line2')}>
            ${(a) => html`<input name="line2" autocomplete="address-line2" ...${a} />`}<//>
          <${Field} id="tax-city" label=${t('postal.city')} error=${fieldError('address.city')}>
            ${(a) => html`<input name="city" required autocomplete="address-level2" ...${a} />`}<//>
          <${Field} id="tax-state" label=${t('tax.state')} hint=${t('tax.stateHint')} error=${fieldError('address.state')}>
            ${(a) => html`<input name="state" required maxlength="2" autocomplete="address-level1" ...${a} />`}<//>
          <${Field} id="tax-zip" label=${t('tax.zip')} error=${fieldError('address.zip')}>
            ${(a) => html`<input name="zip" required autocomplete="postal-code" ...${a} />`}<//>`}
        <${Field} id="tax-country" label=${t('postal.country')} hint=${t('tax.countryHint')} error=${fieldError('country')}>
          ${(a) => html`<input name="country" required maxlength="2" autocomplete="country" ...${a} />`}<//>
        <${Field} id="tax-tin-type" label=${t('tax.tinType')} hint=${t('tax.tinTypeHint')} error=${fieldError('tinType')}>
          ${(a) => html`<select name="tinType" ...${a}>${TIN_TYPES.map((v) => html`<option value=${v}>${t(`tax.tin.${v || 'NONE'}`)}</option>`)}</select>`}<//>
        <${Field} id="tax-signed-on" label=${t('tax.signedOn')} hint=${t('tax.signedOnHint')} error=${fieldError('signedOn')}>
          ${(a) => html`<input type="date" name="signedOn" ...${a} />`}<//>
        <${Field} id="tax-id" label=${t('tax.taxId')} hint=${t('tax.taxIdHint')} error=${fieldError('taxId')}>
          ${(a) => html`<input name="taxId" required spellcheck="false" ...${a} />`}<//>
        <label class="choice"><input type="checkbox" name="electronicDelivery" checked=${Boolean(profile && profile.electronicDeliveryAt)} />
          ${t('tax.electronic')}</label>
        <button type="submit" disabled=${busy}>${t('tax.submit')}</button>
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
    <${Section} title=${t('taxForms.title')} id="tax-forms-title">
      <ul>
        ${forms.map((form) => html`<li key=${form.id}>
          <button type="button" class="link" onClick=${() => get(form)}>${t(form.corrected ? 'taxForms.formCorrected' : 'taxForms.form', { year: form.year })}<span class="visually-hidden"> ${t('common.pdf')}</span></button>
          <span class="muted"> ${form.box4 !== '0.00'
            ? t('taxForms.boxes', { box1: money(form.box1, 'USD'), box4: money(form.box4, 'USD'), day: day(form.issuedAt) })
            : t('taxForms.box1', { box1: money(form.box1, 'USD'), day: day(form.issuedAt) })}</span></li>`)}
      </ul>
      <${Outcome} outcome=${outcome} />
    <//>`;
}
