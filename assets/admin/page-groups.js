// Groups: the program's partner groups (tiers) and their rules. A group's
// page edits its rules — conditional ones (SPEC §32) included, their
// condition as a form of tests, groups and negations — with seed 000's simulation beside them (or a sale of
// several lines), run again as the rules change, and saves them with its
// name, tags and minimum payouts. The rules editor is also the backtest's.
import { html, useEffect, useState } from './lib.js';
import { gql } from './api.js';
import { words } from './format.js';
import { Badge, Failure, Field, Loading, Money, NotFound, Outcome, Page, Section, TableWrap, useQuery } from './ui.js';
import { Done, TRAFFIC_SOURCES, TrafficSourcesFields, Writable, minimumsText, parseMinimums, trafficSourcesInput, useForm, useGroups, writable } from './parts.js';
import { ConditionEditor, SAMPLE_WHEN } from './conditions.js';

/** Each rule type: its input field, its words, its parameters `[name, label, kind, required]`. */
const RULES = [
  ['recurring', 'RECURRING', 'Recurring percentage', [['percentage', 'Percentage of each charge', 'decimal', true], ['maxMonths', 'Last customer month paid (optional)', 'int', false]]],
  ['newCustomerTimeTier', 'NEW_CUSTOMER_TIME_TIER', 'New-customer percentage', [['maxMonths', 'Through customer month', 'int', true], ['percentage', 'Percentage', 'decimal', true]]],
  ['partnerLtvUpgrade', 'PARTNER_LTV_UPGRADE', 'Upgrade at a partner LTV', [['minLtvTotal', 'Partner LTV at least', 'decimal', true], ['upgradePercentage', 'Extra percentage points', 'decimal', true]]],
  ['qualifiedCustomersUpgrade', 'QUALIFIED_CUSTOMERS_UPGRADE', 'Upgrade at paying customers', [['minCustomers', 'Paying customers at least', 'int', true], ['upgradePercentage', 'Extra percentage points', 'decimal', true]]],
  ['chargeThresholdBonus', 'CHARGE_THRESHOLD_BONUS', 'Bonus on a large charge', [['minChargeTotal', 'Charge at least', 'decimal', true], ['bonus', 'Bonus', 'decimal', true]]],
  ['firstPaidCustomerBonus', 'FIRST_PAID_CUSTOMER_BONUS', 'First paying customer bonus', [['bonus', 'Bonus', 'decimal', true]]],
  ['flatFee', 'FLAT_FEE', 'Flat fee per event', [['amount', 'Amount', 'decimal', true], ['eventKind', 'For each', 'event', true]]],
  ['conditional', 'CONDITIONAL', 'Conditional: pays the lines a condition holds of', [
    ['when', 'Condition', 'condition', true],
    ['pays', 'Pays each line', 'pays', true],
    ['value', 'Percentage or amount', 'decimal', false],
    ['maxMonths', 'Last customer month paid (optional)', 'int', false],
    ['keepUpgrades', 'Upgrades add to its percentage', 'yesno', true],
  ]],
];

/** What a conditional rule pays, as the editor offers it. */
const PAYS = [['percentage', 'A percentage'], ['amount', 'A flat amount'], ['perUnit', 'A flat amount per unit'], ['nothing', 'Nothing']];

/** A conditional rule's editor values from the API's rule. */
function conditionalValues(rule) {
  const then = rule.then || {};
  const pays = then.nothing ? 'nothing' : then.percentage !== null && then.percentage !== undefined ? 'percentage' : then.perUnit ? 'perUnit' : 'amount';
  return {
    when: rule.whenInput,
    pays,
    value: String((pays === 'percentage' ? then.percentage : then.amount) ?? ''),
    maxMonths: then.maxMonths === null || then.maxMonths === undefined ? '' : String(then.maxMonths),
    keepUpgrades: then.keepUpgrades === false ? 'false' : 'true',
  };
}

/** A conditional row's `ConditionalRuleInput`. */
function conditionalInput(values) {
  const then = {};
  if (values.pays === 'nothing') then.nothing = true;
  else if (values.pays === 'percentage') then.percentage = values.value.trim();
  else then.amount = values.value.trim();
  if (values.pays === 'perUnit') then.perUnit = true;
  if (values.maxMonths.trim() !== '') then.maxMonths = Number(values.maxMonths);
  if (values.keepUpgrades === 'false') then.keepUpgrades = false;
  return { when: values.when, then };
}

