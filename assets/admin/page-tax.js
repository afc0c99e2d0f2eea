// Year-end (SPEC §29): finance finishes a calendar year's 1099-NEC forms
// here — the payer, what is missing (TINs, expired W-8s), the payees by
// status, issuing (and, after a change, the corrections), the IRIS CSV
// and the paper copies to post. A viewer reads the year; an admin acts.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { Badge, Failure, Field, Loading, Money, Outcome, Page, Section, TableWrap, useQuery } from './ui.js';
import { Done, Paged, Writable, day, saveFile, useForm, useParams, usePaged } from './parts.js';

const YEAR = `query Year($year: Int!) {
  taxYear(year: $year) {
    year threshold status issuedAt
    totals { payees reportable amount withheld }
    missing: payees(first: 1, status: MISSING_TIN) { totalCount }
    expired: payees(first: 1, status: W8_EXPIRED) { totalCount }
    missingW8: payees(first: 1, status: MISSING_W8) { totalCount }
    forms { id corrected electronic }
  }
  viewer { tenant { taxPayer { legalName tinLast4 phone address { line1 line2 city state zip } } } }
}`;

const PAYEES = `query Payees($year: Int!, $status: TaxPayeeStatus, $after: String) {
  taxYear(year: $year) {
    payees(first: 50, after: $after, status: $status) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { key name tinType tinLast4 paid excluded counted withheld status
              partners { id name } forms { id corrected } }
    }
  }
}`;

const SET_PAYER = `mutation SetPayer($input: UpdateTenantInput!) {
  updateTenant(input: $input) { taxPayer { legalName tinLast4 } }
}`;

const ISSUE = `mutation Issue($year: Int!) { issueTaxForms(year: $year) { status forms { id } } }`;

const CSV = `query Csv($year: Int!, $header: String!, $corrected: Boolean!) {
  taxFormsCsv(year: $year, header: $header, corrected: $corrected) { filename contentType content }
}`;

const PAPER = `query Paper($year: Int!) { taxPaperForms(year: $year) { filename contentType content } }`;

const STATUSES = [
  ['', 'Every payee'],
  ['REPORTABLE', 'Reportable'],
  ['BELOW_THRESHOLD', 'Below the threshold'],
  ['EXEMPT_CORPORATION', 'Corporations (exempt)'],
  ['FOREIGN', 'Foreign (W-8)'],
  ['MISSING_TIN', 'Missing a W-9'],
  ['W8_EXPIRED', 'W-8 expired'],
  ['MISSING_W8', 'Abroad, missing a W-8'],
];

/** The year whose forms are due next: last year's. */
function defaultYear() {
  return new Date().getFullYear() - 1;
}

export function YearEnd() {
  const [params, setParams] = useParams();
  const year = Number(params.year) || defaultYear();
  const status = params.status || '';
  const { data, error, loading, reload } = useQuery(YEAR, { year });
  const [done, setDone] = useState(null);
  // Each change reads the year again, its payees' forms included.
  const [round, setRound] = useState(0);
  const changed = (message) => {
    setDone(message);
    setRound((r) => r + 1);
    reload();
  };
  const taxYear = data && data.taxYear;
  return html`
    <${Page} title="Year-end" intro="Form 1099-NEC for each US payee paid enough in a calendar year: who is missing a form, who is reportable, issuing, and the files for IRIS and the post.">
      <${Done} message=${done} />
      <form class="filters" onSubmit=${(e) => { e.preventDefault(); setParams({ year: new FormData(e.target).get('year') }); }}>
        <${Field} id="tax-year" label="Calendar year">
          ${(a) => html`<input name="year" type="number" min="2020" max="2100" value=${year} ...${a} />`}<//>
        <button type="submit" class="secondary">Show</button>
      </form>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${taxYear && html`
        <${Summary} year=${taxYear} />
        <${Payer} payer=${data.viewer.tenant.taxPayer} changed=${changed} />
        <${Payees} key=${round} year=${year} status=${status} setStatus=${(s) => setParams({ year, status: s })} />
        <${Issue} year=${taxYear} payer=${data.viewer.tenant.taxPayer} changed=${changed} />
        <${Files} year=${taxYear} />`}
    <//>`;
}

