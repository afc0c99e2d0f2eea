// Bounties: the program's bounties and the review queue of the work
// partners submitted (SPEC §31). A reviewer approves a submission (a
// BOUNTY commission of the reward, or of another amount) or rejects it
// with a reason; the partner is e-mailed the decision. A bounty is edited
// for what comes next — whom it is for (groups, partner tags), each
// partner's window, its reward and end — or ended now, keeping what was
// earned (SPEC §37).
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { words } from './format.js';
import { Badge, Field, Money, Outcome, Page } from './ui.js';
import { Done, Paged, ReasonForm, Reveal, Writable, day, dayStart, useForm, useGroups, usePaged } from './parts.js';

const BOUNTIES = `query Bounties($after: String) {
  bounties(first: 20, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes {
      id name description type open startsAt endsAt endedAt maxSubmissions windowDays groupIds partnerTags
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

const UPDATE = `mutation UpdateBounty($id: ID!, $input: UpdateBountyInput!) {
  updateBounty(id: $id, input: $input) { id }
}`;

const END = `mutation EndBounty($id: ID!) { endBounty(id: $id) { id endedAt } }`;

const REASONS = ['NOT_ELIGIBLE', 'LOW_QUALITY', 'DUPLICATE', 'OUT_OF_TIME', 'OTHER'];

export function Bounties() {
  const paged = usePaged(BOUNTIES, {}, (d) => d.bounties);
  const { groups } = useGroups();
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
          ${paged.nodes.map((b) => html`<${Bounty} key=${b.id} bounty=${b} groups=${groups} decided=${decided} />`)}
        </ul>
      <//>
    <//>`;
}

