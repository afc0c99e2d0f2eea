// Settings: the program as partners see it (name, support address and
// colour), its time zone, minimum payouts, the account SEPA files pay
// from and whether runs need an approved tax profile; what the fraud
// signals do and who gets the daily fraud digest; sign-in links for staff; the e-mail the program sent.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { words } from './format.js';
import { Badge, Failure, Field, Loading, Outcome, Page, Section, TableWrap, useQuery } from './ui.js';
import { Done, Paged, Writable, day, minimumsText, parseMinimums, setTenant, tone, useForm, usePaged, writable } from './parts.js';

const TENANT_FIELDS = `id name programName timeZone currency supportEmail brandColor requireTaxProfile
  minimumPayout { amount currency } payoutAccount { iban bic name } fraudDigest { recipients hour }`;

const SETTINGS = `query Settings { viewer { tenant { ${TENANT_FIELDS} } } fraudPolicy { signal action threshold } }`;

const UPDATE = `mutation UpdateTenant($input: UpdateTenantInput!) { updateTenant(input: $input) { ${TENANT_FIELDS} } }`;

const INVOICING_FIELDS = `invoicing { selfBilling legalName vatId country series exemptionText
  address { line1 line2 city zip country } agreement { version text }
  peppolId contact { name email phone } serviceDescription legalDetails }`;

const INVOICING = `query Invoicing { viewer { tenant { id ${INVOICING_FIELDS} } } }`;

const SET_INVOICING = `mutation SetInvoicing($input: UpdateTenantInput!) { updateTenant(input: $input) { id ${INVOICING_FIELDS} } }`;

const POLICY = `mutation SetPolicy($input: SetFraudPolicyInput!) { setFraudPolicy(input: $input) { signal action threshold } }`;

const STAFF_LINK = `mutation StaffLink($input: CreateStaffSignInLinkInput!) { createStaffSignInLink(input: $input) { url expiresAt } }`;

const EMAILS = `query Emails($after: String) {
  emails(first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id to kind subject status attempts lastError createdAt sentAt partner { id name } }
  }
}`;

/** The time zones this browser knows (a text field where it names none). */
const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : null;

export function Settings() {
  const { data, error, loading, reload } = useQuery(SETTINGS, {});
  const [done, setDone] = useState(null);
  const saved = (message) => {
    setDone(message);
    reload();
  };
  return html`
    <${Page} title="Settings" intro="The program's settings, its fraud policy, staff sign-in links and the e-mail it sent.">
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      <${Done} message=${done} />
      ${data && html`
        <${Program} tenant=${data.viewer.tenant} saved=${saved} />
        <${Policy} rules=${data.fraudPolicy} saved=${saved} />`}
      <${Invoicing} saved=${saved} />
      <${Writable} note="an admin changes settings and makes staff sign-in links."><${StaffLink} /><//>
      <${Outbox} />
    <//>`;
}