function Summary({ year }) {
  const t = year.totals;
  const corrected = year.forms.filter((f) => f.corrected).length;
  return html`
    <${Section} title=${`${year.year} at a glance`} id="tax-summary">
      <dl class="facts">
        <div><dt>Threshold</dt><dd><${Money} amount=${year.threshold} currency="USD" figure="tax.threshold" /></dd></div>
        <div><dt>Payees</dt><dd data-count="tax-payees">${t.payees}</dd></div>
        <div><dt>Reportable</dt><dd data-count="tax-reportable">${t.reportable}</dd></div>
        <div><dt>Box 1, reportable payees</dt><dd><${Money} amount=${t.amount} currency="USD" figure="tax.box1" /></dd></div>
        <div><dt>Box 4, withheld</dt><dd><${Money} amount=${t.withheld} currency="USD" figure="tax.box4" /></dd></div>
        <div><dt>Missing a W-9</dt><dd data-count="tax-missing">${year.missing.totalCount}</dd></div>
        <div><dt>W-8 expired</dt><dd data-count="tax-expired">${year.expired.totalCount}</dd></div>
        <div><dt>Abroad, missing a W-8</dt><dd data-count="tax-missing-w8">${year.missingW8.totalCount}</dd></div>
        <div><dt>Forms</dt><dd data-count="tax-forms">${year.forms.length}${corrected > 0 ? ` (${corrected} corrected)` : ''}</dd></div>
        <div><dt>Status</dt><dd><${Badge} value=${year.status} />${year.issuedAt && html` <span class="muted">first issued ${day(year.issuedAt)}</span>`}</dd></div>
      </dl>
    <//>`;
}

function Payer({ payer, changed }) {
  const [busy, outcome, fieldError, submit] = useForm(async (form, element) => {
    await gql(SET_PAYER, {
      input: {
        taxPayer: {
          legalName: form.get('legalName'),
          tin: form.get('tin'),
          phone: form.get('phone'),
          address: { line1: form.get('line1'), line2: form.get('line2') || null, city: form.get('city'),
            state: form.get('state'), zip: form.get('zip') },
        },
      },
    });
    // The EIN does not stay on the page.
    element.reset();
    changed('The payer is saved.');
  });
  return html`
    <${Section} title="The payer" id="tax-payer">
      ${payer
        ? html`<p data-figure="tax.payer">${payer.legalName}, EIN ending ${payer.tinLast4}, ${payer.address.line1}, ${payer.address.city}, ${payer.address.state} ${payer.address.zip}, ${payer.phone}</p>`
        : html`<p class="notice" role="note">No payer yet: its name, EIN, address and phone go on every form.</p>`}
      <${Writable} note="an admin sets the payer.">
        <form class="stack" onSubmit=${submit} autocomplete="off">
          <${Field} id="payer-name" label="Legal name" error=${fieldError('taxPayer.legalName')}>
            ${(a) => html`<input name="legalName" required ...${a} />`}<//>
          <${Field} id="payer-tin" label="EIN" hint="12-3456789. Stored encrypted; only its last four are shown." error=${fieldError('taxPayer.tin')}>
            ${(a) => html`<input name="tin" required spellcheck="false" ...${a} />`}<//>
          <${Field} id="payer-line1" label="Address" error=${fieldError('taxPayer.address.line1')}>
            ${(a) => html`<input name="line1" required ...${a} />`}<//>
          <${Field} id="payer-line2" label="Suite (optional)" error=${fieldError('taxPayer.address.line2')}>
            ${(a) => html`<input name="line2" ...${a} />`}<//>
          <${Field} id="payer-city" label="City" error=${fieldError('taxPayer.address.city')}>
            ${(a) => html`<input name="city" required ...${a} />`}<//>
          <${Field} id="payer-state" label="State" error=${fieldError('taxPayer.address.state')}>
            ${(a) => html`<input name="state" required maxlength="2" ...${a} />`}<//>
          <${Field} id="payer-zip" label="ZIP code" error=${fieldError('taxPayer.address.zip')}>
            ${(a) => html`<input name="zip" required ...${a} />`}<//>
          <${Field} id="payer-phone" label="Telephone" error=${fieldError('taxPayer.phone')}>
            ${(a) => html`<input name="phone" type="tel" required ...${a} />`}<//>
          <p><button type="submit" disabled=${busy}>Save the payer</button></p>
          <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
        </form>
      <//>
    <//>`;
}