function Bounty({ bounty, groups, decided }) {
  const heading = `bounty-${bounty.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
  const queue = bounty.submissions;
  return html`
    <li class="card" data-bounty=${bounty.id}>
      <h2 id=${heading}>${bounty.name}</h2>
      <p><${Badge} value=${bounty.type} tone="pending" label=${words(bounty.type).toLowerCase()} />
        ${bounty.open ? '' : html` <${Badge} value="CLOSED" tone="muted" label="closed" />`}
        <span class="muted"> · ${day(bounty.startsAt)}${bounty.endsAt ? ` to ${day(bounty.endsAt)}` : ' on'}${bounty.endedAt ? `, ended ${day(bounty.endedAt)}` : ''}</span></p>
      ${bounty.description && html`<p>${bounty.description}</p>`}
      <dl class="facts">
        <div><dt>Reward</dt><dd><${Money} amount=${bounty.reward.amount} currency=${bounty.reward.currency} figure=${`bounty.${bounty.id}.reward`} /></dd></div>
        ${bounty.goal && html`<div><dt>Goal</dt><dd>${bounty.goal.value} ${words(bounty.goal.metric).toLowerCase()}</dd></div>`}
        ${bounty.type === 'SUBMISSION' && html`<div><dt>Waiting for review</dt><dd data-figure=${`bounty.${bounty.id}.queue`}>${queue.totalCount}</dd></div>`}
        <div><dt>For</dt><dd data-figure=${`bounty.${bounty.id}.for`}>${audience(bounty, groups)}</dd></div>
        ${bounty.windowDays && html`<div><dt>Each partner's window</dt><dd>${bounty.windowDays} days from joining (or the start)</dd></div>`}
      </dl>
      ${!bounty.endedAt && html`<${Writable}><div class="actions">
        <${Reveal} id=${`edit-${heading}`} label="Edit…">${() => html`<${EditBounty} bounty=${bounty} groups=${groups} decided=${decided} />`}<//>
        <${Reveal} id=${`end-${heading}`} label="End now…">${() => html`<${EndBounty} bounty=${bounty} decided=${decided} />`}<//>
      </div><//>`}
      ${queue.nodes.length > 0 && html`
        <ul class="plain-list">
          ${queue.nodes.map((s) => html`<${Submission} key=${s.id} bounty=${bounty} s=${s} decided=${decided} />`)}
        </ul>`}
    </li>`;
}

/** Whom a bounty is for, in words: its groups' names and its tags. */
function audience(bounty, groups) {
  // Names once the groups are read (never a bare id, which would not wrap).
  const named = bounty.groupIds.map((id) => ((groups || []).find((g) => g.id === id) || { name: 'a group' }).name);
  const tags = bounty.partnerTags.map((t) => `tag ${t}`);
  return [...named, ...tags].join(', ');
}

/** Changes what a bounty does next: its reward, end, window and audience. */
function EditBounty({ bounty, groups, decided }) {
  const key = bounty.id.replace(/[^A-Za-z0-9_-]/g, '');
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const input = {
      name: form.get('name'),
      reward: { amount: form.get('reward'), currency: bounty.reward.currency },
      endsAt: dayStart(form.get('endsOn'), true),
      windowDays: form.get('windowDays') ? Number(form.get('windowDays')) : null,
      groupIds: form.getAll('groupIds'),
      partnerTags: (form.get('partnerTags') || '').split(',').map((t) => t.trim()).filter(Boolean),
    };
    await gql(UPDATE, { id: bounty.id, input });
    decided(`${input.name} is saved.`);
  }, 'Saved.');
  const endsOn = bounty.endsAt ? new Date(new Date(bounty.endsAt).getTime() - 1).toISOString().slice(0, 10) : '';
  return html`
    <form class="stack" onSubmit=${submit}>
      <${Field} id=${`bounty-name-${key}`} label="Name" error=${fieldError('name')}>${(a) => html`<input name="name" required defaultValue=${bounty.name} ...${a} />`}<//>
      <${Field} id=${`bounty-reward-${key}`} label=${`Reward (${bounty.reward.currency})`} hint="Paid for what is reached or approved from now on; rewards written keep theirs." error=${fieldError('reward')}>
        ${(a) => html`<input name="reward" inputmode="decimal" required defaultValue=${bounty.reward.amount} ...${a} />`}<//>
      <${Field} id=${`bounty-ends-${key}`} label="Last day (optional)" hint="Empty: no end." error=${fieldError('endsAt')}>
        ${(a) => html`<input name="endsOn" type="date" defaultValue=${endsOn} ...${a} />`}<//>
      <${Field} id=${`bounty-window-${key}`} label="Each partner's window in days (optional)" hint="From the later of its joining and the start; empty: the bounty's dates." error=${fieldError('windowDays')}>
        ${(a) => html`<input name="windowDays" inputmode="numeric" defaultValue=${bounty.windowDays || ''} ...${a} />`}<//>
      <fieldset class="stack">
        <legend>For the partners of</legend>
        ${(groups || []).map((g) => html`<label class="choice"><input type="checkbox" name="groupIds" value=${g.id} defaultChecked=${bounty.groupIds.includes(g.id)} /> ${g.name}</label>`)}
        ${fieldError('groupIds') && html`<p class="field-error">${fieldError('groupIds')}</p>`}
      </fieldset>
      <${Field} id=${`bounty-tags-${key}`} label="Or carrying one of these tags" hint="Separated by commas." error=${fieldError('partnerTags')}>
        ${(a) => html`<input name="partnerTags" defaultValue=${bounty.partnerTags.join(', ')} ...${a} />`}<//>
      <p><button type="submit" disabled=${busy}>Save the bounty</button></p>
      <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
    </form>`;
}

/** Ends a bounty now; what was earned is kept, work in may still be decided. */
function EndBounty({ bounty, decided }) {
  const [busy, outcome, , submit] = useForm(async () => {
    await gql(END, { id: bounty.id });
    decided(`${bounty.name} is ended.`);
  }, 'Ended.');
  return html`
    <form class="stack reason-form" onSubmit=${submit}>
      <p>Nothing counts or is submitted from now on; rewards written stay, and work waiting may still be decided.</p>
      <p><button type="submit" disabled=${busy}>End ${bounty.name}</button></p>
      <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
    </form>`;
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
