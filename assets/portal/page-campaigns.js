// Campaigns: those open to the partner, where it stands in each, the terms
// it earns by in those it takes part in, in words, and an application to a
// public one it is not in.
import { html } from './lib.js';
import { gql } from './api.js';
import { day } from './zone.js';
import { Badge, Failure, Loading, Outcome, Page, useQuery, useSubmit } from './ui.js';
import { t } from './words.js';

const CAMPAIGNS = `query Campaigns {
  campaigns(first: 100) { nodes { id name description currency visibility isDefault holdbackDays } }
  partnershipRequests(first: 100) { nodes { id status reason createdAt campaign { id } } }
  viewer { partner { enrollments { campaign { id } } } }
}`;

const APPLY = `mutation Apply($campaignId: ID!) { applyToCampaign(campaignId: $campaignId) { id status } }`;

const TERMS = `query Terms($campaignId: ID) {
  viewer { partner { termsInForce(campaignId: $campaignId) { inWords } } }
}`;

/** Where the partner stands in a campaign: `value` names it, `label` is the key of its words. */
function standing(campaign, data) {
  if (campaign.isDefault) return { value: 'in', label: 'campaigns.in', tone: 'approved' };
  if (data.viewer.partner.enrollments.some((e) => e.campaign.id === campaign.id)) {
    return { value: 'in', label: 'campaigns.in', tone: 'approved' };
  }
  const requests = data.partnershipRequests.nodes.filter((r) => r.campaign.id === campaign.id);
  const latest = requests[requests.length - 1];
  if (latest && latest.status === 'PENDING') return { value: 'pending', label: 'campaigns.pending', tone: 'pending', since: latest.createdAt };
  if (latest && latest.status === 'REJECTED') return { value: 'declined', label: 'campaigns.declined', tone: 'rejected', reason: latest.reason };
  return null;
}

export function Campaigns() {
  const { data, error, loading, reload } = useQuery(CAMPAIGNS);
  return html`
    <${Page} title=${t('nav.campaigns')} intro=${t('campaigns.intro')}>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && html`
        <ul class="cards">
          ${data.campaigns.nodes.map((c) => html`<${CampaignCard} key=${c.id} campaign=${c} standing=${standing(c, data)} reload=${reload} />`)}
        </ul>`}
    <//>`;
}

function CampaignCard({ campaign, standing, reload }) {
  const [busy, outcome, , submit] = useSubmit(async () => {
    await gql(APPLY, { campaignId: campaign.id });
    reload();
  }, () => t('campaigns.applied', { name: campaign.name }));
  const heading = `campaign-${campaign.id}`;
  return html`
    <li class="card" aria-labelledby=${heading} data-campaign=${campaign.id}>
      <h2 id=${heading}>${campaign.name}</h2>
      ${campaign.description && html`<p>${campaign.description}</p>`}
      <p class="muted">${campaign.holdbackDays
        ? t('campaigns.paidInHeld', { currency: campaign.currency, count: campaign.holdbackDays })
        : t('campaigns.paidIn', { currency: campaign.currency })}</p>
      ${standing && html`<p><${Badge} value=${standing.value} label=${t(standing.label)} tone=${standing.tone} />
        ${standing.since && html` <span class="muted">${t('campaigns.since', { day: day(standing.since) })}</span>`}
        ${standing.reason && html` <span class="muted">${standing.reason}</span>`}</p>`}
      ${standing && standing.tone === 'approved' && html`<${Terms} campaign=${campaign} />`}
      ${(!standing || standing.tone === 'rejected') && campaign.visibility === 'PUBLIC' && html`
        <form onSubmit=${submit}>
          <button type="submit" disabled=${busy} aria-label=${t('campaigns.applyTo', { name: campaign.name })}>${t('campaigns.apply')}</button>
        </form>`}
      <${Outcome} outcome=${outcome} />
    </li>`;
}

// The terms the partner earns by in the campaign, in words: one sentence a
// rule, conditions included ("40 % for the first 12 months when the plan's
// interval is YEAR").
function Terms({ campaign }) {
  const { data, error } = useQuery(TERMS, { campaignId: campaign.id });
  const words = data && data.viewer.partner.termsInForce ? data.viewer.partner.termsInForce.inWords : [];
  const heading = `terms-${campaign.id}`;
  return html`
    <section aria-labelledby=${heading} class="terms">
      <h3 id=${heading}>${t('campaigns.terms')}</h3>
      ${error && html`<${Failure} error=${error} />`}
      ${data && (words.length
        ? html`<ul>${words.map((sentence, i) => html`<li key=${i}>${sentence}</li>`)}</ul>`
        : html`<p class="muted">${t('campaigns.noTerms')}</p>`)}
    </section>`;
}
