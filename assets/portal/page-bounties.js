// Bounties: what the program offers the partner's group for a goal or a
// piece of work — progress toward each goal, the work submitted and how
// it was decided, and a form to submit more (SPEC §31).
import { html } from './lib.js';
import { gql } from './api.js';
import { day } from './zone.js';
import { Badge, Failure, Field, Loading, Money, Outcome, Page, Section, useQuery, useSubmit } from './ui.js';
import { t, term } from './words.js';

const BOUNTIES = `query Bounties {
  viewer {
    partner {
      bounties(first: 50) {
        nodes {
          id name description type open startsAt endsAt maxSubmissions windowDays
          reward { amount currency }
          goal { metric value }
          progress { value reached startsAt endsAt open }
          submissions(first: 10) {
            nodes { id status urls description reason note submittedAt amount { amount currency } }
          }
        }
      }
    }
  }
}`;

const SUBMIT = `mutation SubmitBounty($input: SubmitBountyInput!) {
  submitBounty(input: $input) { id status }
}`;

/** The bounty's dates in words. */
function dates(b) {
  return b.endsAt
    ? t('bounties.between', { from: day(b.startsAt), to: day(b.endsAt) })
    : t('bounties.from', { from: day(b.startsAt) });
}

/** A goal's figure with its metric (`12 sales`, `500 in sales`). */
function measure(metric, value) {
  return t(`bounties.metric.${metric}`, { value, count: Number(value) });
}

/** Progress toward a goal: a bar and the figures. */
function Goal({ bounty }) {
  const { goal, progress } = bounty;
  const value = Number(progress.value);
  const target = Number(goal.value);
  const label = t('bounties.progressOf', { value: progress.value, goal: measure(goal.metric, goal.value) });
  return html`
    <p>
      <progress max=${target} value=${Math.min(value, target)} aria-label=${t('bounties.progress', { label })}></progress>
      <span data-figure=${`bounty.${bounty.id}.progress`}> ${label}</span>
      ${progress.reached && html` <${Badge} value="reached" tone="approved" label=${t('bounties.reached')} />`}
    </p>`;
}

/** A submission as the partner reads it. */
function Submission({ s }) {
  return html`
    <li data-submission=${s.id}>
      <${Badge} value=${s.status} label=${term('submissionStatus', s.status)} />
      ${s.submittedAt && html` <span class="muted">${day(s.submittedAt)}</span>`}
      ${s.amount && html` <${Money} amount=${s.amount.amount} currency=${s.amount.currency} />`}
      ${s.reason && html` <span>${t('bounties.notApproved', { reason: term('bountyReason', s.reason) })}</span>`}
      ${s.note && html` <span class="muted">${s.note}</span>`}
      <ul>${s.urls.map((u) => html`<li><a href=${u} rel="noopener noreferrer" target="_blank">${u}</a></li>`)}</ul>
    </li>`;
}

/** The form that submits work (or keeps it as a draft). */
function SubmitWork({ bounty, draft, reload }) {
  const [busy, outcome, fieldError, submit] = useSubmit(async (form, target) => {
    const urls = String(form.get('urls') || '').split('\n').map((u) => u.trim()).filter(Boolean);
    const input = { bountyId: bounty.id, urls, description: form.get('description') || null };
    input.draft = target.dataset.draft === 'true';
    const done = await gql(SUBMIT, { input });
    reload();
    return done.submitBounty;
  }, (s) => (s.status === 'DRAFT' ? t('bounties.draftKept') : t('bounties.submitted')));
  const urlError = outcome && outcome.error && outcome.error.field && outcome.error.field.startsWith('input.urls')
    ? outcome.error.message : null;
  const keep = (event) => { event.target.form.dataset.draft = 'true'; };
  const send = (event) => { event.target.form.dataset.draft = 'false'; };
  return html`
    <form onSubmit=${submit} class="stack" data-draft="false">
      <${Field} id=${`urls-${bounty.id}`} label=${t('bounties.links')} hint=${t('bounties.linksHint')} error=${urlError}>
        ${(a) => html`<textarea name="urls" rows="3" value=${draft ? draft.urls.join('\n') : ''} ...${a}></textarea>`}
      <//>
      <${Field} id=${`description-${bounty.id}`} label=${t('common.descriptionOptional')} hint=${t('bounties.descriptionHint')} error=${fieldError('description')}>
        ${(a) => html`<textarea name="description" rows="3" maxlength="1000" value=${draft && draft.description ? draft.description : ''} ...${a}></textarea>`}
      <//>
      <p class="button-row">
        <button type="submit" disabled=${busy} onClick=${send}>${t('bounties.submit')}</button>
        <button type="submit" class="secondary" disabled=${busy} onClick=${keep}>${t('bounties.keep')}</button>
      </p>
      <${Outcome} outcome=${outcome} />
    </form>`;
}

