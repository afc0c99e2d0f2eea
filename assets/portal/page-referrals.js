// Referrals: the partner's link to recruit partners with (the program's
// join page, naming it), what its group pays on recruits, and the
// partners it recruited with what each earned it (SPEC §31).
import { html } from './lib.js';
import { day } from './zone.js';
import { Copy } from './page-codes.js';
import { Failure, Loading, Money, Page, Section, TableWrap, useQuery } from './ui.js';
import { t } from './words.js';

const REFERRALS = `query Referrals {
  viewer {
    tenantId
    partner {
      referralRule { trigger percentage amount threshold maxMonths }
      referralCodes(first: 100) { code archivedAt }
      recruits(first: 100) { name joinedAt earned { amount currency } }
    }
  }
  campaigns(first: 100) { nodes { id name visibility } }
}`;

/** The group's rule in words. */
function terms(rule) {
  if (!rule) return t('referrals.nothing');
  // A limit in months, said as its own clause.
  const months = rule.maxMonths ? t('referrals.months', { count: rule.maxMonths }) : '';
  switch (rule.trigger) {
    case 'COMMISSION': return t('referrals.onCommission', { percentage: rule.percentage, months });
    case 'SALE': return t('referrals.onSale', { percentage: rule.percentage, months });
    case 'APPROVED': return t('referrals.onApproval', { amount: rule.amount });
    case 'THRESHOLD': return t('referrals.onThreshold', { amount: rule.amount, threshold: rule.threshold, months });
    default: return '';
  }
}

export function Referrals() {
  const { data, error, loading } = useQuery(REFERRALS);
  const viewer = data && data.viewer;
  const code = viewer && viewer.partner.referralCodes.find((c) => !c.archivedAt);
  const open = data && data.campaigns.nodes.find((c) => c.visibility === 'PUBLIC');
  const link = code && open
    ? `${location.origin}/join/${encodeURIComponent(viewer.tenantId)}/${encodeURIComponent(open.id)}?via=${encodeURIComponent(code.code)}`
    : null;
  const recruits = viewer ? viewer.partner.recruits : [];
  return html`
    <${Page} title=${t('nav.referrals')} intro=${t('referrals.intro')}>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${viewer && html`
        <${Section} title=${t('referrals.earn')} id="referral-terms-title">
          <p data-figure="referral.terms">${terms(viewer.partner.referralRule)}</p>
        <//>
        <${Section} title=${t('referrals.link')} id="recruit-link-title">
          ${link && html`<p class="link-cell"><code data-figure="referral.link">${link}</code> <${Copy} text=${link} label=${t('referrals.copyWhat')} /></p>`}
          ${!code && html`<p class="empty">${t('referrals.codeFirst', { link: html`<a href="#/codes">${t('nav.codes')}</a>` })}</p>`}
          ${code && !open && html`<p class="empty">${t('referrals.noApplications')}</p>`}
        <//>
        <${Section} title=${t('referrals.recruits')} id="recruits-title">
          ${recruits.length === 0 && html`<p class="empty">${t('referrals.none')}</p>`}
          ${recruits.length > 0 && html`
            <${TableWrap} label=${t('referrals.recruits')}>
              <table>
                <thead><tr><th scope="col">${t('referrals.partner')}</th><th scope="col">${t('referrals.joined')}</th><th scope="col" class="num">${t('referrals.earnedYou')}</th></tr></thead>
                <tbody>
                  ${recruits.map((r, i) => html`
                    <tr data-recruit=${i}>
                      <td>${r.name}</td>
                      <td>${day(r.joinedAt)}</td>
                      <td class="num">${r.earned.length === 0 ? '—' : r.earned.map((e) => html`<span class="block"><${Money} amount=${e.amount} currency=${e.currency} figure=${`recruit.${i}.${e.currency}`} /></span>`)}</td>
                    </tr>`)}
                </tbody>
              </table>
            <//>`}
        <//>`}
    <//>`;
}
