// Import: a program brought over from Rewardful, FirstPromoter,
// PartnerStack, Tolt, Tapfiliate or CSV files (SPEC §25). An admin picks the source,
// pastes its key (never shown again), tries a dry run, then imports; the
// page follows the import's progress and lists the rows that could not
// come over. Earlier imports below, newest first.
import { html, useEffect, useState } from './lib.js';
import { gql } from './api.js';
import { Badge, Failure, Field, Loading, Outcome, Page, Section, TableWrap, useQuery } from './ui.js';
import { Done, GroupSelect, Paged, Writable, day, tone, useForm, useGroups, useParams, usePaged } from './parts.js';

const SOURCES = [
  ['REWARDFUL', 'Rewardful', [['apiKey', 'API secret']]],
  ['FIRSTPROMOTER', 'FirstPromoter', [['apiKey', 'API key'], ['accountId', 'Account ID']]],
  ['PARTNERSTACK', 'PartnerStack', [['publicKey', 'Public key'], ['secretKey', 'Secret key']]],
  ['TOLT', 'Tolt', [['apiKey', 'API key'], ['accountId', 'Program ID']]],
  ['TAPFILIATE', 'Tapfiliate', [['apiKey', 'API key'], ['accountId', 'Program ID']]],
  ['CSV', 'CSV files', []],
];

const sourceName = (source) => (SOURCES.find(([s]) => s === source) || [source, source])[1];

const START = `mutation Start($input: StartImportInput!) { startImport(input: $input) { id status } }`;
const CANCEL = `mutation Cancel($id: ID!) { cancelImport(id: $id) { id status } }`;

const IMPORT = `query Import($id: ID!) {
  import(id: $id) {
    id source status dryRun progress startedAt finishedAt error
    counts { partners codes customers commissions skipped unchanged requests }
  }
}`;

const PROBLEMS = `query Problems($id: ID!, $after: String) {
  import(id: $id) {
    problems(first: 25, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { entity externalId reason }
    }
  }
}`;

const AFTER = `query AfterTheSwitch {
  campaigns(first: 100) { nodes { id name isDefault landingUrl } }
  viewer { tenant { linkDomainProofs { host status } } }
}`;

const IMPORTS = `query Imports($after: String) {
  imports(first: 25, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id source status dryRun startedAt counts { partners commissions } }
  }
}`;

export function Imports() {
  const [params, setParams] = useParams();
  const [done, setDone] = useState(null);
  const [round, setRound] = useState(0);
  const show = (id, message) => {
    setDone(message);
    setParams({ id });
    setRound((r) => r + 1);
  };
  return html`
    <${Page} title="Import" intro="Bring a program over from another platform: its partners, their links and coupons, customers and commissions. Old links keep earning.">
      <${Done} message=${done} />
      <${Writable} note="an admin imports.">
        <${Start} started=${show} />
      <//>
      ${params.id && html`<${Progress} key=${params.id} id=${params.id} ended=${() => setRound((r) => r + 1)} />`}
      <${AfterSwitch} key=${`after-${round}`} />
      <${Earlier} key=${round} />
    <//>`;
}

