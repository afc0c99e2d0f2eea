// Campaigns: what partners promote. The list (found by name, filtered by
// status), and a campaign made or edited: where referral links land, how
// long a click attributes, whether anyone may apply (and what the form
// asks), whether paid ads are allowed, the traffic that earns nothing
// (SPEC §37), and its rules — its partners'
// groups', or its own, edited (conditions too, SPEC §32) with the group
// page's editor and simulation. The campaign being edited is in the address
// (`#/campaigns?edit=<id>`, `edit=new` for a new one).
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { words } from './format.js';
import { Badge, Failure, Field, Loading, Outcome, Page, Section, TableWrap, useQuery } from './ui.js';
import { Done, Paged, Reveal, TRAFFIC_SOURCES, TrafficSourcesFields, Writable, day, formParams, tone, trafficSourcesInput, useForm, useParams, usePaged, useTenant, writable } from './parts.js';
import { RULE_FIELDS, RulesEditor, Simulation, ruleErrorAt, rulesToRows, rowsToInput } from './page-groups.js';

const FIELDS = `id name description status currency holdbackDays landingUrl attributionWindowDays visibility
  applicationQuestions autoApproveApplications allowPaidAds isDefault createdAt ${TRAFFIC_SOURCES}`;

const CAMPAIGNS = `query Campaigns($search: String, $status: CampaignStatus, $after: String) {
  campaigns(search: $search, status: $status, first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { ${FIELDS} }
  }
}`;

const CAMPAIGN = `query Campaign($id: ID!) { campaign(id: $id) { ${FIELDS} rules { ${RULE_FIELDS} } } }`;

const CREATE = `mutation CreateCampaign($input: CreateCampaignInput!) { createCampaign(input: $input) { id name } }`;
const UPDATE = `mutation UpdateCampaign($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { id name } }`;
const ARCHIVE = `mutation ArchiveCampaign($id: ID!) { archiveCampaign(id: $id) { id status } }`;

const STATUSES = [['', 'Every status'], ['ACTIVE', 'Active'], ['PAUSED', 'Paused'], ['ARCHIVED', 'Archived']];

export function Campaigns() {
  const [params, setParams] = useParams();
  const paged = usePaged(CAMPAIGNS, { search: params.q || null, status: params.status || null }, (d) => d.campaigns);
  const [done, setDone] = useState(null);
  const edit = (id) => setParams({ ...params, edit: id });
  const finished = (message) => {
    setDone(message);
    const { edit: _, ...rest } = params;
    setParams(rest);
    paged.reload();
  };
  return html`
    <${Page} title="Campaigns" intro="What partners promote: where their links land, how long a click counts, who may join.">
      <form class="filters" onSubmit=${(e) => { e.preventDefault(); setParams(formParams(e.target)); }} aria-label="Find campaigns" key=${JSON.stringify(params)}>
        <${Field} id="campaigns-q" label="Name">${(a) => html`<input type="search" name="q" defaultValue=${params.q || ''} autocomplete="off" ...${a} />`}<//>
        <${Field} id="campaigns-status" label="Status">
          ${(a) => html`<select name="status" ...${a}>${STATUSES.map(([v, l]) => html`<option value=${v} selected=${(params.status || '') === v}>${l}</option>`)}</select>`}
        <//>
        <button type="submit">Search</button>
      </form>
      <${Done} message=${done} />
      ${writable() && !params.edit && html`<p><button type="button" onClick=${() => edit('new')}>New campaign</button></p>`}
      ${params.edit && html`<${Editor} key=${params.edit} id=${params.edit} finished=${finished} />`}
      <${Paged} paged=${paged} what=${['campaign', 'campaigns']} empty="No campaign matches.">
        <${TableWrap} label="Campaigns">
          <table>
            <thead><tr><th scope="col">Campaign</th><th scope="col">Status</th><th scope="col">Who may join</th><th scope="col">Links land on</th><th scope="col" class="num">Click counts (days)</th><th scope="col">Paid ads</th></tr></thead>
            <tbody>
              ${paged.nodes.map((c) => html`
                <tr data-campaign=${c.id}>
                  <th scope="row">
                    ${c.name}${c.isDefault && html` <span class="muted">(default)</span>`}
                    <span class="muted block">${c.currency} · since ${day(c.createdAt)}</span>
                    ${writable() && c.status !== 'ARCHIVED' && html`<button type="button" class="link" onClick=${() => edit(c.id)}>Edit<span class="visually-hidden"> ${c.name}</span></button>`}
                  </th>
                  <td><${Badge} value=${c.status} tone=${tone(c.status)} /></td>
                  <td>${c.visibility === 'PUBLIC' ? 'Anyone may apply' : 'By invitation'}${c.visibility === 'PUBLIC' && html`<span class="muted block">${c.autoApproveApplications ? 'Approved on confirmation' : 'Staff decide'} · ${c.applicationQuestions.length} questions</span>`}</td>
                  <td>${c.landingUrl ? html`<code>${c.landingUrl}</code>` : html`<span class="muted">None: links do not work</span>`}</td>
                  <td class="num">${c.attributionWindowDays}</td>
                  <td>${c.allowPaidAds ? 'Allowed' : 'Flagged'}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}