function Program({ tenant, saved }) {
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const text = (name) => (form.get(name) || '').trim() || null;
    const input = {
      name: text('name'),
      programName: text('programName'),
      supportEmail: text('supportEmail'),
      brandColor: text('brandColor'),
      timeZone: text('timeZone'),
      minimumPayout: parseMinimums(form.get('minimumPayout')),
      requireTaxProfile: form.get('requireTaxProfile') === 'on',
      fraudDigest: {
        recipients: String(form.get('digestRecipients') || '').split(/[\s,]+/).filter(Boolean),
        hour: Number(form.get('digestHour') || 8),
      },
    };
    if (text('iban') || text('accountName')) input.payoutAccount = { iban: text('iban'), bic: text('bic'), name: text('accountName') };
    const updated = await gql(UPDATE, { input });
    setTenant(updated.updateTenant);
    saved('The settings are saved.');
  }, 'Saved.');
  const account = tenant.payoutAccount || {};
  const field = (name, label, value, hint, attrs = {}, error = name) => html`
    <${Field} id=${`settings-${name}`} label=${label} hint=${hint} error=${fieldError(error)}>
      ${(a) => html`<input name=${name} defaultValue=${value || ''} autocomplete="off" ...${attrs} ...${a} />`}
    <//>`;
  return html`
    <form onSubmit=${submit} key=${tenant.id}>
      <fieldset class="plain" disabled=${!writable()}>
        <legend class="visually-hidden">The program's settings</legend>
        <${Section} title="The program" id="settings-program">
          <div class="stack">
            ${field('name', 'Tenant name', tenant.name, null, { required: true })}
            ${field('programName', 'Program name partners see', tenant.programName === tenant.name ? '' : tenant.programName, 'Empty: the tenant name.')}
            ${field('supportEmail', 'Support e-mail', tenant.supportEmail, 'Partners reply to it; staff notices (new applications, fraud flags) go to it.', { type: 'email' })}
            ${field('brandColor', 'Brand colour', tenant.brandColor, '# and six hex digits, such as #1a73e8. Empty: revshare\u2019s own.', { pattern: '#[0-9A-Fa-f]{6}' })}
            <${Field} id="settings-timeZone" label="Time zone" hint="Dates, months and tier periods are counted in it." error=${fieldError('timeZone')}>
              ${(a) => (ZONES
                ? html`<select name="timeZone" ...${a}>${ZONES.map((z) => html`<option value=${z} selected=${z === tenant.timeZone}>${z}</option>`)}
                         ${!ZONES.includes(tenant.timeZone) && html`<option value=${tenant.timeZone} selected>${tenant.timeZone}</option>`}</select>`
                : html`<input name="timeZone" defaultValue=${tenant.timeZone} ...${a} />`)}
            <//>
          </div>
        <//>
        <${Section} title="Payouts" id="settings-payouts">
          <div class="stack">
            ${field('minimumPayout', 'Minimum payouts', minimumsText(tenant.minimumPayout), 'Such as 25 USD, 20 EUR. A group\u2019s or a partner\u2019s own setting wins. Empty: none.')}
            <fieldset>
              <legend>The account SEPA files pay from</legend>
              ${field('accountName', 'Account holder', account.name, null, {}, 'payoutAccount.name')}
              ${field('iban', 'IBAN', account.iban, null, { spellcheck: 'false' }, 'payoutAccount.iban')}
              ${field('bic', 'BIC (optional)', account.bic, null, { spellcheck: 'false' }, 'payoutAccount.bic')}
            </fieldset>
            <label class="choice"><input type="checkbox" name="requireTaxProfile" defaultChecked=${tenant.requireTaxProfile} />
              Pay only partners whose tax profile is approved</label>
          </div>
        <//>
        <${Section} title="Fraud digest" id="settings-digest">
          <div class="stack">
            <${Field} id="settings-digestRecipients" label="Addresses that get the daily fraud digest"
                      hint="Up to 20, separated by commas or spaces. Empty: no digest. Sent once a day when flags are open, none on a day without any." error=${fieldError('fraudDigest.recipients')}>
              ${(a) => html`<textarea name="digestRecipients" rows="2" ...${a}>${(tenant.fraudDigest ? tenant.fraudDigest.recipients : []).join(', ')}</textarea>`}
            <//>
            ${field('digestHour', 'From which hour of the day (0–23, the time zone above)', String(tenant.fraudDigest ? tenant.fraudDigest.hour : 8), null, { type: 'number', min: '0', max: '23', inputmode: 'numeric' }, 'fraudDigest.hour')}
          </div>
        <//>
      </fieldset>
      <${Writable} note="only an admin changes the program's settings.">
        <p><button type="submit" disabled=${busy}>Save the settings</button></p>
        <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
      <//>
    </form>`;
}

/**
 * The tenant's invoicing (SPEC §33): the identity its self-billed invoices
 * name as the customer, the number series, the small-business wording and
 * the agreement partners accept (a changed text is a new version); its
 * PEPPOL id, the contact its documents name (BG-9, which XRechnung needs
 * of a German brand), what their lines bill and its company details.
 */