/** A rule's fields as the API answers them (`maxMonths` differs in type between two rules: aliased). */
export const RULE_FIELDS = `type description
  ... on RecurringRule { percentage maxMonths }
  ... on NewCustomerTimeTierRule { percentage tierMaxMonths: maxMonths }
  ... on PartnerLtvUpgradeRule { minLtvTotal upgradePercentage }
  ... on QualifiedCustomersUpgradeRule { minCustomers upgradePercentage }
  ... on ChargeThresholdBonusRule { minChargeTotal bonus }
  ... on FirstPaidCustomerBonusRule { bonus }
  ... on FlatFeeRule { amount eventKind }
  ... on ConditionalRule { whenInput summary then { percentage amount perUnit maxMonths nothing keepUpgrades } }`;

/** The UTM values a group's links add. */
const UTM = ['source', 'medium', 'campaign', 'term', 'content'];

let keys = 0;

/** The editor's rows of a group's (or a campaign's) rules. */
export function rulesToRows(rules) {
  return (rules || []).map((rule) => {
    const [kind, , , params] = RULES.find(([, type]) => type === rule.type);
    if (kind === 'conditional') return { key: ++keys, kind, description: rule.description || '', values: conditionalValues(rule), summary: rule.summary };
    const values = Object.fromEntries(params.map(([name]) => {
      const value = kind === 'newCustomerTimeTier' && name === 'maxMonths' ? rule.tierMaxMonths : rule[name];
      return [name, value === null || value === undefined ? '' : String(value)];
    }));
    return { key: ++keys, kind, description: rule.description || '', values };
  });
}

function emptyRow(kind) {
  const [, , , params] = RULES.find(([k]) => k === kind);
  if (kind === 'conditional') return { key: ++keys, kind, description: '', values: { when: SAMPLE_WHEN, pays: 'percentage', value: '', maxMonths: '', keepUpgrades: 'true' } };
  return { key: ++keys, kind, description: '', values: Object.fromEntries(params.map(([name, , type]) => [name, type === 'event' ? 'SALE' : ''])) };
}

/** Every required parameter filled in. */
function rowsComplete(rows) {
  return rows.every((row) => (row.kind === 'conditional'
    ? row.values.pays === 'nothing' || row.values.value.trim() !== ''
    : RULES.find(([k]) => k === row.kind)[3].every(([name, , , required]) => !required || row.values[name].trim() !== '')));
}

/** The rows as `[GroupRuleInput!]`. */
export function rowsToInput(rows) {
  return rows.map((row) => {
    const [, , , params] = RULES.find(([k]) => k === row.kind);
    if (row.kind === 'conditional') {
      const fields = conditionalInput(row.values);
      if (row.description.trim()) fields.description = row.description.trim();
      return { conditional: fields };
    }
    const fields = {};
    for (const [name, , type] of params) {
      const value = row.values[name].trim();
      if (value !== '') fields[name] = type === 'int' ? Number(value) : value;
    }
    if (row.description.trim()) fields.description = row.description.trim();
    return { [row.kind]: fields };
  });
}