const noCampaign = async () => ({ campaign: null });

function Editor({ id, finished }) {
  const creating = id === 'new';
  const { data, error, loading } = useQuery(CAMPAIGN, { id: creating ? '' : id }, creating ? noCampaign : undefined);
  const campaign = data && data.campaign;
  if (!creating && loading) return html`<${Loading} />`;
  if (error) return html`<${Failure} error=${error} />`;
  if (!creating && !campaign) return html`<p class="notice error" role="alert">No such campaign. <a href="#/campaigns">Back to the campaigns</a></p>`;
  return html`
    <${Section} title=${creating ? 'New campaign' : `Edit ${campaign.name}`} id="campaign-editor"
                actions=${html`<a href="#/campaigns">Close<span class="visually-hidden"> the editor</span></a>`}>
      <${Writable} note="an admin changes campaigns.">
        <${CampaignForm} campaign=${campaign} finished=${finished} />
        ${campaign && !campaign.isDefault && campaign.status !== 'ARCHIVED' && html`<${Archive} campaign=${campaign} finished=${finished} />`}
      <//>
    <//>`;
}

/** The form's fields as a campaign's input (`creating`: the fields only a new one takes). */
function campaignInput(form, creating, rules) {
  const text = (name) => (form.get(name) || '').trim() || null;
  const count = (name) => (text(name) === null ? null : Number(text(name)));
  const input = {
    name: text('name'),
    description: text('description'),
    landingUrl: text('landingUrl'),
    holdbackDays: count('holdbackDays'),
    visibility: form.get('visibility'),
    applicationQuestions: (form.get('applicationQuestions') || '').split('\n').map((q) => q.trim()).filter(Boolean),
    autoApproveApplications: form.get('autoApproveApplications') === 'on',
    allowPaidAds: form.get('allowPaidAds') === 'on',
    trafficSources: trafficSourcesInput(form),
    rules,
  };
  if (count('attributionWindowDays') !== null) input.attributionWindowDays = count('attributionWindowDays');
  if (creating) {
    if (text('currency')) input.currency = text('currency').toUpperCase();
  } else {
    input.status = form.get('status');
  }
  return input;
}

