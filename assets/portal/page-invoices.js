// Invoices (SPEC §33): the program's self-billing agreement to accept or
// decline, the partner's VAT details, the invoices the program issued in
// its name (each open to an objection, which the program corrects), and —
// without an agreement — its own PDF for a payout.
import { html, useState } from './lib.js';
import { download, gql } from './api.js';
import { money } from './format.js';
import { calendarDay, day } from './zone.js';
import { Badge, Failure, Field, Loading, Outcome, Page, Section, TableWrap, useQuery, useSubmit } from './ui.js';
import { t, term } from './words.js';

const INVOICES = `query Invoices {
  viewer {
    tenant { invoicing { selfBilling legalName country agreement { version text } } }
    partner {
      id
      vat { registered vatId legalName country smallBusiness taxNumber business phone peppolId checkedBy address { line1 line2 city state zip country } }
      selfBilling { version acceptedAt expiresAt declinedAt inForce }
      payouts(first: 100) { nodes { id statementNumber status amount currency invoice { number } } }
    }
  }
  invoices(first: 100) { nodes { id number type issueDate gross { amount currency } pdfUrl xmlUrl objections { reason createdAt } } }
}`;

const SET_VAT = `mutation SetVat($input: SetPartnerVatInput!) {
  setPartnerVat(input: $input) { vatId checkedBy }
}`;
const ACCEPT = `mutation Accept($version: Int!) { acceptSelfBillingAgreement(input: { version: $version }) { version } }`;
const DECLINE = `mutation Decline { declineSelfBilling { declinedAt } }`;
const OBJECT = `mutation Object($id: ID!, $reason: String!) { objectToInvoice(id: $id, reason: $reason) { id objections { reason createdAt } } }`;
const UPLOAD = `mutation Upload($input: UploadPartnerInvoiceInput!) { uploadPartnerInvoice(input: $input) { id } }`;

export function Invoices() {
  const { data, error, loading, reload } = useQuery(INVOICES);
  const tenant = data && data.viewer.tenant;
  const partner = data && data.viewer.partner;
  return html`
    <${Page} title=${t('nav.invoices')} intro=${t('invoices.intro')}>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${partner && html`
        <${Agreement} invoicing=${tenant.invoicing} answer=${partner.selfBilling} vat=${partner.vat} reload=${reload} />
        <${Vat} vat=${partner.vat} reload=${reload} />
        <${Issued} invoices=${data.invoices.nodes} reload=${reload} />
        ${!(partner.selfBilling && partner.selfBilling.inForce) && html`<${Upload} payouts=${partner.payouts.nodes} reload=${reload} />`}`}
    <//>`;
}

function Agreement({ invoicing, answer, vat, reload }) {
  const [busy, outcome, , submit] = useSubmit(async (form, element) => {
    const choice = element.dataset.choice;
    if (choice === 'decline') await gql(DECLINE, {});
    else await gql(ACCEPT, { version: invoicing.agreement.version });
    reload();
  }, () => t('agreement.saved'));
  if (!invoicing.selfBilling || !invoicing.agreement) {
    return html`<${Section} title=${t('agreement.selfBilling')} id="agreement-title">
      <p class="muted">${t('agreement.notIssued')}</p><//>`;
  }
  const current = answer && answer.version === invoicing.agreement.version;
  return html`
    <${Section} title=${t('agreement.title', { version: invoicing.agreement.version })} id="agreement-title">
      <p>${t('agreement.issues', { brand: invoicing.legalName })}</p>
      <blockquote class="agreement" data-figure="agreement.text">${invoicing.agreement.text}</blockquote>
      ${answer && answer.inForce
        ? html`<p data-figure="agreement.state"><${Badge} value="ACCEPTED" tone="good" label=${t('agreement.acceptedBadge')} /> ${answer.expiresAt
            ? t('agreement.acceptedUntil', { day: day(answer.acceptedAt), until: day(answer.expiresAt) })
            : t('agreement.accepted', { day: day(answer.acceptedAt) })}</p>`
        : answer && current && answer.declinedAt
        ? html`<p data-figure="agreement.state"><${Badge} value="DECLINED" label=${t('agreement.declinedBadge')} /> ${t('agreement.declined', { day: day(answer.declinedAt) })}</p>`
        : html`<p data-figure="agreement.state" class="notice" role="note">${answer ? t('agreement.changed') : t('agreement.unanswered')}</p>`}
      ${!(vat && vat.legalName && vat.address) && html`<p class="muted">${t('agreement.vatFirst')}</p>`}
      <div class="actions">
        ${!(answer && answer.inForce) && html`
          <form onSubmit=${submit} data-choice="accept"><button type="submit" disabled=${busy}>${t('agreement.accept', { version: invoicing.agreement.version })}</button></form>`}
        ${!(answer && current && answer.declinedAt) && html`
          <form onSubmit=${submit} data-choice="decline"><button type="submit" class="secondary" disabled=${busy}>${t('agreement.decline')}</button></form>`}
      </div>
      <${Outcome} outcome=${outcome} />
    <//>`;
}

