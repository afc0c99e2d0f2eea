// Referrals: the partner's link to recruit partners with (the program's
// join page, naming it), what its group pays on recruits, and the
// partners it recruited with what each earned it (SPEC §31).
import { html } from './lib.js';
import { day } from './zone.js';
import { Copy } from './page-codes.js';
import { Failure, Loading, Money, Page, Section, TableWrap, useQuery } from './ui.js';

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
  if (!rule) return 'The program pays nothing on recruits yet: you may still invite partners.';
  const months = rule.maxMonths ? `, for ${rule.maxMonths} month${rule.maxMonths === 1 ? '' : 's'} from their first commission` : '';
  switch (rule.trigger) {
    case 'COMMISSION': return `You earn ${rule.percentage} % of each commission your recruits earn${months}.`;
    case 'SALE': return `You earn ${rule.percentage} % of each sale that earns your recruits a commission${months}.`;
    case 'APPROVED': return `You earn ${rule.amount} once for each recruit the program approves.`;
    case 'THRESHOLD': return `You earn ${rule.amount} once for each recruit whose commissions reach ${rule.threshold}${months}.`;
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
    <${Page} title="Referrals" intro="Bring partners to the program: whoever applies through your link and is approved is your recruit.">
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${viewer && html`
        <${Section} title="What you earn" id="referral-terms-title">
          <p data-figure="referral.terms">${terms(viewer.partner.referralRule)}</p>
        <//>
        <${Section} title="Your link to recruit with" id="recruit-link-title">
          ${link && html`<p class="link-cell"><code data-figure="referral.link">${link}</code> <${Copy} text=${link} label="your link to recruit with" /></p>`}
          ${!code && html`<p class="empty">Make a referral code first (<a href="#/codes">Referral links</a>): your link to recruit with names it.</p>`}
          ${code && !open && html`<p class="empty">The program takes no applications on its own page yet.</p>`}
        <//>
        <${Section} title="Your recruits" id="recruits-title">
          ${recruits.length === 0 && html`<p class="empty">No recruit yet.</p>`}
          ${recruits.length > 0 && html`
            <${TableWrap} label="Your recruits">
              <table>
                <thead><tr><th scope="col">Partner</th><th scope="col">Joined</th><th scope="col" class="num">Earned you</th></tr></thead>
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