function Payees({ year, status, setStatus }) {
  const paged = usePaged(PAYEES, { year, status: status || null }, (d) => d.taxYear.payees);
  return html`
    <${Section} title="Payees" id="tax-payees">
      <${Field} id="tax-status" label="Show">
        ${(a) => html`<select value=${status} onChange=${(e) => setStatus(e.target.value)} ...${a}>
          ${STATUSES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>`}<//>
      <${Paged} paged=${paged} what=${['payee', 'payees']} empty="No payee in this year with this status.">
        <${TableWrap} label="Payees">
          <table>
            <thead><tr><th scope="col">Payee</th><th scope="col">TIN</th><th scope="col">Status</th>
              <th scope="col" class="num">Paid</th><th scope="col" class="num">Excluded</th>
              <th scope="col" class="num">Box 1</th><th scope="col" class="num">Box 4</th><th scope="col">Forms</th></tr></thead>
            <tbody>
              ${paged.nodes.map((p) => html`
                <tr key=${p.key} data-payee=${p.key}>
                  <th scope="row">${p.name}${p.partners.length > 1 && html`<br /><span class="muted">${p.partners.map((x) => x.name).join(', ')}</span>`}</th>
                  <td>${p.tinLast4 ? `${p.tinType || ''} ···${p.tinLast4}` : '—'}</td>
                  <td><${Badge} value=${p.status} /></td>
                  <td class="num"><${Money} amount=${p.paid} currency="USD" figure=${`tax.${p.key}.paid`} /></td>
                  <td class="num"><${Money} amount=${p.excluded} currency="USD" figure=${`tax.${p.key}.excluded`} /></td>
                  <td class="num"><${Money} amount=${p.counted} currency="USD" figure=${`tax.${p.key}.counted`} /></td>
                  <td class="num"><${Money} amount=${p.withheld} currency="USD" figure=${`tax.${p.key}.withheld`} /></td>
                  <td>${p.forms.length === 0 ? '—' : p.forms.map((f) => (f.corrected ? 'corrected' : 'original')).join(', ')}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}

function Issue({ year, payer, changed }) {
  const [busy, outcome, , submit] = useForm(async () => {
    const before = year.forms.length;
    const data = await gql(ISSUE, { year: year.year });
    const made = data.issueTaxForms.forms.length - before;
    changed(made === 0 ? 'Nothing changed since the forms were issued: no form was made.'
      : `${made} ${made === 1 ? 'form' : 'forms'} made.`);
  });
  return html`
    <${Section} title="Issue" id="tax-issue">
      <p>Issuing freezes each reportable payee's form. Issue again after a change: a corrected form is made beside the first, never an edit. Payees who consented are e-mailed once; the others are posted.</p>
      <${Writable} note="an admin issues the forms.">
        <form onSubmit=${submit}>
          <button type="submit" disabled=${busy || !payer}>${year.status === 'ISSUED' ? `Issue corrections for ${year.year}` : `Issue the forms of ${year.year}`}</button>
          ${!payer && html` <span class="muted">Set the payer first.</span>`}
          <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
        </form>
      <//>
    <//>`;
}

function Files({ year }) {
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const data = await gql(CSV, { year: year.year, header: form.get('header'), corrected: form.get('corrected') === 'on' });
    for (const file of data.taxFormsCsv) saveFile(file);
  });
  const [paperOutcome, setPaperOutcome] = useState(null);
  const paper = async () => {
    setPaperOutcome(null);
    try {
      const data = await gql(PAPER, { year: year.year });
      if (data.taxPaperForms) saveFile(data.taxPaperForms);
      else setPaperOutcome({ done: 'Every payee of the year consented to electronic delivery: nothing to post.' });
    } catch (error) {
      setPaperOutcome({ error });
    }
  };
  const paperCount = year.forms.filter((f) => !f.electronic).length;
  return html`
    <${Section} title="Files" id="tax-files">
      <${Writable} note="an admin downloads the files, which hold whole TINs.">
        <form class="stack" onSubmit=${submit}>
          <${Field} id="iris-header" label="IRIS template's header row" hint="Paste the first line of the CSV template downloaded from the IRIS Taxpayer Portal: its columns are filled by name, 100 records a file." error=${fieldError('header')}>
            ${(a) => html`<textarea name="header" rows="3" required spellcheck="false" ...${a}></textarea>`}<//>
          <label class="choice"><input type="checkbox" name="corrected" /> The corrections instead of the originals</label>
          <p><button type="submit" disabled=${busy || year.forms.length === 0}>Download the IRIS CSV</button></p>
          <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
        </form>
        <p><button type="button" class="secondary" onClick=${paper} disabled=${paperCount === 0}>Download the paper copies (Copy B, ${paperCount})</button></p>
        <${Outcome} outcome=${paperOutcome} />
      <//>
    <//>`;
}
