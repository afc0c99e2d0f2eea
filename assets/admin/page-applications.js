// Applications: people who applied to join the program, oldest first.
// A confirmed (pending) application is approved into a group — the
// partner is made and enrolled — or rejected with a reason it is
// e-mailed. Other statuses are there to look back at.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { Badge, Field, Page, TableWrap } from './ui.js';
import { Done, GroupSelect, Paged, ReasonForm, Reveal, Writable, day, formParams, tone, useForm, useGroups, useParams, usePaged } from './parts.js';

const APPLICATIONS = `query Applications($status: ApplicationStatus, $after: String) {
  partnerApplications(status: $status, first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes {
      id name email website country status reason createdAt confirmedAt decidedAt
      campaign { id name }
      answers { question answer }
      partner { id name }
    }
  }
}`;

const DECIDE = `mutation Decide($input: DecidePartnerApplicationInput!) {
  decidePartnerApplication(input: $input) { id status partner { id name } }
}`;

const STATUSES = [
  ['PENDING', 'Waiting for a decision'],
  ['UNCONFIRMED', 'E-mail not confirmed yet'],
  ['APPROVED', 'Approved'],
  ['REJECTED', 'Rejected'],
];

export function Applications() {
  const [params, setParams] = useParams();
  const status = params.status || 'PENDING';
  const paged = usePaged(APPLICATIONS, { status }, (d) => d.partnerApplications);
  const { groups } = useGroups();
  const [done, setDone] = useState(null);
  const decided = (message) => {
    setDone(message);
    paged.reload();
  };
  return html`
    <${Page} title="Applications" intro="People who applied to join, oldest first. Approve one into a group, or reject it with a reason (it is e-mailed).">
      <form class="filters" onSubmit=${(e) => { e.preventDefault(); setParams(formParams(e.target)); }} aria-label="Filter applications">
        <${Field} id="applications-status" label="Status">
          ${(a) => html`
            <select name="status" ...${a}>
              ${STATUSES.map(([v, l]) => html`<option value=${v} selected=${status === v}>${l}</option>`)}
            </select>`}
        <//>
        <button type="submit">Show</button>
      </form>
      <${Done} message=${done} />
      <${Paged} paged=${paged} what=${['application', 'applications']} empty="No application in this status.">
        <${TableWrap} label="Applications">
          <table>
            <thead>
              <tr><th scope="col">Applicant</th><th scope="col">Campaign</th><th scope="col">Answers</th><th scope="col">Applied</th><th scope="col">Status</th></tr>
            </thead>
            <tbody>
              ${paged.nodes.map((a) => html`<${Row} key=${a.id} application=${a} groups=${groups} decided=${decided} />`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}

function Row({ application: a, groups, decided }) {
  return html`
    <tr data-application=${a.id}>
      <th scope="row">
        ${a.name}<span class="muted block">${a.email}</span>
        ${a.website && html`<span class="muted block">${a.website}</span>`}
        ${a.country && html`<span class="muted block">${a.country}</span>`}
      </th>
      <td>${a.campaign ? a.campaign.name : '—'}</td>
      <td>
        ${a.answers.length === 0
          ? html`<span class="muted">None</span>`
          : html`<dl class="answers">${a.answers.map((x) => html`<dt>${x.question}</dt><dd>${x.answer}</dd>`)}</dl>`}
      </td>
      <td>${day(a.createdAt)}${a.confirmedAt && html`<span class="muted block">Confirmed ${day(a.confirmedAt)}</span>`}</td>
      <td>
        <${Badge} value=${a.status} tone=${tone(a.status)} />
        ${a.partner && html`<span class="block"><a href=${`#/partners/${encodeURIComponent(a.partner.id)}`}>${a.partner.name}</a></span>`}
        ${a.reason && html`<span class="muted block">${a.reason}</span>`}
        ${a.status === 'PENDING' && html`<${Writable}><${Decide} application=${a} groups=${groups} decided=${decided} /><//>`}
      </td>
    </tr>`;
}

function Decide({ application, groups, decided }) {
  const [busy, outcome, fieldError, approve] = useForm(async (form) => {
    const input = { id: application.id, approve: true };
    if (form.get('groupId')) input.groupId = form.get('groupId');
    await gql(DECIDE, { input });
    decided(`${application.name} is approved: a partner now.`);
  }, 'Done.');
  const reject = async (form) => {
    await gql(DECIDE, { input: { id: application.id, approve: false, reason: form.get('reason') } });
  };
  const key = application.id.replace(/[^A-Za-z0-9_-]/g, '');
  return html`
    <div class="actions">
      <${Reveal} id=${`approve-${key}`} label="Approve…">${() => html`
        <form class="stack reason-form" onSubmit=${approve}>
          <${Field} id=${`approve-group-${key}`} label=${`Group for ${application.name}`} error=${fieldError('groupId')}>
            ${(a) => html`<${GroupSelect} groups=${groups} blank="The default group" a=${a} />`}
          <//>
          <p><button type="submit" disabled=${busy}>Approve ${application.name}</button></p>
          ${outcome && outcome.error && !fieldError('groupId') && html`<p class="notice error" role="alert">${outcome.error.message}</p>`}
        </form>`}
      <//>
      <${Reveal} id=${`reject-${key}`} label="Reject…">${() => html`
        <${ReasonForm} id=${`reject-reason-${key}`} label=${`Why ${application.name} is rejected (e-mailed to them)`} submit="Reject"
                       run=${reject} onDone=${() => decided(`${application.name} is rejected.`)} long />`}
      <//>
    </div>`;
}
