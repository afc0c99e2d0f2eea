// Bounties: the program's bounties and the review queue of the work
// partners submitted (SPEC §31). A reviewer approves a submission (a
// BOUNTY commission of the reward, or of another amount) or rejects it
// with a reason; the partner is e-mailed the decision.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { words } from './format.js';
import { Badge, Money, Page } from './ui.js';
import { Done, Paged, ReasonForm, Reveal, Writable, day, usePaged } from './parts.js';

const BOUNTIES = `query Bounties($after: String) {
  bounties(first: 20, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes {
      id name description type open startsAt endsAt maxSubmissions
      reward { amount currency }
      goal { metric value }
      submissions(status: SUBMITTED, first: 20) {
        totalCount
        nodes { id urls description submittedAt partner { id name } }
      }
    }
  }
}`;

const DECIDE = `mutation Decide($input: DecideBountySubmissionInput!) {
  decideBountySubmission(input: $input) { id status }
}`;

const REASONS = ['NOT_ELIGIBLE', 'LOW_QUALITY', 'DUPLICATE', 'OUT_OF_TIME', 'OTHER'];

export function Bounties() {
  const paged = usePaged(BOUNTIES, {}, (d) => d.bounties);
  const [done, setDone] = useState(null);
  const decided = (message) => {
    setDone(message);
    paged.reload();
  };
  return html`
    <${Page} title="Bounties" intro="The program's bounties, oldest first, each with the work waiting for review. Approve work to pay its reward (or another amount); reject it with a reason. The partner is e-mailed either way.">
      <${Done} message=${done} />
      <${Paged} paged=${paged} what=${['bounty', 'bounties']} empty="No bounty yet: createBounty makes one.">
        <ul class="plain-list">
          ${paged.nodes.map((b) => html`<${Bounty} key=${b.id} bounty=${b} decided=${decided} />`)}
        </ul>
      <//>
    <//>`;
}

function Bounty({ bounty, decided }) {
  const heading = `bounty-${bounty.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
  const queue = bounty.submissions;
  return html`
    <li class="card" data-bounty=${bounty.id}>
      <h2 id=${heading}>${bounty.name}</h2>
      <p><${Badge} value=${bounty.type} tone="pending" label=${words(bounty.type).toLowerCase()} />
        ${bounty.open ? '' : html` <${Badge} value="CLOSED" tone="muted" label="closed" />`}
        <span class="muted"> · ${day(bounty.startsAt)}${bounty.endsAt ? ` to ${day(bounty.endsAt)}` : ' on'}</span></p>
      ${bounty.description && html`<p>${bounty.description}</p>`}
      <dl class="facts">
        <div><dt>Reward</dt><dd><${Money} amount=${bounty.reward.amount} currency=${bounty.reward.currency} figure=${`bounty.${bounty.id}.reward`} /></dd></div>
        ${bounty.goal && html`<div><dt>Goal</dt><dd>${bounty.goal.value} ${words(bounty.goal.metric).toLowerCase()}</dd></div>`}
        ${bounty.type === 'SUBMISSION' && html`<div><dt>Waiting for review</dt><dd data-figure=${`bounty.${bounty.id}.queue`}>${queue.totalCount}</dd></div>`}
      </dl>
      ${queue.nodes.length > 0 && html`
        <ul class="plain-list">
          ${queue.nodes.map((s) => html`<${Submission} key=${s.id} bounty=${bounty} s=${s} decided=${decided} />`)}
        </ul>`}
    </li>`;
}

function Submission({ bounty, s, decided }) {
  const key = s.id.replace(/[^A-Za-z0-9_-]/g, '');
  const decide = (approve) => async (form) => {
    const input = { id: s.id, approve, note: form.get('note') || null };
    if (approve && form.get('amount')) input.amount = form.get('amount');
    if (!approve) input.reason = form.get('reason');
    await gql(DECIDE, { input });
  };
  return html`
    <li class="card" data-submission=${s.id}>
      <p><a href=${`#/partners/${encodeURIComponent(s.partner.id)}`}>${s.partner.name}</a>
        <span class="muted"> · submitted ${day(s.submittedAt)}</span></p>
      <ul>${s.urls.map((u) => html`<li><a href=${u} rel="noopener noreferrer" target="_blank">${u}</a></li>`)}</ul>
      ${s.description && html`<p class="evidence">${s.description}</p>`}
      <${Writable}>
        <div class="actions">
          <${Reveal} id=${`approve-${key}`} label="Approve…">${() => html`
            <${ReasonForm} id=${`approve-note-${key}`} name="note" label="Note to the partner (optional)" required=${false} submit="Approve the work" long
                           hint=${`Pays ${bounty.reward.amount} ${bounty.reward.currency} unless another amount is given.`}
                           extra=${(fieldError) => html`
                             <label for=${`approve-amount-${key}`}>Another amount (optional)</label>
                             <input id=${`approve-amount-${key}`} name="amount" inputmode="decimal" autocomplete="off"
                                    aria-invalid=${fieldError('amount') ? 'true' : undefined} />
                             ${fieldError('amount') && html`<p class="field-error">${fieldError('amount')}</p>`}`}
                           run=${decide(true)} onDone=${() => decided(`The work of ${s.partner.name} is approved.`)} />`}
          <//>
          <${Reveal} id=${`reject-${key}`} label="Reject…">${() => html`
            <${ReasonForm} id=${`reject-note-${key}`} name="note" label="Note to the partner (optional)" required=${false} submit="Reject the work" long
                           extra=${(fieldError) => html`
                             <label for=${`reject-reason-${key}`}>Reason</label>
                             <select id=${`reject-reason-${key}`} name="reason">
                               ${REASONS.map((r) => html`<option value=${r}>${words(r).toLowerCase()}</option>`)}
                             </select>
                             ${fieldError('reason') && html`<p class="field-error">${fieldError('reason')}</p>`}`}
                           run=${decide(false)} onDone=${() => decided(`The work of ${s.partner.name} is rejected.`)} />`}
          <//>
        </div>
      <//>
    </li>`;
}