function Bounty({ bounty, reload }) {
  const submissions = bounty.submissions.nodes;
  const draft = submissions.find((s) => s.status === 'DRAFT');
  const made = submissions.filter((s) => s.status === 'SUBMITTED' || s.status === 'APPROVED').length;
  const left = bounty.type === 'SUBMISSION' ? bounty.maxSubmissions - made : 0;
  return html`
    <${Section} title=${bounty.name} id=${`bounty-${bounty.id}-title`}>
      <p>
        <${Money} amount=${bounty.reward.amount} currency=${bounty.reward.currency} figure=${`bounty.${bounty.id}.reward`} />
        <span class="muted" data-figure=${`bounty.${bounty.id}.dates`}> · ${dates(bounty)}</span>
        ${!bounty.open && html` <${Badge} value="closed" tone="muted" label=${t('bounties.closed')} />`}
      </p>
      ${bounty.windowDays && html`<p class="muted small">${t('bounties.ownWindow', { count: bounty.windowDays })}</p>`}
      ${bounty.description && html`<p>${bounty.description}</p>`}
      ${bounty.type === 'PERFORMANCE' && html`
        <p class="muted">${t('bounties.reach', { goal: measure(bounty.goal.metric, bounty.goal.value) })}</p>
        ${bounty.progress && html`<${Goal} bounty=${bounty} />`}`}
      ${bounty.type === 'SUBMISSION' && html`
        <p class="muted">${t('bounties.submitYourWork', { count: bounty.maxSubmissions })}</p>
        ${submissions.filter((s) => s.status !== 'DRAFT').length > 0 && html`
          <ul class="plain">${submissions.filter((s) => s.status !== 'DRAFT').map((s) => html`<${Submission} s=${s} />`)}</ul>`}
        ${bounty.open && left > 0 && html`<${SubmitWork} bounty=${bounty} draft=${draft} reload=${reload} />`}
        ${bounty.open && left <= 0 && html`<p class="empty">${t('bounties.allMade')}</p>`}`}
    <//>`;
}

/** A bounty with the partner's own dates (its window) in place of the bounty's. */
function own(b) {
  return b.progress ? { ...b, startsAt: b.progress.startsAt, endsAt: b.progress.endsAt, open: b.progress.open } : b;
}

export function Bounties() {
  const { data, error, loading, reload } = useQuery(BOUNTIES);
  // Each bounty by the partner's own window of it (SPEC §37).
  const bounties = data ? data.viewer.partner.bounties.nodes.map(own) : [];
  const open = bounties.filter((b) => b.open);
  const closed = bounties.filter((b) => !b.open);
  return html`
    <${Page} title=${t('nav.bounties')} intro=${t('bounties.intro')}>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && open.length === 0 && html`<p class="empty">${t('bounties.noneOpen')}</p>`}
      ${open.map((b) => html`<${Bounty} key=${b.id} bounty=${b} reload=${reload} />`)}
      ${closed.length > 0 && html`
        <h2>${t('bounties.closedHeading')}</h2>
        ${closed.map((b) => html`<${Bounty} key=${b.id} bounty=${b} reload=${reload} />`)}`}
    <//>`;
}