/** The VAT details in force, in a sentence. */
function vatNow(vat) {
  const main = !vat.registered
    ? t('vat.nowNotRegistered', { country: vat.country })
    : vat.vatId
    ? t('vat.nowRegisteredId', { country: vat.country, vatId: vat.vatId })
    : t('vat.nowRegistered', { country: vat.country });
  return `${main}${vat.smallBusiness ? t('vat.nowSmall') : ''}.`;
}

function Vat({ vat, reload }) {
  const [registered, setRegistered] = useState(vat ? vat.registered : true);
  const [small, setSmall] = useState(vat ? vat.smallBusiness : false);
  const [busy, outcome, fieldError, submit] = useSubmit(async (form) => {
    const given = (name) => form.get(name) || null;
    const input = {
      registered: form.get('registered') === 'on',
      vatId: given('vatId'),
      smallBusiness: form.get('smallBusiness') === 'on',
      taxNumber: given('taxNumber'),
      business: form.get('business') === 'on',
      phone: given('phone'),
      peppolId: given('peppolId'),
      country: form.get('country'),
      legalName: given('legalName'),
    };
    if (form.get('line1')) {
      input.address = { line1: form.get('line1'), line2: given('line2'), city: form.get('city'),
        state: given('state'), zip: given('zip'), country: form.get('country') };
    }
    await gql(SET_VAT, { input });
    reload();
  }, () => t('vat.saved'));
  const address = (vat && vat.address) || {};
  return html`
    <${Section} title=${t('vat.title')} id="vat-title">
      ${vat
        ? html`<p data-figure="vat.current">${vatNow(vat)}</p>`
        : html`<p class="muted">${t('vat.none')}</p>`}
      <form onSubmit=${submit} class="stack">
        <label class="choice"><input type="checkbox" name="registered" checked=${registered} onChange=${(e) => setRegistered(e.target.checked)} /> ${t('vat.registered')}</label>
        <${Field} id="vat-country" label=${t('postal.country')} hint=${t('vat.countryHint')} error=${fieldError('country')}>
          ${(a) => html`<input name="country" maxlength="2" autocomplete="country" required defaultValue=${vat ? vat.country : ''} ...${a} />`}<//>
        <label class="choice"><input type="checkbox" name="smallBusiness" checked=${small} onChange=${(e) => setSmall(e.target.checked)} /> ${t('vat.small')}</label>
        <label class="choice"><input type="checkbox" name="business" defaultChecked=${vat && vat.business} /> ${t('vat.business')}</label>
        ${(registered || small) && html`
          <${Field} id="vat-id" label=${registered ? t('vat.id') : t('vat.idIfAny')} hint=${t('vat.idHint')} error=${fieldError('vatId')}>
            ${(a) => html`<input name="vatId" spellcheck="false" autocomplete="off" defaultValue=${vat && vat.vatId || ''} ...${a} />`}<//>`}
        <${Field} id="vat-tax-number" label=${t('vat.taxNumber')} hint=${t('vat.taxNumberHint')} error=${fieldError('taxNumber')}>
          ${(a) => html`<input name="taxNumber" spellcheck="false" autocomplete="off" defaultValue=${vat && vat.taxNumber || ''} ...${a} />`}<//>
        <${Field} id="vat-legal-name" label=${t('vat.legalName')} hint=${t('vat.legalNameHint')} error=${fieldError('legalName')}>
          ${(a) => html`<input name="legalName" autocomplete="organization" defaultValue=${vat && vat.legalName || ''} ...${a} />`}<//>
        <${Field} id="vat-line1" label=${t('postal.street')} error=${fieldError('line1')}>
          ${(a) => html`<input name="line1" autocomplete="address-line1" defaultValue=${address.line1 || ''} ...${a} />`}<//>
        <${Field} id="vat-line2" label=${t('postal.line2')} error=${fieldError('line2')}>
          ${(a) => html`<input name="line2" autocomplete="address-line2" defaultValue=${address.line2 || ''} ...${a} />`}<//>
        <${Field} id="vat-city" label=${t('postal.city')} error=${fieldError('city')}>
          ${(a) => html`<input name="city" autocomplete="address-level2" defaultValue=${address.city || ''} ...${a} />`}<//>
        <${Field} id="vat-state" label=${t('postal.state')} error=${fieldError('state')}>
          ${(a) => html`<input name="state" autocomplete="address-level1" defaultValue=${address.state || ''} ...${a} />`}<//>
        <${Field} id="vat-zip" label=${t('postal.zip')} error=${fieldError('zip')}>
          ${(a) => html`<input name="zip" autocomplete="postal-code" defaultValue=${address.zip || ''} ...${a} />`}<//>
        <${Field} id="vat-phone" label=${t('vat.phone')} hint=${t('vat.phoneHint')} error=${fieldError('phone')}>
          ${(a) => html`<input name="phone" type="tel" autocomplete="tel" defaultValue=${vat && vat.phone || ''} ...${a} />`}<//>
        <${Field} id="vat-peppol" label=${t('vat.peppol')} hint=${t('vat.peppolHint')} error=${fieldError('peppolId')}>
          ${(a) => html`<input name="peppolId" spellcheck="false" autocomplete="off" defaultValue=${vat && vat.peppolId || ''} ...${a} />`}<//>
        <button type="submit" disabled=${busy}>${t('vat.save')}</button>
        <${Outcome} outcome=${outcome} />
      </form>
    <//>`;
}