function Invoicing({ saved }) {
  const { data, error, reload } = useQuery(INVOICING, {});
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const text = (name) => (form.get(name) || '').trim() || null;
    const input = {
      selfBilling: form.get('selfBilling') === 'on',
      legalName: text('legalName'),
      country: text('country'),
      vatId: text('vatId'),
      series: text('series') || 'SB-',
      exemptionText: text('exemptionText'),
      address: text('line1')
        ? { line1: text('line1'), line2: text('line2'), city: text('city'), zip: text('zip'), country: text('country') }
        : null,
    };
    if (text('agreement')) input.agreement = text('agreement');
    // A contact is its three parts together (the API names a missing one);
    // all three empty clear the one set before, or send nothing.
    const contact = { name: text('contactName'), email: text('contactEmail'), phone: text('contactPhone') };
    if (contact.name || contact.email || contact.phone) {
      input.contact = { name: contact.name || '', email: contact.email || '', phone: contact.phone || '' };
    } else if (data.viewer.tenant.invoicing.contact) {
      input.contact = null;
    }
    input.peppolId = text('peppolId');
    input.serviceDescription = text('serviceDescription');
    input.legalDetails = text('legalDetails');
    await gql(SET_INVOICING, { input: { invoicing: input } });
    reload();
    saved('The invoicing settings are saved.');
  }, 'Saved.');
  if (error) return html`<${Failure} error=${error} />`;
  if (!data) return null;
  const invoicing = data.viewer.tenant.invoicing;
  const address = invoicing.address || {};
  const contact = invoicing.contact || {};
  const field = (name, label, value, hint, attrs = {}, id = name, error = fieldError(name)) => html`
    <${Field} id=${`invoicing-${id}`} label=${label} hint=${hint} error=${error}>
      ${(a) => html`<input name=${name} defaultValue=${value || ''} autocomplete="off" ...${attrs} ...${a} />`}
    <//>`;
  return html`
    <form onSubmit=${submit}>
      <fieldset class="plain" disabled=${!writable()}>
        <legend class="visually-hidden">Invoicing</legend>
        <${Section} title="Invoicing" id="settings-invoicing">
          <div class="stack">
            <label class="choice"><input type="checkbox" name="selfBilling" defaultChecked=${invoicing.selfBilling} />
              Issue partners' invoices (self-billing), with VAT decided per payout</label>
            ${field('legalName', 'Legal name', invoicing.legalName, 'The customer on every invoice.')}
            ${field('country', 'Country', invoicing.country, 'An EU state or GB: the VAT decision depends on it.', { maxlength: 2 })}
            ${field('vatId', 'VAT id', invoicing.vatId, 'Checked by its form and check digits.', { spellcheck: 'false' })}
            ${field('line1', 'Street address', address.line1)}
            ${field('line2', 'Address line 2 (optional)', address.line2)}
            ${field('city', 'City', address.city)}
            ${field('zip', 'Postal code', address.zip)}
            ${field('series', 'Number series', invoicing.series, 'Invoice numbers are {series}{year}-{000001}.')}
            ${field('exemptionText', 'Small-business wording', invoicing.exemptionText, 'What an invoice to a partner under the small-business exemption says.')}
            ${field('peppolId', 'PEPPOL id (optional)', invoicing.peppolId, "scheme:id from PEPPOL's list, such as 0088:4012345000009; documents go to it, else to the contact's e-mail.", { spellcheck: 'false' })}
            <fieldset>
              <legend>Contact for questions about documents</legend>
              <p class="hint">Name, e-mail and phone together, or none (EN 16931's buyer contact, BG-9).</p>
              ${invoicing.country === 'DE' && !invoicing.contact && html`
                <p class="notice" role="note" data-figure="invoicing.xrechnung">Without a contact, documents of a German brand miss XRechnung (EN 16931's buyer contact, BG-9). Give a name, e-mail and phone.</p>`}
              ${field('contactName', 'Contact name', contact.name, 'A person or a department.', {}, 'contact-name', fieldError('contact.name') || fieldError('contact'))}
              ${field('contactEmail', 'Contact e-mail', contact.email, null, { type: 'email', spellcheck: 'false' }, 'contact-email', fieldError('contact.email'))}
              ${field('contactPhone', 'Contact phone', contact.phone, 'Digits, spaces and + - / ( ).', { type: 'tel' }, 'contact-phone', fieldError('contact.phone'))}
            </fieldset>
            ${field('serviceDescription', 'Service description (optional)', invoicing.serviceDescription, "What each line bills, e.g. Vermittlungsprovisionen; the campaign's name follows it.", { maxlength: 200 })}
            <${Field} id="invoicing-legalDetails" label="Company details (optional)"
                      hint="Register court and number, managing directors: printed on every PDF." error=${fieldError('legalDetails')}>
              ${(a) => html`<textarea name="legalDetails" rows="3" maxlength="1000" defaultValue=${invoicing.legalDetails || ''} ...${a}></textarea>`}
            <//>
            <${Field} id="invoicing-agreement" label=${invoicing.agreement ? `Agreement (version ${invoicing.agreement.version})` : 'Agreement'}
                      hint="Partners accept it in the portal; a changed text is the next version, which they accept anew." error=${fieldError('agreement')}>
              ${(a) => html`<textarea name="agreement" rows="6" defaultValue=${invoicing.agreement ? invoicing.agreement.text : ''} ...${a}></textarea>`}
            <//>
          </div>
        <//>
      </fieldset>
      <${Writable} note="only an admin changes the invoicing settings.">
        <p><button type="submit" disabled=${busy}>Save the invoicing settings</button></p>
        <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
      <//>
    </form>`;
}

/** Signals with a threshold, and what it counts. */
const THRESHOLDS = {
  CLICK_SPAM: 'Clicks from one address in 24 hours (1 to 100,000)',
  HIGH_REFUND_RATE: 'Share of sales refunded in 30 days (above 0, at most 1)',
};

function Policy({ rules, saved }) {
  const [busy, outcome, , submit] = useForm(async (form) => {
    const input = {
      rules: rules.map((r) => ({
        signal: r.signal,
        action: form.get(`${r.signal}-action`),
        threshold: THRESHOLDS[r.signal] ? (form.get(`${r.signal}-threshold`) || '').trim() || null : null,
      })),
    };
    await gql(POLICY, { input });
    saved('The fraud policy is saved.');
  }, 'Saved.');
  // `input.rules[2].threshold`: the error of the third signal's field.
  const errorOf = (index, name) => {
    const error = outcome && outcome.error;
    return error && error.field && error.field.endsWith(`rules[${index}].${name}`) ? error.message : null;
  };
  return html`
    <${Section} title="Fraud policy" id="settings-fraud">
      <p class="hint">Off: not looked for. Flag: raised for review, the money moves as it would. Hold: raised, and the money it covers waits for a decision.</p>
      <form onSubmit=${submit}>
        <fieldset class="plain" disabled=${!writable()}>
          <legend class="visually-hidden">What each signal does</legend>
          <${TableWrap} label="Fraud signals">
            <table>
              <thead><tr><th scope="col">Signal</th><th scope="col">Action</th><th scope="col">Threshold</th></tr></thead>
              <tbody>
                ${rules.map((r, i) => html`
                  <tr data-signal=${r.signal}>
                    <th scope="row">${words(r.signal)} <${Badge} value=${r.action} tone=${tone(r.action)} /></th>
                    <td>
                      <${Field} id=${`policy-${r.signal}-action`} label=${`Action on ${words(r.signal).toLowerCase()}`} error=${errorOf(i, 'action')}>
                        ${(a) => html`<select name=${`${r.signal}-action`} ...${a}>${['OFF', 'FLAG', 'HOLD'].map((x) => html`<option value=${x} selected=${r.action === x}>${words(x)}</option>`)}</select>`}
                      <//>
                    </td>
                    <td>${THRESHOLDS[r.signal]
                      ? html`<${Field} id=${`policy-${r.signal}-threshold`} label=${THRESHOLDS[r.signal]} error=${errorOf(i, 'threshold')}>
                               ${(a) => html`<input name=${`${r.signal}-threshold`} inputmode="decimal" defaultValue=${r.threshold || ''} ...${a} />`}<//>`
                      : html`<span class="muted">None</span>`}</td>
                  </tr>`)}
              </tbody>
            </table>
          <//>
        </fieldset>
        <${Writable}>
          <p><button type="submit" disabled=${busy}>Save the fraud policy</button></p>
          <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
        <//>
      </form>
    <//>`;
}

function StaffLink() {
  const [link, setLink] = useState(null);
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const input = { email: form.get('email'), role: form.get('role'), ttlMinutes: Number(form.get('ttlMinutes')) };
    const made = await gql(STAFF_LINK, { input });
    setLink({ ...made.createStaffSignInLink, email: input.email });
  }, 'Made.');
  return html`
    <${Section} title="Staff sign-in link" id="settings-staff">
      <p class="hint">A one-time link for a colleague: an admin changes things, a viewer only reads.</p>
      <form class="stack" onSubmit=${submit}>
        <${Field} id="staff-email" label="Their e-mail" error=${fieldError('email')}>
          ${(a) => html`<input type="email" name="email" required autocomplete="off" ...${a} />`}
        <//>
        <fieldset>
          <legend>Role</legend>
          <label class="choice"><input type="radio" name="role" value="ADMIN" defaultChecked /> Admin: reads and changes everything</label>
          <label class="choice"><input type="radio" name="role" value="VIEWER" /> Viewer: reads everything, changes nothing</label>
        </fieldset>
        <${Field} id="staff-ttl" label="Valid for (minutes)" hint="The link works once." error=${fieldError('ttlMinutes')}>
          ${(a) => html`<input type="number" name="ttlMinutes" min="1" step="1" defaultValue="15" required ...${a} />`}
        <//>
        <p><button type="submit" disabled=${busy}>Make a sign-in link</button></p>
        <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
        <div role="status">
          ${link && html`
            <p class="notice ok">Send this link to ${link.email} (it works once, until ${day(link.expiresAt)}):</p>
            <p><code data-state="staff-link">${new URL(link.url, location.origin).href}</code></p>`}
        </div>
      </form>
    <//>`;
}

