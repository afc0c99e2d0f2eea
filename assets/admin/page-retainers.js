// Retainers: fixed amounts paid on a cadence, whatever a partner sells
// (SPEC §37) — to one partner, or to each active partner of a group. The
// list, oldest first, each with its state and next payment; an admin
// pauses, resumes or ends one. The form that makes one opens at
// `#/retainers?new=true`.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { Badge, Field, Money, Outcome, Page, Section } from './ui.js';
import { Done, GroupSelect, Paged, PartnerPicker, Writable, calendarDay, dayTime, today, useForm, useGroups, useParams, usePaged, useTenant, writable } from './parts.js';

const RETAINERS = `query Retainers($after: String) {
  retainers(first: 20, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes {
      id name description status cadence startsOn periods nextDueAt summary endedAt
      amount { amount currency }
      partner { id name }
      group { id name }
    }
  }
}`;

const CREATE = `mutation CreateRetainer($input: CreateRetainerInput!) {
  createRetainer(input: $input) { id name status }
}`;

const CHANGE = {
  pause: `mutation PauseRetainer($id: ID!) { pauseRetainer(id: $id) { id status } }`,
  resume: `mutation ResumeRetainer($id: ID!) { resumeRetainer(id: $id) { id status } }`,
  end: `mutation EndRetainer($id: ID!) { endRetainer(id: $id) { id status } }`,
};

const CADENCES = [
  ['WEEKLY', 'Every week'],
  ['MONTHLY', 'Every month'],
  ['QUARTERLY', 'Every quarter'],
  ['YEARLY', 'Every year'],
];

const TONES = { ACTIVE: 'ok', PAUSED: 'pending', ENDED: 'muted' };

export function Retainers() {
  const [params, setParams] = useParams();
  const paged = usePaged(RETAINERS, {}, (d) => d.retainers);
  const [done, setDone] = useState(null);
  const changed = (message) => {
    setDone(message);
    paged.reload();
  };
  const finished = (message) => {
    setParams({});
    changed(message);
  };
  return html`
    <${Page} title="Retainers" intro="Fixed amounts paid on a cadence, whatever the partner sells: each period is a commission of its own, written at midnight of its first day in the program's time zone, maturing and paid like any other.">
      <${Done} message=${done} />
      ${writable() && !params.new && html`<p><button type="button" onClick=${() => setParams({ new: 'true' })}>New retainer</button></p>`}
      ${params.new && html`
        <${Writable} note="an admin makes retainers.">
          <${RetainerForm} finished=${finished} />
        <//>`}
      <${Paged} paged=${paged} what=${['retainer', 'retainers']} empty="No retainer yet.">
        <ul class="plain-list">
          ${paged.nodes.map((r) => html`<${Retainer} key=${r.id} r=${r} changed=${changed} />`)}
        </ul>
      <//>
    <//>`;
}

