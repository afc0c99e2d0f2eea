// Referral links: the partner's codes, each link to copy, with the clicks
// and customers it brought; a new code in one of its campaigns.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { day } from './zone.js';
import { Failure, Field, Loading, Outcome, Page, Section, TableWrap, useQuery, useSubmit } from './ui.js';
import { t } from './words.js';

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

/**
 * A button that copies `text` (`label` names what it copies for screen
 * readers: the button's name says it whole, "Copy the link …", as each
 * language orders its words).
 */
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
    <button type="button" class="secondary small" onClick=${copy} aria-label=${t('copy.label', { what: label })}>${copied ? t('copy.copied') : t('copy.copy')}</button>
    <span class="visually-hidden" role="status">${copied ? t('copy.done', { what: label }) : ''}</span>`;
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
  }, (code) => t('codes.ready', { code: code.code }));
  const link = (code) => `${location.origin}/r/${encodeURIComponent(viewer.tenantId)}/${encodeURIComponent(code)}`;
  const codes = viewer ? viewer.partner.referralCodes.filter((c) => !c.archivedAt) : [];
  const campaigns = viewer ? viewer.partner.enrollments.map((e) => e.campaign).filter((c) => c.status === 'ACTIVE') : [];
  return html`
    <${Page} title=${t('nav.codes')} intro=${t('codes.intro')}>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${viewer && codes.length === 0 && html`<p class="empty">${t('codes.none')}</p>`}
      ${codes.length > 0 && html`
        <${TableWrap} label=${t('codes.table')}>
          <table>
            <thead><tr><th scope="col">${t('codes.code')}</th><th scope="col">${t('column.campaign')}</th><th scope="col">${t('column.link')}</th><th scope="col" class="num">${t('column.clicks')}</th><th scope="col" class="num">${t('codes.customers')}</th></tr></thead>
            <tbody>
              ${codes.map((c) => html`
                <tr data-code=${c.code}>
                  <td><strong>${c.code}</strong>${c.couponCode && html`<span class="muted block">${t('codes.coupon', { code: c.couponCode })}</span>`}<span class="muted block">${t('common.since', { day: day(c.createdAt) })}</span></td>
                  <td>${c.campaign.name}</td>
                  <td class="link-cell"><code data-figure=${`code.${c.code}.link`}>${link(c.code)}</code> <${Copy} text=${link(c.code)} label=${t('codes.copyWhat', { code: c.code })} /></td>
                  <td class="num" data-figure=${`code.${c.code}.clicks`}>${c.clicks}</td>
                  <td class="num" data-figure=${`code.${c.code}.customers`}>${c.customers}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>`}
      ${viewer && html`
        <${Section} title=${t('codes.new')} id="new-code-title">
          <form onSubmit=${submit} class="stack">
            <${Field} id="code-campaign" label=${t('column.campaign')}>
              ${(a) => html`
                <select name="campaignId" ...${a}>
                  <option value="">${t('codes.defaultCampaign')}</option>
                  ${campaigns.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
                </select>`}
            <//>
            <${Field} id="code-text" label=${t('codes.codeOptional')} hint=${t('codes.codeHint')}
                      error=${fieldError('code')}>
              ${(a) => html`<input name="code" autocomplete="off" spellcheck="false" ...${a} />`}
            <//>
            <button type="submit" disabled=${busy}>${t('codes.create')}</button>
            <${Outcome} outcome=${outcome} />
          </form>
        <//>`}
    <//>`;
}