function CampaignForm({ campaign, finished }) {
  const tenant = useTenant();
  const creating = !campaign;
  const c = campaign || { visibility: 'PUBLIC', applicationQuestions: [], allowPaidAds: true, autoApproveApplications: false, status: 'ACTIVE', rules: null };
  const [own, setOwn] = useState(c.rules !== null);
  const [rows, setRows] = useState(() => rulesToRows(c.rules || []));
  const [simError, setSimError] = useState(null);
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const input = campaignInput(form, creating, own ? rowsToInput(rows) : null);
    const saved = creating ? (await gql(CREATE, { input })).createCampaign : (await gql(UPDATE, { id: campaign.id, input })).updateCampaign;
    finished(creating ? `${saved.name} is made.` : `${saved.name} is saved.`);
  }, 'Saved.');
  const field = (name, label, hint, attrs = {}) => html`
    <${Field} id=${`campaign-${name}`} label=${label} hint=${hint} error=${fieldError(name)}>
      ${(a) => html`<input name=${name} defaultValue=${c[name] === null || c[name] === undefined ? '' : c[name]} autocomplete="off" ...${attrs} ...${a} />`}
    <//>`;
  return html`
    <form class="stack" onSubmit=${submit}>
      ${field('name', 'Name', null, { required: true })}
      ${field('description', 'What partners promote (optional)')}
      ${creating && field('currency', 'Currency', `Three letters; empty: the program's (${tenant.currency}).`, { maxlength: 3 })}
      ${field('landingUrl', 'Where referral links land', 'An absolute https address.', { type: 'url', inputmode: 'url' })}
      ${field('attributionWindowDays', 'How long a click counts (days)', '1 to 730; empty: 90.', { type: 'number', min: 1, max: 730, step: 1 })}
      ${field('holdbackDays', 'Days before a commission is approved (optional)', 'Empty: the group\u2019s, or approved by hand.', { type: 'number', min: 0, step: 1 })}
      <fieldset>
        <legend>Who may join</legend>
        <label class="choice"><input type="radio" name="visibility" value="PUBLIC" defaultChecked=${c.visibility === 'PUBLIC'} /> Anyone: public, with an application form</label>
        <label class="choice"><input type="radio" name="visibility" value="INVITE_ONLY" defaultChecked=${c.visibility === 'INVITE_ONLY'} /> By invitation only</label>
      </fieldset>
      <${Field} id="campaign-applicationQuestions" label="Questions the application form asks" hint="One a line, at most 10." error=${fieldError('applicationQuestions')}>
        ${(a) => html`<textarea name="applicationQuestions" rows="4" defaultValue=${c.applicationQuestions.join('\n')} ...${a}></textarea>`}
      <//>
      <label class="choice"><input type="checkbox" name="autoApproveApplications" defaultChecked=${c.autoApproveApplications} /> Approve an application as soon as its e-mail is confirmed</label>
      <label class="choice"><input type="checkbox" name="allowPaidAds" defaultChecked=${c.allowPaidAds} /> Partners may send paid-ad traffic (otherwise such clicks are flagged)</label>
      <${TrafficSourcesFields} id="campaign" sources=${c.trafficSources} fieldError=${fieldError} />
      <fieldset class="stack">
        <legend>What its partners earn</legend>
        <label class="choice"><input type="radio" name="ownRules" value="no" checked=${!own} onChange=${() => setOwn(false)} /> Their group's rules</label>
        <label class="choice"><input type="radio" name="ownRules" value="yes" checked=${own} onChange=${() => setOwn(true)} /> Rules of its own, in place of their groups' (snapshots already stamped keep theirs)</label>
        ${own && html`
          <${RulesEditor} id="campaign-rule" rows=${rows} setRows=${setRows}
                          error=${ruleErrorAt(outcome && outcome.error) ? outcome.error : simError} />
          <${Simulation} rows=${rows} onError=${setSimError} />`}
      </fieldset>
      ${!creating && html`
        <${Field} id="campaign-status" label="Status" error=${fieldError('status')}>
          ${(a) => html`<select name="status" ...${a}>${['ACTIVE', 'PAUSED'].map((s) => html`<option value=${s} selected=${c.status === s}>${words(s)}</option>`)}</select>`}
        <//>`}
      <p><button type="submit" disabled=${busy}>${creating ? 'Create the campaign' : 'Save the campaign'}</button></p>
      <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
    </form>`;
}

function Archive({ campaign, finished }) {
  const [busy, outcome, , submit] = useForm(async () => {
    await gql(ARCHIVE, { id: campaign.id });
    finished(`${campaign.name} is archived.`);
  }, 'Archived.');
  return html`
    <${Reveal} id="archive-campaign" label="Archive…">${() => html`
      <form class="stack reason-form" onSubmit=${submit}>
        <p>An archived campaign takes no more events or applications, for good.</p>
        <p><button type="submit" disabled=${busy}>Archive ${campaign.name}</button></p>
        <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
      </form>`}
    <//>`;
}
