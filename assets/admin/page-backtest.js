// Backtest (SPEC §23): what a range of past events would have earned
// under one proposed change — a group's or a campaign's rules, a deal
// plan's values, a tier's modifier — beside what the ledger holds for
// them, partner by partner. Nothing is written to the ledger. The
// backtest shown is in the address (`#/backtest?id=…`), so a reload
// finds it again while it is kept (7 days); a long one runs in the
// background and is followed here until it ends.
import { html, useEffect, useState } from './lib.js';
import { gql } from './api.js';
import { words } from './format.js';
import { Badge, Failure, Field, Loading, Money, NotFound, Outcome, Section, Page, TableWrap, useQuery } from './ui.js';
import { Paged, Writable, day, dayStart, today, tone, useForm, useGroups, useParams, usePaged } from './parts.js';
import { RULE_FIELDS, RulesEditor, rulesToRows, rowsToInput } from './page-groups.js';

const KINDS = [['group', "A group's rules"], ['campaign', "A campaign's rules"], ['plan', "A deal plan's values"], ['tier', "A tier's modifier and bonus"]];

const LISTS = {
  campaign: [`query Campaigns { campaigns(first: 100) { nodes { id name } } }`, (d) => d.campaigns && d.campaigns.nodes],
  plan: [`query Plans { commissionPlans(first: 100) { nodes { id name: label } } }`, (d) => d.commissionPlans && d.commissionPlans.nodes],
  tier: [`query Tiers { tieredCommissions(first: 100) { nodes { id name } } }`, (d) => d.tieredCommissions && d.tieredCommissions.nodes],
};

/** The input field naming each kind's subject. */
const ID_FIELD = { group: 'groupId', campaign: 'campaignId', plan: 'planId', tier: 'tieredCommissionId' };

const RULES_OF = {
  group: `query GroupRules($id: ID!) { subject: partnerGroup(id: $id) { id rules { ${RULE_FIELDS} } } }`,
  campaign: `query CampaignRules($id: ID!) { subject: campaign(id: $id) { id rules { ${RULE_FIELDS} } } }`,
};

const SCALING = 'customField { id } tiers { option { id } value }';
const CALC = `value numberOfOccurrences scaling { ${SCALING} } periodRates { periodNumber startOccurrence endOccurrence value scaling { ${SCALING} } }`;

const PLAN = `query Plan($id: ID!) {
  commissionPlan(id: $id) {
    id label partnerType paymentTarget autoAssignRecipient currency
    groups { id } categories { id } partners { id }
    entries { paymentStage { id name } calculation { oneOff { ${CALC} } recurring { ${CALC} } split { oneOff { ${CALC} } recurring { ${CALC} } } } }
  }
}`;

const MODIFIER = 'action value';
const METRICS = 'payout revenue saleAmount conversions events';

const TIER = `query Tier($id: ID!) {
  tieredCommission(id: $id) {
    id name notes status startDate endDate period applyToAllPartners bonus
    partners { id } campaigns { id } promoteToGroup { id }
    payout { ${MODIFIER} } revenue { ${MODIFIER} } retroactivePayout { ${MODIFIER} } retroactiveRevenue { ${MODIFIER} }
    goals { ${METRICS} } maxima { ${METRICS} }
  }
}`;

const START = `mutation Start($input: StartBacktestInput!) { startBacktest(input: $input) { id status } }`;

export function Backtest() {
  const [params, setParams] = useParams();
  return html`
    <${Page} title="Backtest" intro="Replay the events of a range under one proposed change and compare, partner by partner, what they earned with what they would have earned. Nothing is written to the ledger.">
      <${Writable} note="a backtest is started by a mutation of the API, which a viewer may not run; a viewer reads one by its address.">
        <${StartForm} started=${(id) => setParams({ id })} />
      <//>
      ${params.id && html`<${Result} key=${params.id} id=${params.id} order=${params.order || 'DIFFERENCE_DESC'}
                                   setOrder=${(order) => setParams({ ...params, order })} />`}
    <//>`;
}