/** Where an API error about rules points: `{ index, param }` (`input.rules[1].recurring.percentage`). */
export function ruleErrorAt(error) {
  const found = error && error.field && /rules(?:\[(\d+)\](?:\.\w+\.(\w+)([.[].*)?)?)?$/.exec(error.field);
  if (!found) return null;
  // A condition's error names where in it: `when.any[2].test.value`.
  const within = found[3] ? `${found[2]}${found[3]}: ` : '';
  return { index: found[1] === undefined ? null : Number(found[1]), param: found[2] || null, message: `${within}${error.message}` };
}

/** Rules edited in place: `rows`, `setRows(next)`; `error` an API error to show where it points. */
export function RulesEditor({ id, rows, setRows, error, disabled }) {
  const at = ruleErrorAt(error);
  const change = (index, next) => setRows(rows.map((row, i) => (i === index ? { ...row, ...next } : row)));
  return html`
    <div class="rules-editor">
      ${at && at.index === null && html`<p class="field-error" role="alert">${at.message}</p>`}
      <ol class="rules">
        ${rows.map((row, index) => html`
          <li key=${row.key}>
            <${RuleFields} id=${`${id}-${row.key}`} row=${row} index=${index} disabled=${disabled}
                           at=${at && at.index === index ? at : null}
                           change=${(next) => change(index, next)}
                           remove=${() => setRows(rows.filter((_, i) => i !== index))} />
          </li>`)}
      </ol>
      ${!disabled && html`<button type="button" class="secondary small" onClick=${() => setRows([...rows, emptyRow(rows.length ? 'newCustomerTimeTier' : 'recurring')])}>Add a rule</button>`}
    </div>`;
}

function RuleFields({ id, row, index, at, change, remove, disabled }) {
  const [, , , params] = RULES.find(([k]) => k === row.kind);
  const kinds = (a) => html`
    <select value=${row.kind} disabled=${disabled} onChange=${(e) => change({ kind: e.target.value, values: emptyRow(e.target.value).values })} ...${a}>
      ${RULES.map(([k, , label]) => html`<option value=${k}>${label}</option>`)}
    </select>`;
  const set = (name) => (e) => change({ values: { ...row.values, [name]: e.target.value } });
  const input = (name, type) => (a) => (type === 'event'
    ? html`<select value=${row.values[name]} disabled=${disabled} onChange=${set(name)} ...${a}>
             <option value="SALE">Sale</option><option value="LEAD">Lead</option></select>`
    : type === 'pays'
    ? html`<select value=${row.values[name]} disabled=${disabled} onChange=${set(name)} ...${a}>
             ${PAYS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}</select>`
    : type === 'yesno'
    ? html`<select value=${row.values[name]} disabled=${disabled} onChange=${set(name)} ...${a}>
             <option value="true">Yes</option><option value="false">No</option></select>`
    : html`<input value=${row.values[name]} disabled=${disabled} inputmode=${type === 'int' ? 'numeric' : 'decimal'} autocomplete="off"
                  onInput=${(e) => change({ values: { ...row.values, [name]: e.target.value } })} ...${a} />`);
  return html`
    <fieldset class="rule" data-rule=${row.kind}>
      <legend>Rule ${index + 1}</legend>
      <${Field} id=${`${id}-kind`} label="Kind">${kinds}<//>
      ${params.map(([name, label, type]) => (type === 'condition'
        ? html`<${ConditionEditor} id=${`${id}-${name}`} value=${row.values[name]} disabled=${disabled}
                 error=${at && at.param === name ? at.message : null}
                 onChange=${(when) => change({ values: { ...row.values, [name]: when } })} />`
        : html`<${Field} id=${`${id}-${name}`} label=${label} error=${at && at.param === name ? at.message : null}>${input(name, type)}<//>`))}
      <${Field} id=${`${id}-description`} label="Description (optional)">
        ${(a) => html`<input value=${row.description} disabled=${disabled} onInput=${(e) => change({ description: e.target.value })} ...${a} />`}
      <//>
      ${row.kind === 'conditional' && row.summary && html`<p class="hint" data-summary>As saved: ${row.summary}.</p>`}
      ${at && !params.some(([name]) => name === at.param) && html`<p class="field-error">${at.message}</p>`}
      ${!disabled && html`<p><button type="button" class="secondary small" onClick=${remove}>Remove rule ${index + 1}</button></p>`}
    </fieldset>`;
}

// ---------------------------------------------------------------------

const CREATE = `mutation CreateGroup($input: CreatePartnerGroupInput!) { createPartnerGroup(input: $input) { id } }`;

export function Groups() {
  const { groups, error, loading } = useGroups();
  return html`
    <${Page} title="Groups" intro="Each partner is in one group; a group's rules decide what its partners earn.">
      ${loading && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${groups && html`
        <${TableWrap} label="Groups">
          <table>
            <thead><tr><th scope="col">Group</th><th scope="col">Rules</th><th scope="col">Tags</th><th scope="col" class="num">Partners</th></tr></thead>
            <tbody>
              ${groups.map((g) => html`
                <tr data-group=${g.id}>
                  <th scope="row"><a href=${`#/groups/${encodeURIComponent(g.id)}`}>${g.name}</a>${g.isDefault && html` <${Badge} value="DEFAULT" tone="approved" label="default" />`}
                    ${g.description && html`<span class="muted block">${g.description}</span>`}</th>
                  <td>${g.rules.map((r) => words(r.type)).join(', ')}</td>
                  <td>${g.tags.join(', ') || '—'}</td>
                  <td class="num"><a href=${`#/partners?group=${encodeURIComponent(g.id)}`}>${g.partnerCount}<span class="visually-hidden"> partners in ${g.name}</span></a></td>
                </tr>`)}
            </tbody>
          </table>
        <//>`}
      <${Writable}><${NewGroup} /><//>
    <//>`;
}

function NewGroup() {
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const input = { name: form.get('name'), rules: [{ recurring: { percentage: form.get('percentage') } }] };
    const made = await gql(CREATE, { input });
    location.hash = `#/groups/${encodeURIComponent(made.createPartnerGroup.id)}`;
  }, 'The group is made.');
  return html`
    <${Section} title="New group" id="new-group-title">
      <form class="stack" onSubmit=${submit}>
        <${Field} id="group-new-name" label="Name" error=${fieldError('name')}>${(a) => html`<input name="name" required ...${a} />`}<//>
        <${Field} id="group-new-percentage" label="Recurring percentage" hint="Other rules are added on the group's page." error=${fieldError('percentage')}>
          ${(a) => html`<input name="percentage" required inputmode="decimal" defaultValue="10" ...${a} />`}
        <//>
        <p><button type="submit" disabled=${busy}>Create the group</button></p>
        <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
      </form>
    <//>`;
}

