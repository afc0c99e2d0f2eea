// Announcements: banners in the partner portal (SPEC §37), for every
// partner or some groups', from a start to an end, shown to each partner
// until it dismisses it. The list, oldest first, each with whom it is for,
// its dates and how many partners dismissed it; an admin ends one now or
// deletes it. The form that makes one opens at `#/announcements?new=true`.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { Badge, Field, Outcome, Page, Section } from './ui.js';
import { Done, Paged, Writable, dayTime, useForm, useGroups, useParams, usePaged, writable, zonedInstant } from './parts.js';

const ANNOUNCEMENTS = `query Announcements($after: String) {
  announcements(first: 20, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id title body link startsAt endsAt groupIds dismissals createdAt }
  }
}`;

const CREATE = `mutation CreateAnnouncement($input: CreateAnnouncementInput!) {
  createAnnouncement(input: $input) { id title }
}`;

const END = `mutation EndAnnouncement($id: ID!, $at: DateTime!) {
  updateAnnouncement(id: $id, input: { endsAt: $at }) { id endsAt }
}`;

const DELETE = `mutation DeleteAnnouncement($id: ID!) { deleteAnnouncement(id: $id) }`;

export function Announcements() {
  const [params, setParams] = useParams();
  const paged = usePaged(ANNOUNCEMENTS, {}, (d) => d.announcements);
  const { groups } = useGroups();
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
    <${Page} title="Announcements" intro="Banners in the partner portal: each partner sees one from its start to its end, until it dismisses it. Plain text, with a link if you like.">
      <${Done} message=${done} />
      ${writable() && !params.new && html`<p><button type="button" onClick=${() => setParams({ new: 'true' })}>New announcement</button></p>`}
      ${params.new && html`
        <${Writable} note="an admin makes announcements.">
          <${AnnouncementForm} groups=${groups} finished=${finished} />
        <//>`}
      <${Paged} paged=${paged} what=${['announcement', 'announcements']} empty="No announcement yet.">
        <ul class="plain-list">
          ${paged.nodes.map((a) => html`<${Announcement} key=${a.id} a=${a} groups=${groups} changed=${changed} />`)}
        </ul>
      <//>
    <//>`;
}

function showing(a) {
  const now = Date.now();
  if (new Date(a.startsAt).getTime() > now) return ['COMING', 'pending', 'to come'];
  if (a.endsAt && new Date(a.endsAt).getTime() <= now) return ['ENDED', 'muted', 'ended'];
  return ['SHOWING', 'ok', 'showing'];
}

function Announcement({ a, groups, changed }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const act = (run, words) => async () => {
    setBusy(true);
    setError(null);
    try {
      await run();
      changed(`${a.title} is ${words}.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const [state, tone, label] = showing(a);
  const heading = `announcement-${a.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
  // Names once the groups are read (never a bare id, which would not wrap).
  const names = a.groupIds.map((id) => ((groups || []).find((g) => g.id === id) || { name: 'a group' }).name);
  return html`
    <li class="card" data-announcement=${a.id} aria-labelledby=${heading}>
      <h2 id=${heading}>${a.title}</h2>
      <p><${Badge} value=${state} tone=${tone} label=${label} />
        <span class="muted"> · ${dayTime(a.startsAt)}${a.endsAt ? ` to ${dayTime(a.endsAt)}` : ', until dismissed'}</span></p>
      <p class="evidence">${a.body}</p>
      ${a.link && html`<p><a href=${a.link} rel="noopener noreferrer" target="_blank">${a.link}</a></p>`}
      <dl class="facts">
        <div><dt>For</dt><dd>${names.length ? names.join(', ') : 'every partner'}</dd></div>
        <div><dt>Dismissed by</dt><dd data-figure=${`announcement.${a.id}.dismissals`}>${a.dismissals}</dd></div>
      </dl>
      <${Writable}>
        <div class="actions">
          ${state !== 'ENDED' && html`<button type="button" class="secondary small" disabled=${busy}
              onClick=${act(() => gql(END, { id: a.id, at: new Date().toISOString() }), 'ended')}>End now<span class="visually-hidden"> ${a.title}</span></button>`}
          <button type="button" class="secondary small" disabled=${busy}
              onClick=${act(() => gql(DELETE, { id: a.id }), 'deleted')}>Delete<span class="visually-hidden"> ${a.title}</span></button>
        </div>
      <//>
      ${error && html`<${Outcome} outcome=${{ error }} />`}
    </li>`;
}

/** `finished(message)` follows an announcement made. */
function AnnouncementForm({ groups, finished }) {
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const text = (name) => String(form.get(name) || '').trim();
    const input = {
      title: text('title'),
      body: text('body'),
      groupIds: form.getAll('groupIds'),
    };
    if (text('link')) input.link = text('link');
    if (text('startsAt')) input.startsAt = zonedInstant(text('startsAt'));
    if (text('endsAt')) input.endsAt = zonedInstant(text('endsAt'));
    const made = (await gql(CREATE, { input })).createAnnouncement;
    finished(`${made.title} is made.`);
  }, 'Done.');
  const named = ['title', 'body', 'link', 'startsAt', 'endsAt', 'groupIds'].some((f) => fieldError(f));
  return html`
    <${Section} title="New announcement" id="announcement-editor" actions=${html`<a href="#/announcements">Close<span class="visually-hidden"> the form</span></a>`}>
      <form class="stack" onSubmit=${submit}>
        <${Field} id="announcement-title" label="Title" hint="At most 120 characters." error=${fieldError('title')}>
          ${(a) => html`<input name="title" required maxlength="120" autocomplete="off" ...${a} />`}
        <//>
        <${Field} id="announcement-body" label="Text" hint="Plain text, at most 2,000 characters." error=${fieldError('body')}>
          ${(a) => html`<textarea name="body" rows="3" required maxlength="2000" ...${a}></textarea>`}
        <//>
        <${Field} id="announcement-link" label="Link (optional)" hint="An https address." error=${fieldError('link')}>
          ${(a) => html`<input name="link" type="url" inputmode="url" autocomplete="off" ...${a} />`}
        <//>
        <div class="picker">
          <${Field} id="announcement-starts" label="Shows from (optional)" hint="Empty: now." error=${fieldError('startsAt')}>
            ${(a) => html`<input name="startsAt" type="datetime-local" ...${a} />`}
          <//>
          <${Field} id="announcement-ends" label="Until (optional)" hint="Empty: until each partner dismisses it." error=${fieldError('endsAt')}>
            ${(a) => html`<input name="endsAt" type="datetime-local" ...${a} />`}
          <//>
        </div>
        <fieldset class="stack">
          <legend>For the partners of (none: every partner)</legend>
          ${(groups || []).map((g) => html`<label class="choice"><input type="checkbox" name="groupIds" value=${g.id} /> ${g.name}</label>`)}
          ${fieldError('groupIds') && html`<p class="field-error">${fieldError('groupIds')}</p>`}
        </fieldset>
        <p><button type="submit" disabled=${busy}>Create the announcement</button></p>
        ${outcome && outcome.error && !named && html`<${Outcome} outcome=${outcome} />`}
      </form>
    <//>`;
}
