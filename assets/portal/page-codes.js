// Referral links: the partner's codes, each link to copy, with the clicks
// and customers it brought; a new code in one of its campaigns.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { day } from './zone.js';
import { Failure, Field, Loading, Outcome, Page, Section, TableWrap, useQuery, useSubmit } from './ui.js';

const CODES = `query Codes {
  viewer {
    tenantId
    partner {
      referralCodes(first: 100) { id code couponCode clicks customers createdAt archivedAt campaign { id name } }
      enrollments { campaign { id name status } }
    }
  }
}`;

const CREATE = `mutation NewCode($input: CreateReferralCodeInput!) {
  createReferralCode(input: $input) { id code }
}`;

/** A button that copies `text` (`label` names it for screen readers). */
export function Copy({ text, label }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2_000);
    } catch {
      setCopied(false);
    }
  };
  return html`
    <button type="button" class="secondary small" onClick=${copy}>${copied ? 'Copied' : 'Copy'}<span class="visually-hidden"> ${label}</span></button>
    <span class="visually-hidden" role="status">${copied ? `${label} copied` : ''}</span>`;
}

export function Codes() {
  const { data, error, loading, reload } = useQuery(CODES);
  const viewer = data && data.viewer;
  const [busy, outcome, fieldError, submit] = useSubmit(async (form) => {
    const input = {};
    if (form.get('campaignId')) input.campaignId = form.get('campaignId');
    if (form.get('code')) input.code = form.get('code');
    const created = await gql(CREATE, { input });
    reload();
    return created.createReferralCode;
  }, (code) => `Your code ${code.code} is ready.`);
  const link = (code) => `${location.origin}/r/${encodeURIComponent(viewer.tenantId)}/${encodeURIComponent(code)}`;
  const codes = viewer ? viewer.partner.referralCodes.filter((c) => !c.archivedAt) : [];
  const campaigns = viewer ? viewer.partner.enrollments.map((e) => e.campaign).filter((c) => c.status === 'ACTIVE') : [];
  return html`
    <${Page} title="Referral links" intro="Share a link: whoever buys after following it counts as yours.">
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${viewer && codes.length === 0 && html`<p class="empty">No referral code yet: make your first one below.</p>`}
      ${codes.length > 0 && html`
        <${TableWrap} label="Referral codes">
          <table>
            <thead><tr><th scope="col">Code</th><th scope="col">Campaign</th><th scope="col">Link</th><th scope="col" class="num">Clicks</th><th scope="col" class="num">Customers</th></tr></thead>
            <tbody>
              ${codes.map((c) => html`
                <tr data-code=${c.code}>
                  <td><strong>${c.code}</strong>${c.couponCode && html`<span class="muted block">Coupon ${c.couponCode}</span>`}<span class="muted block">Since ${day(c.createdAt)}</span></td>
                  <td>${c.campaign.name}</td>
                  <td class="link-cell"><code data-figure=${`code.${c.code}.link`}>${link(c.code)}</code> <${Copy} text=${link(c.code)} label=${`the link of ${c.code}`} /></td>
                  <td class="num" data-figure=${`code.${c.code}.clicks`}>${c.clicks}</td>
                  <td class="num" data-figure=${`code.${c.code}.customers`}>${c.customers}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>`}
      ${viewer && html`
        <${Section} title="New referral code" id="new-code-title">
          <form onSubmit=${submit} class="stack">
            <${Field} id="code-campaign" label="Campaign">
              ${(a) => html`
                <select name="campaignId" ...${a}>
                  <option value="">Default campaign</option>
                  ${campaigns.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
                </select>`}
            <//>
            <${Field} id="code-text" label="Code (optional)" hint="3 to 64 letters, digits or dashes; left empty, one is made for you."
                      error=${fieldError('code')}>
              ${(a) => html`<input name="code" autocomplete="off" spellcheck="false" ...${a} />`}
            <//>
            <button type="submit" disabled=${busy}>Create code</button>
            <${Outcome} outcome=${outcome} />
          </form>
        <//>`}
    <//>`;
}
