// Workflows: what the program does by itself when something happens to a
// partner (SPEC §35): a partner approved, or a figure reached, starts its
// actions (move it to a group, send it a message, tag it, pay it a bonus).
// The list, newest first, each with its runs (20 at most) and what each action
// did; an admin enables or disables one. The form that makes one opens at
// `#/workflows?new=true`.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { lastDay, money, words } from './format.js';
import { Badge, Failure, Page, PlainText, TableWrap } from './ui.js';
import { Done, Paged, Writable, day, dayTime, useForm, useGroups, useParams, usePaged, writable, zone } from './parts.js';
import { AMOUNTS, METRICS, WorkflowForm } from './workflow-form.js';

const WORKFLOWS = `query Workflows($after: String) {
  workflows(first: 20, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id name enabled groupIds createdAt
        trigger { partnerApproved metricReached { metric value currency from to } }
        actions { kind moveToGroup sendMessage addTag payBonus { amount currency } }
        runs(first: 20) { edges { node { partner { id name } ranAt failure outcomes { action done detail } } } }
      }
    }
  }
}`;

const SET_ENABLED = `mutation SetWorkflowEnabled($id: ID!, $enabled: Boolean!) {
  setWorkflowEnabled(id: $id, enabled: $enabled) { id enabled }
}`;

const pickWorkflows = (d) => ({
  pageInfo: d.workflows.pageInfo,
  nodes: d.workflows.edges.map((e) => e.node),
});

export function Workflows() {
  const [params, setParams] = useParams();
  const paged = usePaged(WORKFLOWS, {}, pickWorkflows);
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
  const groupName = (id) => {
    const group = (groups || []).find((g) => g.id === id);
    return group ? group.name : id;
  };
  return html`
    <${Page} title="Workflows" intro="Actions the program takes by itself when a partner is approved or reaches a figure.">
      <${Done} message=${done} />
      ${groupsError && html`<${Failure} error=${groupsError} />`}
      ${writable() && !params.new && html`<p><button type="button" onClick=${() => setParams({ new: 'true' })}>New workflow</button></p>`}
      ${params.new && html`
        <${Writable} note="an admin makes workflows.">
          <${WorkflowForm} groups=${groups} finished=${finished} />
        <//>`}
      <${Paged} paged=${paged} what=${['workflow', 'workflows']} empty="No workflow yet.">
        <ul class="plain-list">
          ${paged.nodes.map((w) => html`<${Workflow} key=${w.id} w=${w} groupName=${groupName} changed=${changed} />`)}
        </ul>
      <//>
    <//>`;
}

/** A trigger in words. */
function triggerWords(t) {
  const m = t.metricReached;
  if (!m) return 'When a partner is approved';
  const figure = AMOUNTS.includes(m.metric) ? money(m.value, m.currency) : m.value;
  const from = m.from ? ` from ${day(m.from)}` : '';
  const to = m.to ? ` through ${lastDay(m.to, zone())}` : '';
  return `When a partner reaches ${figure} ${METRICS[m.metric] || words(m.metric).toLowerCase()}${from}${to}`;
}

/** An action in words (a message: its text after). */
function Action({ a, groupName }) {
  switch (a.kind) {
    case 'MOVE_TO_GROUP': return html`<li>Move the partner to the group ${groupName(a.moveToGroup)}</li>`;
    case 'ADD_TAG': return html`<li>Tag the partner <code>${a.addTag}</code></li>`;
    case 'PAY_BONUS': return html`<li>Pay the partner a bonus of ${money(a.payBonus.amount, a.payBonus.currency)}</li>`;
    case 'SEND_MESSAGE': return html`<li>Send the partner this message:<${PlainText} text=${a.sendMessage} /></li>`;
    default: return html`<li>${words(a.kind)}</li>`;
  }
}

function Workflow({ w, groupName, changed }) {
  const key = w.id.replace(/[^A-Za-z0-9_-]/g, '');
  const runs = w.runs.edges.map((e) => e.node);
  return html`
    <li class="card" data-workflow=${w.id} data-state=${w.enabled ? 'enabled' : 'disabled'}>
      <h2 id=${`workflow-${key}`}>${w.name}</h2>
      <p><${Badge} value=${w.enabled ? 'ENABLED' : 'DISABLED'} tone=${w.enabled ? 'enabled' : 'disabled'} />
        <span class="muted"> · made ${day(w.createdAt)}</span></p>
      <dl class="facts">
        <div><dt>Partners</dt><dd>${w.groupIds.length ? `In ${w.groupIds.map(groupName).join(', ')}` : 'Of every group'}</dd></div>
        <div><dt>Runs</dt><dd>${triggerWords(w.trigger)}</dd></div>
      </dl>
      <h3 id=${`workflow-${key}-actions`}>What it does</h3>
      <ol aria-labelledby=${`workflow-${key}-actions`}>${w.actions.map((a) => html`<${Action} a=${a} groupName=${groupName} />`)}</ol>
      <${Writable}><${Toggle} w=${w} changed=${changed} /><//>
      <h3>Runs</h3>
      ${runs.length === 0
        ? html`<p class="empty">Not run yet.</p>`
        : html`
          <${TableWrap} label=${`Runs of ${w.name}`}>
            <table>
              <thead><tr><th scope="col">Partner</th><th scope="col">Ran</th><th scope="col">What each action did</th></tr></thead>
              <tbody>
                ${runs.map((r) => html`
                  <tr>
                    <th scope="row"><a href=${`#/partners/${encodeURIComponent(r.partner.id)}`}>${r.partner.name}</a></th>
                    <td><time datetime=${r.ranAt}>${dayTime(r.ranAt)}</time></td>
                    <td>
                      ${r.failure && html`<p data-failure><${Badge} value="FAILED" tone="failed" label="failed" /> <span class="muted">${r.failure}</span></p>`}
                      <ul class="history">
                        ${r.outcomes.map((o) => html`
                          <li data-outcome=${o.action}>${words(o.action)}: ${o.done
                            ? html`<${Badge} value="DONE" tone="approved" label="done" />`
                            : html`<${Badge} value="FAILED" tone="failed" label="not done" />`}${o.detail && html` <span class="muted">${o.detail}</span>`}</li>`)}
                      </ul>
                    </td>
                  </tr>`)}
              </tbody>
            </table>
          <//>`}
    </li>`;
}

function Toggle({ w, changed }) {
  const [busy, outcome, , submit] = useForm(async () => {
    const set = (await gql(SET_ENABLED, { id: w.id, enabled: !w.enabled })).setWorkflowEnabled;
    changed(set.enabled ? `${w.name} is enabled: it runs from now on.` : `${w.name} is disabled: it no longer runs.`);
  }, 'Done.');
  return html`
    <form class="actions" onSubmit=${submit}>
      <button type="submit" class="secondary small" disabled=${busy}>
        ${w.enabled ? 'Disable' : 'Enable'}<span class="visually-hidden"> ${w.name}</span>
      </button>
      ${outcome && outcome.error && html`<p class="notice error" role="alert">${outcome.error.message}</p>`}
    </form>`;
}