function StartForm({ started }) {
  const [kind, setKind] = useState('group');
  const [subject, setSubject] = useState('');
  const [change, setChange] = useState(null);
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const input = { from: dayStart(form.get('from')), to: dayStart(form.get('to'), true), ...change };
    const made = await gql(START, { input });
    started(made.startBacktest.id);
  }, 'Started.');
  const pick = (next) => {
    setKind(next);
    setSubject('');
    setChange(null);
  };
  return html`
    <${Section} title="A change to try" id="backtest-start">
      <form class="stack wide" onSubmit=${submit}>
        <div class="filters">
          <${Field} id="backtest-from" label="Events from" error=${fieldError('from')}>${(a) => html`<input type="date" name="from" required defaultValue=${today(-90)} ...${a} />`}<//>
          <${Field} id="backtest-to" label="To (included)" error=${fieldError('to')}>${(a) => html`<input type="date" name="to" required defaultValue=${today()} ...${a} />`}<//>
        </div>
        <fieldset>
          <legend>What changes</legend>
          ${KINDS.map(([value, label]) => html`
            <label class="choice"><input type="radio" name="kind" value=${value} checked=${kind === value} onChange=${() => pick(value)} /> ${label}</label>`)}
        </fieldset>
        <${SubjectSelect} kind=${kind} value=${subject} setValue=${(id) => { setSubject(id); setChange(null); }} error=${fieldError(ID_FIELD[kind])} />
        ${subject && (kind === 'group' || kind === 'campaign') && html`<${RulesChange} key=${subject} kind=${kind} id=${subject} onChange=${setChange} error=${outcome && outcome.error} />`}
        ${subject && kind === 'plan' && html`<${PlanChange} key=${subject} id=${subject} onChange=${setChange} />`}
        ${subject && kind === 'tier' && html`<${TierChange} key=${subject} id=${subject} onChange=${setChange} fieldError=${fieldError} />`}
        <p><button type="submit" disabled=${busy || !change}>Start the backtest</button></p>
        <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
      </form>
    <//>`;
}

const nothing = async () => null;

