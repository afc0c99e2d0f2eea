// Broadcasts: one message sent to many partners (SPEC §35), each landing
// in its partner's thread. The list, newest first, with how far each went
// (recipients, delivered, read); a scheduled one may be cancelled until it
// is sent. The form that makes one opens at `#/broadcasts?new=true`.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { lastDay, money, words } from './format.js';
import { Badge, Failure, Outcome, Page, PlainText } from './ui.js';
import { Done, Paged, Reveal, Writable, day, dayTime, tone, useForm, useGroups, useParams, usePaged, writable, zone } from './parts.js';
import { BroadcastForm } from './broadcast-form.js';

const BROADCASTS = `query Broadcasts($after: String) {
  broadcasts(first: 25, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id subject body status failure sendAt sentAt recipients delivered read createdAt
        audience {
          groupIds categoryIds tags statuses countries
          earnedAtLeast { amount currency }
          earnedFrom earnedTo
        }
      }
    }
  }
}`;

const CANCEL = `mutation CancelBroadcast($id: ID!) { cancelBroadcast(id: $id) { id status } }`;

const pickBroadcasts = (d) => ({
  pageInfo: d.broadcasts.pageInfo,
  nodes: d.broadcasts.edges.map((e) => e.node),
});

export function Broadcasts() {
  const [params, setParams] = useParams();
  const paged = usePaged(BROADCASTS, {}, pickBroadcasts);
  const { groups, error: groupsError } = useGroups();
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
    <${Page} title="Broadcasts" intro="One message to every partner an audience matches: each finds it in its messages, and is e-mailed as its preferences say.">
      <${Done} message=${done} />
      ${groupsError && html`<${Failure} error=${groupsError} />`}
      ${writable() && !params.new && html`<p><button type="button" onClick=${() => setParams({ new: 'true' })}>New broadcast</button></p>`}
      ${params.new && html`
        <${Writable} note="an admin sends broadcasts.">
          <${BroadcastForm} groups=${groups} finished=${finished} />
        <//>`}
      <${Paged} paged=${paged} what=${['broadcast', 'broadcasts']} empty="No broadcast yet.">
        <ul class="plain-list">
          ${paged.nodes.map((b) => html`<${Broadcast} key=${b.id} b=${b} groups=${groups} changed=${changed} />`)}
        </ul>
      <//>
    <//>`;
}

/** Who a broadcast goes to, a condition a line (no status: active partners). */
function audienceLines(a, groups) {
  const named = (id) => {
    const group = (groups || []).find((g) => g.id === id);
    return group ? group.name : id;
  };
  const lines = [];
  const any = (list) => (list.length > 1 ? `one of ${list.join(', ')}` : list[0]);
  if (a.groupIds.length) lines.push(`In the group ${any(a.groupIds.map(named))}`);
  if (a.categoryIds.length) lines.push(`In the category ${any(a.categoryIds)}`);
  if (a.tags.length) lines.push(`Tagged ${any(a.tags)}`);
  if (a.countries.length) lines.push(`In the country ${any(a.countries)}`);
  if (a.earnedAtLeast) lines.push(`Earned at least ${money(a.earnedAtLeast.amount, a.earnedAtLeast.currency)}`);
  if (a.earnedFrom || a.earnedTo) {
    const from = a.earnedFrom ? `from ${day(a.earnedFrom)}` : '';
    const to = a.earnedTo ? `through ${lastDay(a.earnedTo, zone())}` : '';
    lines.push(`Earnings counted ${[from, to].filter(Boolean).join(' ')}`);
  }
  const status = (a.statuses.length ? a.statuses : ['ACTIVE']).map((s) => words(s).toLowerCase()).join(' or ');
  return lines.length ? [`Status ${status}`, ...lines] : [`Every partner whose status is ${status}`];
}

function Broadcast({ b, groups, changed }) {
  const key = b.id.replace(/[^A-Za-z0-9_-]/g, '');
  const figure = (name) => `broadcast.${b.id}.${name}`;
  return html`
    <li class="card" data-broadcast=${b.id} data-state=${b.status}>
      <h2 id=${`broadcast-${key}`}>${b.subject}</h2>
      <p><${Badge} value=${b.status} tone=${tone(b.status)} />
        <span class="muted"> · made ${dayTime(b.createdAt)}</span></p>
      <dl class="facts">
        ${b.status === 'SCHEDULED' && b.sendAt && html`<div><dt>To be sent</dt><dd><time datetime=${b.sendAt}>${dayTime(b.sendAt)}</time></dd></div>`}
        ${b.failure && html`<div><dt>Failed</dt><dd data-failure>${b.failure}</dd></div>`}
        ${b.sentAt && html`<div><dt>Sent</dt><dd><time datetime=${b.sentAt}>${dayTime(b.sentAt)}</time></dd></div>`}
        <div><dt>Recipients</dt><dd data-figure=${figure('recipients')}>${b.recipients === null ? 'Counted when it is sent' : b.recipients}</dd></div>
        <div><dt>Delivered</dt><dd data-figure=${figure('delivered')}>${b.delivered}</dd></div>
        <div><dt>Read</dt><dd data-figure=${figure('read')}>${b.read}</dd></div>
      </dl>
      <h3>Audience</h3>
      <ul>${audienceLines(b.audience, groups).map((line) => html`<li>${line}</li>`)}</ul>
      <details>
        <summary>The message</summary>
        <${PlainText} text=${b.body} />
      </details>
      ${b.status === 'SCHEDULED' && html`
        <${Writable}>
          <div class="actions"><${Cancel} b=${b} idKey=${key} changed=${changed} /></div>
        <//>`}
    </li>`;
}

function Cancel({ b, idKey, changed }) {
  const [busy, outcome, , submit] = useForm(async () => {
    await gql(CANCEL, { id: b.id });
    changed(`\u201c${b.subject}\u201d is cancelled: it will not be sent.`);
  }, 'Cancelled.');
  return html`
    <${Reveal} id=${`cancel-${idKey}`} label="Cancel…">${() => html`
      <form class="stack reason-form" onSubmit=${submit}>
        <p>The broadcast will not be sent. This cannot be undone.</p>
        <p><button type="submit" disabled=${busy}>Cancel \u201c${b.subject}\u201d</button></p>
        <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
      </form>`}
    <//>`;
}