const GROUP = `query Group($id: ID!) {
  partnerGroup(id: $id) {
    id name description externalId tags isDefault partnerCount
    minimumPayout { amount currency }
    links { destination allowedDomains maxPartnerLinks param utm { source medium campaign term content } }
    referral { trigger percentage amount threshold maxMonths }
    cap { amount currency period per }
    ${TRAFFIC_SOURCES}
    rules { ${RULE_FIELDS} }
  }
}`;

const UPDATE = `mutation UpdateGroup($id: ID!, $input: UpdatePartnerGroupInput!) { updatePartnerGroup(id: $id, input: $input) { id } }`;

const SIMULATE = `mutation Simulate($rules: [GroupRuleInput!]!, $simulation: SimulationInput!) {
  simulatePartnerGroupRules(rules: $rules, simulation: $simulation) {
    finalFee currency effectivePercentage unroundedFee partnershipEnded
    breakdown { ruleIndex type description percentage amount }
    lines { line { externalId productId } rule condition percentage amount }
  }
}`;

export function GroupPage({ id }) {
  const { data, error, loading, reload } = useQuery(GROUP, { id });
  const [done, setDone] = useState(null);
  const group = data && data.partnerGroup;
  const saved = () => {
    setDone('The group is saved.');
    reload();
  };
  return html`
    <${Page} title=${group ? group.name : 'Group'}>
      <p><a href="#/groups">Back to the groups</a></p>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && !group && html`<${NotFound} what="group" back="#/groups" backLabel="Back to the groups" />`}
      <${Done} message=${done} />
      ${group && html`<${GroupEditor} key=${group.id} group=${group} saved=${saved} />`}
    <//>`;
}

