// Invoices (SPEC §33): the program's self-billing agreement to accept or
// decline, the partner's VAT details, the invoices the program issued in
// its name (each open to an objection, which the program corrects), and —
// without an agreement — its own PDF for a payout.
import { html, useState } from './lib.js';
import { download, gql } from './api.js';
import { money } from './format.js';
import { day } from './zone.js';
import { Badge, Failure, Field, Loading, Outcome, Page, Section, TableWrap, useQuery, useSubmit } from './ui.js';

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
    <${Page} title="Invoices" intro="The invoices for what the program pays you: issued by the program in your name, or uploaded by you.">
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
  }, 'Your answer is saved.');
  if (!invoicing.selfBilling || !invoicing.agreement) {
    return html`<${Section} title="Self-billing" id="agreement-title">
      <p class="muted">The program does not issue invoices for you: upload your own for a payout below.</p><//>`;
  }
  const current = answer && answer.version === invoicing.agreement.version;
  return html`
    <${Section} title=${`Self-billing agreement, version ${invoicing.agreement.version}`} id="agreement-title">
      <p>${invoicing.legalName} issues the invoices for what it pays you, in your name, under this agreement.</p>
      <blockquote class="agreement" data-figure="agreement.text">${invoicing.agreement.text}</blockquote>
      ${answer && answer.inForce
        ? html`<p data-figure="agreement.state"><${Badge} value="ACCEPTED" tone="good" /> Accepted on ${day(answer.acceptedAt)}${answer.expiresAt && html`, until ${day(answer.expiresAt)}`}.</p>`
        : answer && current && answer.declinedAt
        ? html`<p data-figure="agreement.state"><${Badge} value="DECLINED" /> Declined on ${day(answer.declinedAt)}: you are paid with your statement and upload your own invoices.</p>`
        : html`<p data-figure="agreement.state" class="notice" role="note">${answer ? 'The agreement changed since you answered: accept this version, or decline.' : 'Not answered yet.'}</p>`}
      ${!(vat && vat.legalName && vat.address) && html`<p class="muted">Give your VAT details with your legal name and address below before you accept: your invoices carry them.</p>`}
      <div class="actions">
        ${!(answer && answer.inForce) && html`
          <form onSubmit=${submit} data-choice="accept"><button type="submit" disabled=${busy}>Accept version ${invoicing.agreement.version}</button></form>`}
        ${!(answer && current && answer.declinedAt) && html`
          <form onSubmit=${submit} data-choice="decline"><button type="submit" class="secondary" disabled=${busy}>Decline self-billing</button></form>`}
      </div>
      <${Outcome} outcome=${outcome} />
    <//>`;
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
  }, 'Your VAT details are saved: invoices from now on carry them.');
  const address = (vat && vat.address) || {};
  return html`
    <${Section} title="VAT details" id="vat-title">
      ${vat
        ? html`<p data-figure="vat.current">${vat.registered ? `Registered for VAT in ${vat.country}${vat.vatId ? `, VAT id ${vat.vatId}` : ''}` : `Not registered for VAT (${vat.country})`}${vat.smallBusiness ? ', small business' : ''}.</p>`
        : html`<p class="muted">No VAT details yet.</p>`}
      <form onSubmit=${submit} class="stack">
        <label class="choice"><input type="checkbox" name="registered" checked=${registered} onChange=${(e) => setRegistered(e.target.checked)} /> Registered for VAT</label>
        <${Field} id="vat-country" label="Country" hint="Where you are established for VAT: two letters (DE, FR, GB)." error=${fieldError('country')}>
          ${(a) => html`<input name="country" maxlength="2" autocomplete="country" required defaultValue=${vat ? vat.country : ''} ...${a} />`}<//>
        <label class="choice"><input type="checkbox" name="smallBusiness" checked=${small} onChange=${(e) => setSmall(e.target.checked)} /> Small business: I charge no VAT under my country's exemption (a Kleinunternehmer, § 19 UStG)</label>
        <label class="choice"><input type="checkbox" name="business" defaultChecked=${vat && vat.business} /> I invoice as a business, not as a private person</label>
        ${(registered || small) && html`
          <${Field} id="vat-id" label=${registered ? 'VAT id' : 'VAT id (if you have one)'} hint="With or without its country prefix; checked by its form and check digits." error=${fieldError('vatId')}>
            ${(a) => html`<input name="vatId" spellcheck="false" autocomplete="off" defaultValue=${vat && vat.vatId || ''} ...${a} />`}<//>`}
        <${Field} id="vat-tax-number" label="Tax number (optional)" hint="As your tax office wrote it (21/815/08150): a small business without a VAT id gives it; outside the EU and the UK, your tax id (an EIN in the US)." error=${fieldError('taxNumber')}>
          ${(a) => html`<input name="taxNumber" spellcheck="false" autocomplete="off" defaultValue=${vat && vat.taxNumber || ''} ...${a} />`}<//>
        <${Field} id="vat-legal-name" label="Legal name" hint="As your invoices are to name you." error=${fieldError('legalName')}>
          ${(a) => html`<input name="legalName" autocomplete="organization" defaultValue=${vat && vat.legalName || ''} ...${a} />`}<//>
        <${Field} id="vat-line1" label="Street address" error=${fieldError('line1')}>
          ${(a) => html`<input name="line1" autocomplete="address-line1" defaultValue=${address.line1 || ''} ...${a} />`}<//>
        <${Field} id="vat-line2" label="Address line 2 (optional)" error=${fieldError('line2')}>
          ${(a) => html`<input name="line2" autocomplete="address-line2" defaultValue=${address.line2 || ''} ...${a} />`}<//>
        <${Field} id="vat-city" label="City" error=${fieldError('city')}>
          ${(a) => html`<input name="city" autocomplete="address-level2" defaultValue=${address.city || ''} ...${a} />`}<//>
        <${Field} id="vat-state" label="State or region (required in the US)" error=${fieldError('state')}>
          ${(a) => html`<input name="state" autocomplete="address-level1" defaultValue=${address.state || ''} ...${a} />`}<//>
        <${Field} id="vat-zip" label="Postal code" error=${fieldError('zip')}>
          ${(a) => html`<input name="zip" autocomplete="postal-code" defaultValue=${address.zip || ''} ...${a} />`}<//>
        <${Field} id="vat-phone" label="Phone (optional)" hint="Your invoices' contact; digits, spaces and + - / ( )." error=${fieldError('phone')}>
          ${(a) => html`<input name="phone" type="tel" autocomplete="tel" defaultValue=${vat && vat.phone || ''} ...${a} />`}<//>
        <${Field} id="vat-peppol" label="PEPPOL id (optional)" hint="If you receive e-invoices over PEPPOL: scheme:id, such as 0088:4012345000009." error=${fieldError('peppolId')}>
          ${(a) => html`<input name="peppolId" spellcheck="false" autocomplete="off" defaultValue=${vat && vat.peppolId || ''} ...${a} />`}<//>
        <button type="submit" disabled=${busy}>Save VAT details</button>
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
    <${Section} title="Invoices issued for you" id="issued-title">
      ${invoices.length === 0
        ? html`<p class="muted">None yet: an invoice is issued when a payout under the agreement is paid.</p>`
        : html`<p class="hint">An invoice that is wrong: object to it, and the program corrects it with a credit note and a new invoice.</p>
          <${TableWrap} label="Invoices issued for you">
            <table>
              <thead><tr><th scope="col">Number</th><th scope="col">Kind</th><th scope="col">Issued</th><th scope="col" class="num">Gross</th><th scope="col">Files</th><th scope="col">Objection</th></tr></thead>
              <tbody>${[...invoices].reverse().map((invoice) => html`
                <tr data-invoice=${invoice.number} key=${invoice.id}>
                  <th scope="row">${invoice.number}</th>
                  <td>${invoice.type === 'CREDIT_NOTE' ? 'Credit note' : 'Invoice'}</td>
                  <td>${invoice.issueDate}</td>
                  <td class="num">${money(invoice.gross.amount, invoice.gross.currency)}</td>
                  <td>
                    <button type="button" class="link" onClick=${() => get(invoice.pdfUrl, `invoice-${invoice.number}.pdf`)}>PDF<span class="visually-hidden"> of ${invoice.number}</span></button>${' '}
                    <button type="button" class="link" onClick=${() => get(invoice.xmlUrl, `invoice-${invoice.number}.xml`)}>XML<span class="visually-hidden"> of ${invoice.number}</span></button>
                  </td>
                  <td>
                    ${(invoice.objections || []).map((o) => html`<span class="block" data-figure="invoice.objection">Objected on ${day(o.createdAt)}: ${o.reason}</span>`)}
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
  }, 'Your objection is sent: the program reads it with the invoice, and corrects a wrong one.');
  const id = `object-${invoice.number}`;
  return html`
    <details>
      <summary>Object<span class="visually-hidden"> to ${invoice.number}</span></summary>
      <form onSubmit=${submit} class="stack">
        <${Field} id=${id} label="Why you object" hint="What is wrong on it: at most 2,000 characters." error=${fieldError('reason')}>
          ${(a) => html`<textarea name="reason" rows="3" maxlength="2000" ...${a}></textarea>`}<//>
        <button type="submit" disabled=${busy}>Send objection<span class="visually-hidden"> to ${invoice.number}</span></button>
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
  }, 'Your invoice is uploaded.');
  return html`
    <${Section} title="Upload your own invoice" id="upload-title">
      ${open.length === 0
        ? html`<p class="muted">No payout waits for an invoice.</p>`
        : html`<form onSubmit=${submit} class="stack">
            <${Field} id="upload-payout" label="Payout" error=${fieldError('payoutId')}>
              ${(a) => html`<select name="payoutId" ...${a}>${open.map((p) => html`<option value=${p.id}>${p.statementNumber}: ${money(p.amount, p.currency)} (${p.status.toLowerCase()})</option>`)}</select>`}<//>
            <${Field} id="upload-pdf" label="Your invoice (PDF, at most 5 MB)" error=${fieldError('pdf')}>
              ${(a) => html`<input type="file" name="pdf" accept="application/pdf" required ...${a} />`}<//>
            <button type="submit" disabled=${busy}>Upload invoice</button>
            <${Outcome} outcome=${outcome} />
          </form>`}
    <//>`;
}