function Retainer({ r, changed }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const act = (verb, words) => async () => {
    setBusy(true);
    setError(null);
    try {
      await gql(CHANGE[verb], { id: r.id });
      changed(`${r.name} is ${words}.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const heading = `retainer-${r.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
  return html`
    <li class="card" data-retainer=${r.id} aria-labelledby=${heading}>
      <h2 id=${heading}>${r.name}</h2>
      <p><${Badge} value=${r.status} tone=${TONES[r.status]} label=${r.status.toLowerCase()} />
        <span class="muted"> · ${r.summary}</span></p>
      ${r.description && html`<p>${r.description}</p>`}
      <dl class="facts">
        <div><dt>Pays</dt><dd>${r.partner
          ? html`<a href=${`#/partners/${encodeURIComponent(r.partner.id)}`}>${r.partner.name}</a>`
          : html`each active partner of ${r.group ? r.group.name : 'a group'}`}</dd></div>
        <div><dt>Each period</dt><dd><${Money} amount=${r.amount.amount} currency=${r.amount.currency} figure=${`retainer.${r.id}.amount`} /></dd></div>
        <div><dt>First period</dt><dd>${calendarDay(r.startsOn)}</dd></div>
        <div><dt>Next payment</dt><dd data-figure=${`retainer.${r.id}.next`}>${r.nextDueAt ? dayTime(r.nextDueAt) : 'none'}</dd></div>
      </dl>
      <${Writable}>
        <div class="actions">
          ${r.status === 'ACTIVE' && html`<button type="button" class="secondary small" disabled=${busy} onClick=${act('pause', 'paused')}>Pause<span class="visually-hidden"> ${r.name}</span></button>`}
          ${r.status === 'PAUSED' && html`<button type="button" class="secondary small" disabled=${busy} onClick=${act('resume', 'resumed')}>Resume<span class="visually-hidden"> ${r.name}</span></button>`}
          ${r.status !== 'ENDED' && html`<button type="button" class="secondary small" disabled=${busy} onClick=${act('end', 'ended')}>End<span class="visually-hidden"> ${r.name}</span></button>`}
        </div>
      <//>
      ${error && html`<${Outcome} outcome=${{ error }} />`}
    </li>`;
}

/** `finished(message)` follows a retainer made. */
function RetainerForm({ finished }) {
  const tenant = useTenant();
  const { groups } = useGroups();
  const [to, setTo] = useState('partner');
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const text = (name) => String(form.get(name) || '').trim();
    const input = {
      name: text('name'),
      cadence: text('cadence'),
      amount: { amount: text('amount'), currency: (text('currency') || tenant.currency).toUpperCase() },
      startsOn: text('startsOn'),
    };
    if (text('description')) input.description = text('description');
    if (to === 'partner') input.partnerId = text('partnerId') || null;
    else input.groupId = text('groupId') || null;
    if (text('periods')) input.periods = Number(text('periods'));
    const made = (await gql(CREATE, { input })).createRetainer;
    finished(`${made.name} is made.`);
  }, 'Done.');
  const named = ['name', 'description', 'partnerId', 'groupId', 'amount', 'cadence', 'startsOn', 'periods'].some((f) => fieldError(f));
  return html`
    <${Section} title="New retainer" id="retainer-editor" actions=${html`<a href="#/retainers">Close<span class="visually-hidden"> the form</span></a>`}>
      <form class="stack" onSubmit=${submit}>
        <${Field} id="retainer-name" label="Name" hint="Shown on each commission it pays." error=${fieldError('name')}>
          ${(a) => html`<input name="name" required maxlength="200" autocomplete="off" ...${a} />`}
        <//>
        <${Field} id="retainer-description" label="What it is for (optional)" error=${fieldError('description')}>
          ${(a) => html`<textarea name="description" rows="2" maxlength="5000" ...${a}></textarea>`}
        <//>
        <fieldset>
          <legend>Who it pays</legend>
          <label class="choice"><input type="radio" name="to" value="partner" checked=${to === 'partner'} onChange=${() => setTo('partner')} /> One partner</label>
          <label class="choice"><input type="radio" name="to" value="group" checked=${to === 'group'} onChange=${() => setTo('group')} /> Each active partner of a group</label>
        </fieldset>
        ${to === 'partner'
          ? html`<${PartnerPicker} id="retainer-partner" blank="Choose a partner" error=${fieldError('partnerId')} />`
          : html`<${Field} id="retainer-group" label="Group" error=${fieldError('groupId')}>
              ${(a) => html`<${GroupSelect} groups=${groups} blank="Choose a group" a=${a} />`}
            <//>`}
        <div class="picker">
          <${Field} id="retainer-amount" label="Amount each period" error=${fieldError('amount.amount')}>
            ${(a) => html`<input name="amount" required inputmode="decimal" autocomplete="off" ...${a} />`}
          <//>
          <${Field} id="retainer-currency" label="Currency" hint=${`Three letters; empty: ${tenant.currency}.`} error=${fieldError('amount.currency')}>
            ${(a) => html`<input name="currency" maxlength="3" autocomplete="off" ...${a} />`}
          <//>
        </div>
        <${Field} id="retainer-cadence" label="How often" error=${fieldError('cadence')}>
          ${(a) => html`<select name="cadence" ...${a}>
            ${CADENCES.map(([value, label]) => html`<option value=${value} selected=${value === 'MONTHLY'}>${label}</option>`)}
          </select>`}
        <//>
        <div class="picker">
          <${Field} id="retainer-starts" label="First period starts on" hint="Today or later; a period starting today is paid at once." error=${fieldError('startsOn')}>
            ${(a) => html`<input name="startsOn" type="date" required value=${today()} ...${a} />`}
          <//>
          <${Field} id="retainer-periods" label="Number of periods (optional)" hint="1 to 1,000; empty: until you end it." error=${fieldError('periods')}>
            ${(a) => html`<input name="periods" type="number" min="1" max="1000" inputmode="numeric" ...${a} />`}
          <//>
        </div>
        <p><button type="submit" disabled=${busy}>Create the retainer</button></p>
        ${outcome && outcome.error && !named && html`<${Outcome} outcome=${outcome} />`}
      </form>
    <//>`;
}