function Issued({ invoices, reload }) {
  const [outcome, setOutcome] = useState(null);
  const get = async (url, name) => {
    setOutcome(null);
    try {
      await download(url, name);
    } catch (error) {
      setOutcome({ error });
    }
  };
  return html`
    <${Section} title=${t('issued.title')} id="issued-title">
      ${invoices.length === 0
        ? html`<p class="muted">${t('issued.none')}</p>`
        : html`<p class="hint">${t('issued.hint')}</p>
          <${TableWrap} label=${t('issued.title')}>
            <table>
              <thead><tr><th scope="col">${t('issued.number')}</th><th scope="col">${t('column.kind')}</th><th scope="col">${t('issued.issued')}</th><th scope="col" class="num">${t('issued.gross')}</th><th scope="col">${t('issued.files')}</th><th scope="col">${t('issued.objection')}</th></tr></thead>
              <tbody>${[...invoices].reverse().map((invoice) => html`
                <tr data-invoice=${invoice.number} key=${invoice.id}>
                  <th scope="row">${invoice.number}</th>
                  <td>${term('invoiceType', invoice.type)}</td>
                  <td>${calendarDay(invoice.issueDate)}</td>
                  <td class="num">${money(invoice.gross.amount, invoice.gross.currency)}</td>
                  <td>
                    <button type="button" class="link" onClick=${() => get(invoice.pdfUrl, `invoice-${invoice.number}.pdf`)} aria-label=${t('issued.pdfOf', { number: invoice.number })}>PDF</button>${' '}
                    <button type="button" class="link" onClick=${() => get(invoice.xmlUrl, `invoice-${invoice.number}.xml`)} aria-label=${t('issued.xmlOf', { number: invoice.number })}>XML</button>
                  </td>
                  <td>
                    ${(invoice.objections || []).map((o) => html`<span class="block" data-figure="invoice.objection">${t('issued.objected', { day: day(o.createdAt), reason: o.reason })}</span>`)}
                    ${invoice.type === 'INVOICE' && html`<${Objection} invoice=${invoice} reload=${reload} />`}
                  </td>
                </tr>`)}</tbody>
            </table><//>`}
      <${Outcome} outcome=${outcome} />
    <//>`;
}

/**
 * An objection to an invoice issued in the partner's name: why it is
 * wrong, sent to the program, which corrects it.
 */
function Objection({ invoice, reload }) {
  const [busy, outcome, fieldError, submit] = useSubmit(async (form, element) => {
    await gql(OBJECT, { id: invoice.id, reason: form.get('reason') || '' });
    element.reset();
    element.closest('details').open = false;
    reload();
  }, () => t('objection.sent'));
  const id = `object-${invoice.number}`;
  return html`
    <details>
      <summary aria-label=${t('objection.objectTo', { number: invoice.number })}>${t('objection.object')}</summary>
      <form onSubmit=${submit} class="stack">
        <${Field} id=${id} label=${t('objection.why')} hint=${t('objection.hint')} error=${fieldError('reason')}>
          ${(a) => html`<textarea name="reason" rows="3" maxlength="2000" ...${a}></textarea>`}<//>
        <button type="submit" disabled=${busy} aria-label=${t('objection.sendTo', { number: invoice.number })}>${t('objection.send')}</button>
      </form>
    </details>
    <${Outcome} outcome=${outcome} />`;
}

/** A file's bytes as base64, as the API takes them. */
function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function Upload({ payouts, reload }) {
  // An invoice is uploaded while its payout is pending: a paid one keeps what it was paid against.
  const open = payouts.filter((p) => !p.invoice && p.status === 'PENDING');
  const [busy, outcome, fieldError, submit] = useSubmit(async (form, element) => {
    const file = form.get('pdf');
    const pdf = file && file.size ? await base64Of(file) : '';
    await gql(UPLOAD, { input: { payoutId: form.get('payoutId'), pdf } });
    element.reset();
    reload();
  }, () => t('upload.done'));
  return html`
    <${Section} title=${t('upload.title')} id="upload-title">
      ${open.length === 0
        ? html`<p class="muted">${t('upload.none')}</p>`
        : html`<form onSubmit=${submit} class="stack">
            <${Field} id="upload-payout" label=${t('payouts.payout')} error=${fieldError('payoutId')}>
              ${(a) => html`<select name="payoutId" ...${a}>${open.map((p) => html`<option value=${p.id}>${p.statementNumber}: ${money(p.amount, p.currency)} (${term('payoutStatus', p.status)})</option>`)}</select>`}<//>
            <${Field} id="upload-pdf" label=${t('upload.file')} error=${fieldError('pdf')}>
              ${(a) => html`<input type="file" name="pdf" accept="application/pdf" required ...${a} />`}<//>
            <button type="submit" disabled=${busy}>${t('upload.submit')}</button>
            <${Outcome} outcome=${outcome} />
          </form>`}
    <//>`;
}