function GroupEditor({ group, saved }) {
  const [rows, setRows] = useState(() => rulesToRows(group.rules));
  const [simError, setSimError] = useState(null);
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const input = {
      name: form.get('name'),
      description: form.get('description') || null,
      externalId: form.get('externalId') || null,
      tags: form.get('tags').split(',').map((t) => t.trim()).filter(Boolean),
      rules: rowsToInput(rows),
      minimumPayout: parseMinimums(form.get('minimumPayout')),
      links: {
        destination: form.get('linkDestination') || null,
        allowedDomains: form.get('linkDomains').split(',').map((d) => d.trim()).filter(Boolean),
        maxPartnerLinks: Number(form.get('linkMax')),
        param: form.get('linkParam') || null,
        utm: Object.fromEntries(UTM.map((name) => [name, form.get(`utm-${name}`) || null])),
      },
    };
    input.referral = referralInput(form);
    input.cap = capInput(form);
    input.trafficSources = trafficSourcesInput(form);
    if (form.get('isDefault') === 'on' && !group.isDefault) input.isDefault = true;
    await gql(UPDATE, { id: group.id, input });
    saved();
  }, 'The group is saved.');
  const saveError = outcome && outcome.error;
  const disabled = !writable();
  return html`
    <p class="muted"><a href=${`#/partners?group=${encodeURIComponent(group.id)}`}>${group.partnerCount} partners</a> in this group.</p>
    <div class="split">
      <form onSubmit=${submit} class="group-form">
        <${Section} title="Rules" id="group-rules">
          <${RulesEditor} id="group-rule" rows=${rows} setRows=${setRows} disabled=${disabled}
                          error=${ruleErrorAt(saveError) ? saveError : simError} />
        <//>
        <${Section} title="Group" id="group-details">
          <fieldset class="stack plain" disabled=${disabled}>
            <legend class="visually-hidden">The group's details</legend>
            <${Field} id="group-name" label="Name" error=${fieldError('name')}>${(a) => html`<input name="name" required defaultValue=${group.name} ...${a} />`}<//>
            <${Field} id="group-description" label="Description" error=${fieldError('description')}>${(a) => html`<input name="description" defaultValue=${group.description || ''} ...${a} />`}<//>
            <${Field} id="group-external" label="Your id (optional)" error=${fieldError('externalId')}>${(a) => html`<input name="externalId" defaultValue=${group.externalId || ''} ...${a} />`}<//>
            <${Field} id="group-tags" label="Tags" hint="Separated by commas." error=${fieldError('tags')}>${(a) => html`<input name="tags" defaultValue=${group.tags.join(', ')} ...${a} />`}<//>
            <${Field} id="group-minimums" label="Minimum payouts" hint="Such as 25 USD, 20 EUR. Empty: the program's." error=${fieldError('minimumPayout')}>
              ${(a) => html`<input name="minimumPayout" defaultValue=${minimumsText(group.minimumPayout)} ...${a} />`}
            <//>
            <label class="choice"><input type="checkbox" name="isDefault" defaultChecked=${group.isDefault} disabled=${group.isDefault} />
              The default group${group.isDefault ? ' (another group made default takes its place)' : ' (new partners join it)'}</label>
          </fieldset>
        <//>
        <${Section} title="Partner links" id="group-links">
          <fieldset class="stack plain" disabled=${disabled}>
            <legend class="visually-hidden">How the group's partners' short links work</legend>
            <${Field} id="group-link-destination" label="Destination" hint="Where a link without a URL of its own leads (https)." error=${fieldError('destination')}>
              ${(a) => html`<input name="linkDestination" type="url" defaultValue=${group.links.destination} ...${a} />`}<//>
            <${Field} id="group-link-domains" label="Allowed domains" hint="A partner's own URL may be on these (and their subdomains), separated by commas." error=${fieldError('allowedDomains')}>
              ${(a) => html`<input name="linkDomains" defaultValue=${group.links.allowedDomains.join(', ')} ...${a} />`}<//>
            <${Field} id="group-link-max" label="Active links a partner" error=${fieldError('maxPartnerLinks')}>
              ${(a) => html`<input name="linkMax" inputmode="numeric" defaultValue=${group.links.maxPartnerLinks} ...${a} />`}<//>
            <${Field} id="group-link-param" label="Parameter" hint="Names the partner on your site: ?via=jane." error=${fieldError('param')}>
              ${(a) => html`<input name="linkParam" defaultValue=${group.links.param} ...${a} />`}<//>
            ${UTM.map((name) => html`
              <${Field} id=${`group-utm-${name}`} label=${`utm_${name}`} hint=${name === 'source' ? 'Added where the URL has none; {partner} is the link\'s key.' : null} error=${fieldError(name)}>
                ${(a) => html`<input name=${`utm-${name}`} defaultValue=${group.links.utm[name] || ''} ...${a} />`}<//>`)}
          </fieldset>
          <${TrafficSourcesFields} id="group" sources=${group.trafficSources} fieldError=${fieldError} disabled=${disabled} />
        <//>
        <${Section} title="Referrals" id="group-referral">
          <fieldset class="stack plain" disabled=${disabled}>
            <legend class="visually-hidden">What the group's partners earn on the partners they recruit</legend>
            <${Field} id="group-referral-trigger" label="Partners earn on their recruits" error=${fieldError('referral.trigger')}>
              ${(a) => html`
                <select name="referralTrigger" defaultValue=${group.referral ? group.referral.trigger : ''} ...${a}>
                  <option value="">Nothing</option>
                  <option value="COMMISSION">A percentage of each commission</option>
                  <option value="SALE">A percentage of each sale</option>
                  <option value="APPROVED">An amount when a recruit is approved</option>
                  <option value="THRESHOLD">An amount when a recruit's commissions reach a total</option>
                </select>`}<//>
            <${Field} id="group-referral-percentage" label="Percentage" hint="For a percentage." error=${fieldError('referral.percentage')}>
              ${(a) => html`<input name="referralPercentage" inputmode="decimal" defaultValue=${(group.referral && group.referral.percentage) || ''} ...${a} />`}<//>
            <${Field} id="group-referral-amount" label="Amount" hint="For an amount, in the recruit's commission's currency." error=${fieldError('referral.amount')}>
              ${(a) => html`<input name="referralAmount" inputmode="decimal" defaultValue=${(group.referral && group.referral.amount) || ''} ...${a} />`}<//>
            <${Field} id="group-referral-threshold" label="Total to reach" hint="For an amount at a total." error=${fieldError('referral.threshold')}>
              ${(a) => html`<input name="referralThreshold" inputmode="decimal" defaultValue=${(group.referral && group.referral.threshold) || ''} ...${a} />`}<//>
            <${Field} id="group-referral-months" label="For months" hint="From the recruit's first commission; empty: for as long as both are partners." error=${fieldError('referral.maxMonths')}>
              ${(a) => html`<input name="referralMonths" inputmode="numeric" defaultValue=${(group.referral && group.referral.maxMonths) || ''} ...${a} />`}<//>
          </fieldset>
        <//>
        <${Section} title="Spend cap" id="group-cap">
          <fieldset class="stack plain" disabled=${disabled}>
            <legend class="visually-hidden">The most each of the group's partners earns in a period</legend>
            <${Field} id="group-cap-amount" label="Cap" hint="Empty: no cap. Commissions are cut to what is left of it." error=${fieldError('cap.amount')}>
              ${(a) => html`<input name="capAmount" inputmode="decimal" defaultValue=${(group.cap && group.cap.amount) || ''} ...${a} />`}<//>
            <${Field} id="group-cap-currency" label="Currency" error=${fieldError('cap.currency')}>
              ${(a) => html`<input name="capCurrency" defaultValue=${(group.cap && group.cap.currency) || 'USD'} ...${a} />`}<//>
            <${Field} id="group-cap-period" label="Per" error=${fieldError('cap.period')}>
              ${(a) => html`
                <select name="capPeriod" defaultValue=${group.cap ? group.cap.period : 'MONTH'} ...${a}>
                  <option value="DAY">Day</option>
                  <option value="WEEK">Week (from Monday)</option>
                  <option value="MONTH">Month</option>
                  <option value="ALL_TIME">All time</option>
                </select>`}<//>
            <${Field} id="group-cap-per" label="Counted" error=${fieldError('cap.per')}>
              ${(a) => html`
                <select name="capPer" defaultValue=${group.cap ? group.cap.per : 'PARTNER'} ...${a}>
                  <option value="PARTNER">Per partner</option>
                  <option value="PARTNER_AND_CUSTOMER">Per partner and customer</option>
                </select>`}<//>
          </fieldset>
        <//>
        <${Writable} note="an admin changes a group's rules.">
          <p><button type="submit" disabled=${busy}>Save the group</button></p>
          ${saveError && html`<${Outcome} outcome=${outcome} />`}
        <//>
      </form>
      <${Simulation} rows=${rows} onError=${setSimError} />
    </div>`;
}

/** The referral rule the form sets: only the fields its trigger reads. */
function referralInput(form) {
  const trigger = form.get('referralTrigger');
  if (!trigger) return null;
  const text = (name) => (form.get(name) || '').trim() || null;
  const months = text('referralMonths');
  return {
    trigger,
    percentage: trigger === 'COMMISSION' || trigger === 'SALE' ? text('referralPercentage') : null,
    amount: trigger === 'APPROVED' || trigger === 'THRESHOLD' ? text('referralAmount') : null,
    threshold: trigger === 'THRESHOLD' ? text('referralThreshold') : null,
    maxMonths: months === null ? null : Number(months),
  };
}

/** The spend cap the form sets; none without an amount. */
function capInput(form) {
  const amount = (form.get('capAmount') || '').trim();
  if (!amount) return null;
  return {
    amount,
    currency: (form.get('capCurrency') || '').trim().toUpperCase(),
    period: form.get('capPeriod'),
    per: form.get('capPer'),
  };
}

/** Seed 000's example: 25 % for 3 months then 10 %, a charge of 299.9 in month 2, LTV 4500. */
const SEED = { chargeAmount: '299.9', customerMonths: '2', partnerLtv: '4500', qualifiedCustomers: '0', firstPaidCustomerBootstrap: false, customerHadThresholdBonus: false, eventKind: 'SALE', lines: '' };

/** SPEC §32's sample sale: a yearly plan, a monthly add-on and hardware. */
const SAMPLE_LINES = 'prod_pro YEAR 1200.00\nprod_seats MONTH 30.00\nprod_hw ONE_TIME 100.00';

/** The sale's lines, one a row: `product interval amount [quantity]` (none: the whole charge). */
function linesInput(text) {
  const rows = text.split('\n').map((row) => row.trim()).filter(Boolean);
  if (!rows.length) return null;
  return rows.map((row) => {
    const [productId, planInterval, amount, quantity] = row.split(/\s+/);
    return { productId, planInterval, amount, quantity: quantity === undefined ? 1 : Number(quantity) };
  });
}

function simulationInput(sim) {
  return {
    chargeAmount: sim.chargeAmount.trim() || null,
    customerMonths: Number(sim.customerMonths),
    partnerLtv: sim.partnerLtv.trim() || null,
    qualifiedCustomers: Number(sim.qualifiedCustomers || 0),
    firstPaidCustomerBootstrap: sim.firstPaidCustomerBootstrap,
    customerHadThresholdBonus: sim.customerHadThresholdBonus,
    eventKind: sim.eventKind,
    lines: linesInput(sim.lines),
  };
}

/** The rules on a charge, run again (300 ms after the last change) whenever they or the charge change. */
export function Simulation({ rows, onError }) {
  const [sim, setSim] = useState(SEED);
  const [state, setState] = useState({ result: null, error: null });
  const ready = rowsComplete(rows) && Number.isInteger(Number(sim.customerMonths)) && sim.customerMonths !== '';
  useEffect(() => {
    if (!writable() || !ready) return undefined;
    let live = true;
    const wait = setTimeout(() => {
      gql(SIMULATE, { rules: rowsToInput(rows), simulation: simulationInput(sim) })
        .then((data) => live && setState({ result: data.simulatePartnerGroupRules, error: null }))
        .catch((error) => live && setState((s) => ({ result: s.result, error })));
    }, 300);
    return () => {
      live = false;
      clearTimeout(wait);
    };
  }, [JSON.stringify(rowsToInput(rows)), JSON.stringify(sim), ready]);
  useEffect(() => onError(state.error && ruleErrorAt(state.error) ? state.error : null), [state.error]);
  const set = (name) => (e) => setSim({ ...sim, [name]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const simError = state.error && !ruleErrorAt(state.error) ? state.error : null;
  const at = (name) => (simError && simError.field && simError.field.endsWith(`.${name}`) ? simError.message : null);
  const text = (name, label, hint) => html`
    <${Field} id=${`sim-${name}`} label=${label} hint=${hint} error=${at(name)}>
      ${(a) => html`<input value=${sim[name]} onInput=${set(name)} inputmode="decimal" autocomplete="off" ...${a} />`}<//>`;
  return html`
    <${Section} title="Simulation" id="group-simulation">
      ${!writable()
        ? html`<p class="notice read-only" role="note">Read-only: the simulation is a mutation of the API, which a viewer may not run.</p>`
        : html`
          <fieldset class="stack plain sim-inputs">
            <legend>A charge to try the rules on</legend>
            ${text('chargeAmount', 'Charge', 'Ignored for a lead.')}
            ${text('customerMonths', 'Customer month', '1 in the month the customer was acquired.')}
            ${text('partnerLtv', "Partner's LTV before it")}
            ${text('qualifiedCustomers', "Partner's paying customers before it")}
            <${Field} id="sim-eventKind" label="Event">${(a) => html`<select value=${sim.eventKind} onChange=${set('eventKind')} ...${a}><option value="SALE">Sale</option><option value="LEAD">Lead</option></select>`}<//>
            <label class="choice"><input type="checkbox" checked=${sim.firstPaidCustomerBootstrap} onChange=${set('firstPaidCustomerBootstrap')} /> The partner's first paying customer's first charge</label>
            <label class="choice"><input type="checkbox" checked=${sim.customerHadThresholdBonus} onChange=${set('customerHadThresholdBonus')} /> The customer already had a charge-threshold bonus</label>
            <${Field} id="sim-lines" label="Lines (optional)" hint="One a row: product, interval (DAY, WEEK, MONTH, YEAR, ONE_TIME), amount, and a quantity if more than 1. They sum to the charge." error=${at('lines')}>
              ${(a) => html`<textarea value=${sim.lines} onInput=${set('lines')} rows="3" spellcheck="false" class="code" ...${a}></textarea>`}<//>
            <p><button type="button" class="secondary small" onClick=${() => setSim({ ...sim, chargeAmount: '1330.00', customerMonths: '1', lines: SAMPLE_LINES })}>Try a sale of three lines</button></p>
          </fieldset>
          ${!ready && html`<p class="hint">Fill in every rule's figures to see what they pay.</p>`}
          ${simError && html`<${Failure} error=${simError} />`}
          <${SimulationResult} result=${state.result} />`}
    <//>`;
}

