// Activity: who changed what, when and from where (SPEC §34) — every
// staff member's, service token's, partner's and job's act, each with the
// fields it changed before and after (tax ids, IBANs and account numbers
// by their last 4; secrets never). Filtered by who acted, the action, the
// object and the days (kept in the address), newest first. `Trail` shows
// one object's entries on its own page.
import { html } from './lib.js';
import { words } from './format.js';
import { Field, Page, Section, TableWrap } from './ui.js';
import { Paged, dayStart, formParams, useParams, usePaged } from './parts.js';

// Paged backwards: `usePaged`'s cursor (`after`) is the page's start.
const ACTIVITY = `query Activity($filter: ActivityFilter, $after: String) {
  activity(filter: $filter, last: 50, before: $after) {
    totalCount totalCountIsExact
    pageInfo { hasPreviousPage startCursor }
    nodes {
      id at action requestId ip reason
      actor { kind id name }
      object { kind id }
      changes { field before after }
    }
  }
}`;

const KINDS = [['', 'Anyone'], ['STAFF', 'Staff'], ['API_KEY', 'Service tokens'], ['PARTNER', 'Partners'], ['SYSTEM', 'revshare jobs'], ['WORKFLOW', 'Workflows']];

/** The newest first: each page of `last` entries, reversed, going back. */
function useNewest(filter) {
  const paged = usePaged(ACTIVITY, { filter }, (d) => {
    const { totalCount, totalCountIsExact, pageInfo, nodes } = d.activity;
    return {
      totalCount,
      totalCountIsExact,
      pageInfo: { hasNextPage: pageInfo.hasPreviousPage, endCursor: pageInfo.startCursor },
      nodes: [...nodes].reverse(),
    };
  });
  return paged;
}

export function Activity() {
  const [params, setParams] = useParams();
  const filter = {
    actorKind: params.actor || null,
    action: params.action || null,
    objectId: params.object || null,
    from: dayStart(params.from),
    to: dayStart(params.to, true),
  };
  const paged = useNewest(filter);
  const apply = (event) => {
    event.preventDefault();
    const next = formParams(event.target);
    setParams({ actor: next.actor, action: next.action, object: next.object, from: next.from, to: next.to });
  };
  return html`
    <${Page} title="Activity" intro="Who changed what, when and from where: every act of staff, service tokens, partners and revshare's own jobs, newest first.">
      <form class="filters" onSubmit=${apply} aria-label="Filter the activity" key=${JSON.stringify(params)}>
        <${Field} id="activity-actor" label="Who">
          ${(a) => html`<select name="actor" ...${a}>${KINDS.map(([v, l]) => html`<option value=${v} selected=${(params.actor || '') === v}>${l}</option>`)}</select>`}
        <//>
        <${Field} id="activity-action" label="Action">${(a) => html`<input name="action" placeholder="updatePartner" defaultValue=${params.action || ''} ...${a} />`}<//>
        <${Field} id="activity-object" label="Object id">${(a) => html`<input name="object" defaultValue=${params.object || ''} ...${a} />`}<//>
        <${Field} id="activity-from" label="From">${(a) => html`<input type="date" name="from" defaultValue=${params.from || ''} ...${a} />`}<//>
        <${Field} id="activity-to" label="To (included)">${(a) => html`<input type="date" name="to" defaultValue=${params.to || ''} ...${a} />`}<//>
        <button type="submit">Apply</button>
        ${Object.keys(params).length > 0 && html`<button type="button" class="secondary" onClick=${() => setParams({})}>Clear</button>`}
      </form>
      <${Paged} paged=${paged} what=${['entry', 'entries']} empty="No entry matches.">
        <${Entries} rows=${paged.nodes} label="Activity" />
      <//>
    <//>`;
}

/** One object's trail, newest first, on its own page. */
export function Trail({ objectId, title = 'Activity' }) {
  const paged = useNewest({ objectId });
  return html`
    <${Section} title=${title} id="object-activity">
      <${Paged} paged=${paged} what=${['entry', 'entries']} empty="Nothing recorded yet.">
        <${Entries} rows=${paged.nodes} label=${title} />
      <//>
      <p><a href=${`#/activity?object=${encodeURIComponent(objectId)}`}>All of it on the activity page</a></p>
    <//>`;
}

function Entries({ rows, label }) {
  return html`
    <${TableWrap} label=${label}>
      <table>
        <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Object</th><th scope="col">Changes</th><th scope="col">From</th></tr></thead>
        <tbody>
          ${rows.map((e) => html`
            <tr data-entry=${e.id} data-action=${e.action}>
              <td><time datetime=${e.at}>${new Date(e.at).toLocaleString()}</time></td>
              <th scope="row">${e.actor.name}<span class="muted block">${words(e.actor.kind)}</span></th>
              <td><code>${e.action}</code>${e.reason && html`<span class="muted block">${e.reason}</span>`}</td>
              <td>${e.object.kind ? html`${e.object.kind}${e.object.id && html` <code>${e.object.id}</code>`}` : '—'}</td>
              <td>${e.changes.length === 0 ? '—' : html`<ul class="changes">${e.changes.map((c) => html`
                <li><strong>${c.field}</strong>: ${c.before ?? '—'} → ${c.after ?? '—'}</li>`)}</ul>`}</td>
              <td>${e.ip || '—'}${e.requestId && html`<span class="muted block"><code>${e.requestId}</code></span>`}</td>
            </tr>`)}
        </tbody>
      </table>
    <//>`;
}