function SubjectSelect({ kind, value, setValue, error }) {
  const { groups } = useGroups();
  const [query, pick] = LISTS[kind] || ['', null];
  const listed = useQuery(query, {}, pick ? undefined : nothing);
  const options = kind === 'group' ? groups : listed.data && pick ? pick(listed.data) : null;
  const label = KINDS.find(([k]) => k === kind)[1].replace(/^A |'s .*$/g, '');
  return html`
    ${listed.error && html`<${Failure} error=${listed.error} />`}
    <${Field} id="backtest-subject" label=${`Which ${label}`} error=${error}>
      ${(a) => html`
        <select value=${value} onChange=${(e) => setValue(e.target.value)} ...${a}>
          <option value="">Choose…</option>
          ${(options || []).map((o) => html`<option value=${o.id}>${o.name}</option>`)}
        </select>`}
    <//>`;
}

function RulesChange({ kind, id, onChange, error }) {
  const query = RULES_OF[kind];
  const idField = ID_FIELD[kind];
  const { data, error: failed } = useQuery(query, { id });
  const [rows, setRows] = useState(null);
  useEffect(() => {
    if (data && data.subject) setRows(rulesToRows(data.subject.rules));
  }, [data]);
  useEffect(() => {
    if (rows) onChange({ [idField]: id, rules: rowsToInput(rows) });
  }, [rows]);
  if (failed) return html`<${Failure} error=${failed} />`;
  if (!rows) return html`<${Loading} />`;
  return html`
    <p class="hint">As they are, the replay should match the ledger to the cent: change them to see what the change would have cost.</p>
    <${RulesEditor} id="backtest-rule" rows=${rows} setRows=${setRows} error=${error} />`;
}

// A plan's values edited in place; everything else it holds goes back as it is.
const scalingInput = (s) => (s ? { customFieldId: s.customField.id, tiers: s.tiers.map((t) => ({ optionId: t.option.id, value: t.value })) } : null);
const oneOffInput = (c, value) => ({ value, scaling: scalingInput(c.scaling) });
const recurringInput = (c, value) => ({
  value,
  scaling: scalingInput(c.scaling),
  numberOfOccurrences: c.numberOfOccurrences,
  periodRates: c.periodRates.map((r) => ({ periodNumber: r.periodNumber, startOccurrence: r.startOccurrence, endOccurrence: r.endOccurrence, value: r.value, scaling: scalingInput(r.scaling) })),
});

function calculationInput(c, v) {
  if (c.split) return { split: { oneOff: oneOffInput(c.split.oneOff, v.oneOff), recurring: recurringInput(c.split.recurring, v.recurring) } };
  if (c.recurring) return { recurring: recurringInput(c.recurring, v.recurring) };
  return { oneOff: oneOffInput(c.oneOff, v.oneOff) };
}

function planValues(plan) {
  return plan.entries.map(({ calculation: c }) => ({
    oneOff: (c.split ? c.split.oneOff : c.oneOff || {}).value,
    recurring: (c.split ? c.split.recurring : c.recurring || {}).value,
  }));
}

function PlanChange({ id, onChange }) {
  const { data, error } = useQuery(PLAN, { id });
  const plan = data && data.commissionPlan;
  const [values, setValues] = useState(null);
  useEffect(() => plan && setValues(planValues(plan)), [plan]);
  useEffect(() => {
    if (!values) return;
    const same = JSON.stringify(values) === JSON.stringify(planValues(plan));
    onChange(same ? { planId: id } : {
      planId: id,
      plan: {
        label: plan.label, partnerType: plan.partnerType, paymentTarget: plan.paymentTarget, autoAssignRecipient: plan.autoAssignRecipient,
        currency: plan.currency, groupIds: plan.groups.map((g) => g.id), categoryIds: plan.categories.map((c) => c.id),
        partnerIds: plan.partners.map((p) => p.id),
        entries: plan.entries.map((e, i) => ({ paymentStageId: e.paymentStage.id, calculation: calculationInput(e.calculation, values[i]) })),
      },
    });
  }, [values]);
  if (error) return html`<${Failure} error=${error} />`;
  if (!values) return html`<${Loading} />`;
  const set = (i, part) => (e) => setValues(values.map((v, j) => (j === i ? { ...v, [part]: e.target.value } : v)));
  return html`
    <fieldset class="stack">
      <legend>${plan.label}: its values (\u201c10%\u201d of the base, or an amount such as \u201c500\u201d)</legend>
      ${plan.entries.map((entry, i) => ['oneOff', 'recurring'].filter((part) => values[i][part] !== undefined).map((part) => html`
        <${Field} id=${`plan-${i}-${part}`} label=${`At ${entry.paymentStage.name}: ${part === 'oneOff' ? 'one-off' : 'each payment'}`}>
          ${(a) => html`<input value=${values[i][part]} onInput=${set(i, part)} autocomplete="off" ...${a} />`}
        <//>`))}
      <p class="hint">Left as they are, the plan is replayed unchanged.</p>
    </fieldset>`;
}

const ACTIONS = ['INCREASE', 'DECREASE', 'FLAT_INCREASE', 'FLAT_DECREASE'];
const modifier = (m) => (m ? { action: m.action, value: m.value } : null);
const metrics = (m) => ({ payout: m.payout, revenue: m.revenue, saleAmount: m.saleAmount, conversions: m.conversions, events: m.events });

function TierChange({ id, onChange, fieldError }) {
  const { data, error } = useQuery(TIER, { id });
  const tier = data && data.tieredCommission;
  const [edit, setEdit] = useState(null);
  useEffect(() => tier && setEdit({ action: tier.payout ? tier.payout.action : 'INCREASE', value: tier.payout ? tier.payout.value : '', bonus: tier.bonus || '' }), [tier]);
  useEffect(() => {
    if (!edit) return;
    const same = edit.value === (tier.payout ? tier.payout.value : '') && edit.action === (tier.payout ? tier.payout.action : 'INCREASE') && edit.bonus === (tier.bonus || '');
    onChange(same ? { tieredCommissionId: id } : {
      tieredCommissionId: id,
      tier: {
        name: tier.name, notes: tier.notes, status: tier.status, startDate: tier.startDate, endDate: tier.endDate, period: tier.period,
        applyToAllPartners: tier.applyToAllPartners, partnerIds: tier.partners.map((p) => p.id), campaignIds: tier.campaigns.map((c) => c.id),
        payout: edit.value ? { action: edit.action, value: edit.value } : null,
        revenue: modifier(tier.revenue), retroactivePayout: modifier(tier.retroactivePayout), retroactiveRevenue: modifier(tier.retroactiveRevenue),
        goals: metrics(tier.goals), maxima: metrics(tier.maxima), bonus: edit.bonus || null,
        promoteToGroupId: tier.promoteToGroup ? tier.promoteToGroup.id : null,
      },
    });
  }, [edit]);
  if (error) return html`<${Failure} error=${error} />`;
  if (!edit) return html`<${Loading} />`;
  const set = (name) => (e) => setEdit({ ...edit, [name]: e.target.value });
  return html`
    <fieldset class="stack">
      <legend>${tier.name}: while it is reached</legend>
      <${Field} id="tier-action" label="Each new commission">
        ${(a) => html`<select value=${edit.action} onChange=${set('action')} ...${a}>${ACTIONS.map((x) => html`<option value=${x}>${words(x)}</option>`)}</select>`}
      <//>
      <${Field} id="tier-value" label="By (percent, or an amount for a flat change; empty: no change)" error=${fieldError('value')}>
        ${(a) => html`<input value=${edit.value} onInput=${set('value')} inputmode="decimal" autocomplete="off" ...${a} />`}
      <//>
      <${Field} id="tier-bonus" label="Bonus when reached (empty: none)" error=${fieldError('bonus')}>
        ${(a) => html`<input value=${edit.bonus} onInput=${set('bonus')} inputmode="decimal" autocomplete="off" ...${a} />`}
      <//>
    </fieldset>`;
}

const BACKTEST = `query Backtest($id: ID!) {
  backtest(id: $id) {
    id status progress events from to startedAt finishedAt error expiresAt
    totals { currency before after difference }
  }
}`;

const ROWS = `query BacktestRows($id: ID!, $orderBy: BacktestPartnerOrder!, $after: String) {
  backtest(id: $id) {
    id
    partners(first: 25, after: $after, orderBy: $orderBy) {
      totalCount totalCountIsExact
      pageInfo { hasNextPage endCursor }
      nodes { partnerId currency before after difference events partner { id name } }
    }
  }
}`;

const CANCEL = `mutation Cancel($id: ID!) { cancelBacktest(id: $id) { id status } }`;

function Result({ id, order, setOrder }) {
  const { data, error, loading, reload } = useQuery(BACKTEST, { id });
  const test = data && data.backtest;
  const running = test && test.status === 'RUNNING';
  // A running backtest is read again every two seconds until it ends.
  useEffect(() => {
    if (!running) return undefined;
    const wait = setTimeout(reload, 2_000);
    return () => clearTimeout(wait);
  }, [data]);
  const [busy, outcome, , cancel] = useForm(async () => {
    await gql(CANCEL, { id });
    reload();
  }, 'Cancelled.');
  return html`
    <${Section} title="Result" id="backtest-result">
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && !test && html`<${NotFound} what="backtest" back="#/backtest" backLabel="Start another" />`}
      ${test && html`
        <dl class="facts">
          <div><dt>Status</dt><dd data-state=${test.status}><${Badge} value=${test.status} tone=${tone(test.status)} /></dd></div>
          <div><dt>Events</dt><dd>${test.events} between ${day(test.from)} and ${day(Date.parse(test.to) - 1)}</dd></div>
          <div><dt>Kept until</dt><dd>${day(test.expiresAt)}</dd></div>
        </dl>
        ${test.error && html`<p class="notice error" role="alert">${test.error}</p>`}
        ${running && html`
          <p><label for="backtest-progress">Replayed ${Math.round(test.progress * 100)} %</label>
             <progress id="backtest-progress" max="1" value=${test.progress}></progress></p>
          <${Writable}><form onSubmit=${cancel}><button type="submit" class="secondary" disabled=${busy}>Cancel the backtest</button><${Outcome} outcome=${outcome && outcome.error ? outcome : null} /></form><//>`}
        ${test.status === 'DONE' && html`<${Totals} test=${test} /><${Partners} id=${id} order=${order} setOrder=${setOrder} />`}`}
    <//>`;
}

function Figures({ row, name }) {
  return html`
    <td class="num"><${Money} amount=${row.before} currency=${row.currency} figure=${`${name}.before`} /></td>
    <td class="num"><${Money} amount=${row.after} currency=${row.currency} figure=${`${name}.after`} /></td>
    <td class="num"><${Money} amount=${row.difference} currency=${row.currency} figure=${`${name}.difference`} /></td>`;
}

const head = () => html`<th scope="col" class="num">Before (the ledger)</th><th scope="col" class="num">After (the change)</th><th scope="col" class="num">Difference</th>`;

function Totals({ test }) {
  return html`
    <${TableWrap} label="Totals per currency">
      <table>
        <thead><tr><th scope="col">Currency</th>${head()}</tr></thead>
        <tbody>
          ${test.totals.map((t) => html`<tr><th scope="row">${t.currency}</th><${Figures} row=${t} name=${`backtest.total.${t.currency}`} /></tr>`)}
        </tbody>
      </table>
    <//>`;
}

function Partners({ id, order, setOrder }) {
  const paged = usePaged(ROWS, { id, orderBy: order }, (d) => d.backtest && d.backtest.partners);
  return html`
    <h3>Per partner</h3>
    <div class="filters">
      <${Field} id="backtest-order" label="Order">
        ${(a) => html`
          <select value=${order} onChange=${(e) => setOrder(e.target.value)} ...${a}>
            <option value="DIFFERENCE_DESC">Largest increase first</option>
            <option value="DIFFERENCE_ASC">Largest decrease first</option>
          </select>`}
      <//>
    </div>
    <${Paged} paged=${paged} what=${['row', 'rows']} empty="No partner had events in the range.">
      <${TableWrap} label="Before and after per partner">
        <table>
          <thead><tr><th scope="col">Partner</th><th scope="col" class="num">Events</th>${head()}</tr></thead>
          <tbody>
            ${paged.nodes.map((r) => html`
              <tr data-partner=${r.partnerId}>
                <th scope="row">${r.partner ? html`<a href=${`#/partners/${encodeURIComponent(r.partnerId)}`}>${r.partner.name}</a>` : r.partnerId}</th>
                <td class="num">${r.events}</td>
                <${Figures} row=${r} name=${`backtest.${r.partnerId}.${r.currency}`} />
              </tr>`)}
          </tbody>
        </table>
      <//>
    <//>`;
}