function SimulationResult({ result }) {
  return html`
    <div class="sim-result">
      <p role="status" data-state="simulation">${result && html`Pays <strong><${Money} amount=${result.finalFee} currency=${result.currency} figure="simulation.finalFee" /></strong>${' '}
        (${result.effectivePercentage} % of the charge)`}</p>
      ${result && result.partnershipEnded && html`<p class="notice">The recurring rule's last month has passed: nothing is earned.</p>`}
      ${result && result.breakdown.length > 0 && html`
        <${TableWrap} label="What each rule contributed">
          <table>
            <thead><tr><th scope="col">Rule</th><th scope="col" class="num">Percentage</th><th scope="col" class="num">Amount</th></tr></thead>
            <tbody>
              ${result.breakdown.map((line, i) => html`
                <tr>
                  <th scope="row">${line.ruleIndex + 1}. ${line.description || words(line.type)}</th>
                  <td class="num">${line.percentage === null ? '—' : `${line.percentage} %`}</td>
                  <td class="num"><${Money} amount=${line.amount} currency=${result.currency} figure=${`simulation.rule.${i}`} /></td>
                </tr>`)}
            </tbody>
          </table>
        <//>
        <p class="hint">Before rounding: ${result.unroundedFee} ${result.currency}.</p>`}
      ${result && result.lines.length > 0 && html`
        <${TableWrap} label="What each line earned">
          <table data-table="simulation-lines">
            <thead><tr><th scope="col">Line</th><th scope="col">Rule</th><th scope="col">Condition</th><th scope="col" class="num">Percentage</th><th scope="col" class="num">Amount</th></tr></thead>
            <tbody>
              ${result.lines.map((line, i) => html`
                <tr>
                  <th scope="row">${line.line.externalId}. ${line.line.productId ?? 'the whole sale'}</th>
                  <td>${line.rule}</td>
                  <td>${line.condition || '—'}</td>
                  <td class="num">${line.percentage === null ? '—' : `${line.percentage} %`}</td>
                  <td class="num"><${Money} amount=${line.amount} currency=${result.currency} figure=${`simulation.line.${i}`} /></td>
                </tr>`)}
            </tbody>
          </table>
        <//>`}
    </div>`;
}