function Outbox() {
  const paged = usePaged(EMAILS, {}, (d) => d.emails);
  return html`
    <${Section} title="E-mail sent, oldest first" id="settings-email">
      <p class="hint">Without an SMTP server configured, e-mail waits here as queued.</p>
      <${Paged} paged=${paged} what=${['e-mail', 'e-mails']} empty="No e-mail yet.">
        <${TableWrap} label="E-mail">
          <table>
            <thead><tr><th scope="col">Subject</th><th scope="col">To</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Made</th></tr></thead>
            <tbody>
              ${paged.nodes.map((m) => html`
                <tr data-email=${m.id}>
                  <th scope="row">${m.subject}</th>
                  <td>${m.to}${m.partner && html`<span class="block"><a href=${`#/partners/${encodeURIComponent(m.partner.id)}`}>${m.partner.name}</a></span>`}</td>
                  <td>${words(m.kind)}</td>
                  <td><${Badge} value=${m.status} tone=${{ SENT: 'paid', QUEUED: 'pending', FAILED: 'failed', SUPPRESSED: 'disabled' }[m.status]} />
                    ${m.lastError && html`<span class="muted block">${m.lastError}</span>`}</td>
                  <td>${day(m.createdAt)}${m.sentAt && html`<span class="muted block">Sent ${day(m.sentAt)}</span>`}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}