function Start({ started }) {
  const [source, setSource] = useState('REWARDFUL');
  const fields = (SOURCES.find(([s]) => s === source) || SOURCES[0])[2];
  const [busy, outcome, fieldError, submit] = useForm(async (form, element) => {
    const credentials = {};
    for (const [name] of fields) credentials[name] = form.get(name) || null;
    if (source === 'CSV') credentials.csv = form.get('csv');
    if (form.get('baseUrl')) credentials.baseUrl = form.get('baseUrl');
    const dryRun = form.get('dryRun') === 'on';
    const groupId = form.get('groupId') || null;
    const data = await gql(START, { input: { source, credentials, dryRun, groupId } });
    // The key does not stay on the page.
    element.reset();
    started(data.startImport.id, `${dryRun ? 'A dry run' : 'The import'} from ${sourceName(source)} started.`);
  }, 'Started.');
  const { groups } = useGroups();
  // A refused key names `credentials`; a bad address `credentials.baseUrl`,
  // shown under its own field alone.
  const keyError = (name) => fieldError(name) || (fieldError('baseUrl') ? null : fieldError('credentials'));
  return html`
    <${Section} title="Start an import" id="import-start">
      <div class="stack">
        <${Field} id="import-source" label="From">
          ${(a) => html`<select value=${source} onChange=${(e) => setSource(e.target.value)} ...${a}>${SOURCES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>`}
        <//>
      </div>
      <form class="stack" onSubmit=${submit} autocomplete="off" key=${source}>
        ${fields.map(([name, label]) => html`
          <${Field} id=${`import-${name}`} label=${label} hint="Used while the import runs, never shown again." error=${keyError(name)}>
            ${(a) => html`<input name=${name} type="password" required spellcheck="false" ...${a} />`}
          <//>`)}
        ${source === 'CSV' && html`
          <${Field} id="import-csv" label="CSV" hint="One section per entity, each opened by its header (docs/importing.md)." error=${fieldError('csv')}>
            ${(a) => html`<textarea name="csv" rows="8" required spellcheck="false" ...${a}></textarea>`}
          <//>`}
        ${source !== 'CSV' && html`
          <${Field} id="import-base" label="API address (optional)" hint="Only for a regional host: the platform's own is used otherwise." error=${fieldError('baseUrl')}>
            ${(a) => html`<input name="baseUrl" type="url" spellcheck="false" ...${a} />`}
          <//>`}
        <${Field} id="import-group" label="Group" hint="Every imported partner goes into it; by default each source campaign becomes a group of its own, its terms as its rules." error=${fieldError('groupId')}>
          ${(a) => html`<${GroupSelect} groups=${groups} blank="One group per source campaign" a=${a} />`}
        <//>
        <label class="choice"><input type="checkbox" name="dryRun" /> Dry run: read and count everything, write nothing</label>
        <p><button type="submit" disabled=${busy}>Import from ${sourceName(source)}</button></p>
        <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
      </form>
    <//>`;
}

function Progress({ id, ended }) {
  const { data, error, loading, reload } = useQuery(IMPORT, { id });
  const run = data && data.import;
  const running = run && run.status === 'RUNNING';
  // The list below shows it as it ended.
  const status = run && run.status;
  useEffect(() => {
    if (status && status !== 'RUNNING') ended();
  }, [status]);
  // A running import is read again every second until it ends.
  useEffect(() => {
    if (!running) return undefined;
    const wait = setTimeout(reload, 1_000);
    return () => clearTimeout(wait);
  }, [data]);
  const [busy, outcome, , cancel] = useForm(async () => {
    await gql(CANCEL, { id });
    reload();
  }, 'Cancelled.');
  const c = run && run.counts;
  return html`
    <${Section} title="This import" id="import-progress">
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${run && html`
        <dl class="facts">
          <div><dt>From</dt><dd>${sourceName(run.source)}${run.dryRun ? ' (dry run)' : ''}</dd></div>
          <div><dt>Status</dt><dd data-state=${run.status}><${Badge} value=${run.status} tone=${tone(run.status)} /></dd></div>
          <div><dt>Started</dt><dd>${day(run.startedAt)}</dd></div>
        </dl>
        ${run.error && html`<p class="notice error" role="alert">${run.error}</p>`}
        ${running && html`
          <p><label for="import-bar">Imported ${Math.round(run.progress * 100)} %</label>
             <progress id="import-bar" max="1" value=${run.progress}></progress></p>
          <${Writable}><form onSubmit=${cancel}><button type="submit" class="secondary" disabled=${busy}>Cancel the import</button><${Outcome} outcome=${outcome && outcome.error ? outcome : null} /></form><//>`}
        <dl class="facts" aria-label="Counts">
          <div><dt>Partners</dt><dd data-count="import.partners">${c.partners}</dd></div>
          <div><dt>Codes and coupons</dt><dd data-count="import.codes">${c.codes}</dd></div>
          <div><dt>Customers</dt><dd data-count="import.customers">${c.customers}</dd></div>
          <div><dt>Commissions</dt><dd data-count="import.commissions">${c.commissions}</dd></div>
          <div><dt>Recorded already, skipped</dt><dd data-count="import.skipped">${c.skipped}</dd></div>
          <div><dt>Imported before, unchanged</dt><dd data-count="import.unchanged">${c.unchanged}</dd></div>
          <div><dt>Requests made</dt><dd>${c.requests}</dd></div>
        </dl>
        ${!running && html`<${Problems} id=${id} />`}`}
    <//>`;
}

function Problems({ id }) {
  const paged = usePaged(PROBLEMS, { id }, (d) => d.import && d.import.problems);
  return html`
    <h3>Rows not imported</h3>
    <${Paged} paged=${paged} what=${['row', 'rows']} empty="Every row came over.">
      <${TableWrap} label="Rows not imported">
        <table>
          <thead><tr><th scope="col">Entity</th><th scope="col">Id at the source</th><th scope="col">Why</th></tr></thead>
          <tbody>
            ${paged.nodes.map((p) => html`
              <tr data-problem=${p.externalId}><td>${p.entity}</td><th scope="row"><code>${p.externalId}</code></th><td>${p.reason}</td></tr>`)}
          </tbody>
        </table>
      <//>
    <//>`;
}

/** What will not work after the switch until it is set: an import
 * brings partners into the default campaign, whose landing page old links
 * (`/r/{tenant}/{code}`) redirect to, and a short link or its QR code
 * needs a proved link domain to be the brand's own address. */
function AfterSwitch() {
  const { data } = useQuery(AFTER, {});
  if (!data) return null;
  const campaign = data.campaigns.nodes.find((c) => c.isDefault);
  const proved = data.viewer.tenant.linkDomainProofs.some((d) => d.status === 'VERIFIED');
  const warnings = [];
  if (campaign && !campaign.landingUrl) {
    warnings.push(['landing', html`Old links have nowhere to land: the campaign “${campaign.name}” has no landing page, so a click on <code>/r/…/{code}</code> answers “not found” until one is set on <a href=${`#/campaigns?edit=${campaign.id}`}>its page</a> (an import sets it from a source campaign's site when the source publishes one).`]);
  }
  if (!proved) {
    warnings.push(['link-domain', html`No link domain is proved yet: partners' short links and their QR codes use revshare's own address until one is (<a href="#/settings">Settings</a>).`]);
  }
  if (warnings.length === 0) return null;
  return html`
    <${Section} title="Before partners use their old links" id="import-after">
      <ul class="notice">
        ${warnings.map(([name, text]) => html`<li data-warning=${name}>${text}</li>`)}
      </ul>
    <//>`;
}

function Earlier() {
  const paged = usePaged(IMPORTS, {}, (d) => d.imports);
  return html`
    <${Section} title="Imports" id="imports-title">
      <${Paged} paged=${paged} what=${['import', 'imports']} empty="No import yet.">
        <${TableWrap} label="Imports">
          <table>
            <thead><tr><th scope="col">Started</th><th scope="col">From</th><th scope="col">Status</th><th scope="col" class="num">Partners</th><th scope="col" class="num">Commissions</th></tr></thead>
            <tbody>
              ${paged.nodes.map((i) => html`
                <tr data-import=${i.id}>
                  <th scope="row"><a href=${`#/import?id=${i.id}`}>${day(i.startedAt)}</a></th>
                  <td>${sourceName(i.source)}${i.dryRun ? ' (dry run)' : ''}</td>
                  <td><${Badge} value=${i.status} tone=${tone(i.status)} /></td>
                  <td class="num">${i.counts.partners}</td>
                  <td class="num">${i.counts.commissions}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}
