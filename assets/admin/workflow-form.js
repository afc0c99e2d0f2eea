// The form that makes a workflow (SPEC §35): its name, the groups whose
// partners it watches (none ticked: every group), what starts it (a
// partner approved, or a figure reached) and its actions, in order: any
// number of moves to a group, messages, tags and bonuses.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { Field, Outcome, Section } from './ui.js';
import { GroupSelect, dayStart, useForm, useTenant } from './parts.js';
import { MAX_BODY } from './messages.js';

const CREATE = `mutation CreateWorkflow($input: CreateWorkflowInput!) {
  createWorkflow(input: $input) { id name enabled }
}`;

/** The figures a workflow may wait for, as words after a number. */
export const METRICS = {
  SALES: 'sales',
  SALE_AMOUNT: 'in sales',
  COMMISSION_AMOUNT: 'in commissions',
  CUSTOMERS: 'customers',
};

/** The figures that are amounts of money (the others count). */
export const AMOUNTS = ['SALE_AMOUNT', 'COMMISSION_AMOUNT'];

const KINDS = [
  ['MOVE_TO_GROUP', 'Move the partner to a group'],
  ['SEND_MESSAGE', 'Send the partner a message'],
  ['ADD_TAG', 'Tag the partner'],
  ['PAY_BONUS', 'Pay the partner a bonus'],
];

let rowKeys = 0;
const newRow = (kind = 'SEND_MESSAGE') => ({ key: ++rowKeys, kind });

/** The form's fields as a `CreateWorkflowInput`; `rows` the actions in order. */
function workflowInput(form, rows, metric, currency) {
  const text = (name) => String(form.get(name) || '').trim();
  const input = { name: text('name'), trigger: null, actions: [] };
  const groupIds = form.getAll('groupIds');
  if (groupIds.length) input.groupIds = groupIds;
  if (!metric) input.trigger = { partnerApproved: true };
  else {
    const reached = { metric, value: text('metricValue') };
    if (AMOUNTS.includes(metric) && text('metricCurrency')) reached.currency = text('metricCurrency').toUpperCase();
    if (text('metricFrom')) reached.from = dayStart(text('metricFrom'));
    if (text('metricTo')) reached.to = dayStart(text('metricTo'), true);
    input.trigger = { metricReached: reached };
  }
  input.actions = rows.map(({ key, kind }) => {
    const value = (name) => text(`action-${key}-${name}`);
    if (kind === 'MOVE_TO_GROUP') return { moveToGroup: value('group') };
    if (kind === 'ADD_TAG') return { addTag: value('tag') };
    if (kind === 'PAY_BONUS') return { payBonus: { amount: value('amount'), currency: (value('currency') || currency).toUpperCase() } };
    return { sendMessage: String(form.get(`action-${key}-message`) || '') };
  });
  return input;
}

/** `groups`: the program's groups (`useGroups`); `finished(message)` follows a workflow made. */
export function WorkflowForm({ groups, finished }) {
  const tenant = useTenant();
  const [metric, setMetric] = useState(null);
  const [rows, setRows] = useState(() => [newRow()]);
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const made = (await gql(CREATE, { input: workflowInput(form, rows, metric, tenant.currency) })).createWorkflow;
    finished(`${made.name} is made${made.enabled ? ' and enabled' : '; enable it to have it run'}.`);
  }, 'Done.');
  const named = ['name', 'groupIds', 'trigger', 'actions'].some((f) => fieldError(f));
  const setKind = (key, kind) => setRows(rows.map((r) => (r.key === key ? { ...r, kind } : r)));
  const remove = (key) => setRows(rows.filter((r) => r.key !== key));
  const groupsError = fieldError('groupIds');
  return html`
    <${Section} title="New workflow" id="workflow-editor" actions=${html`<a href="#/workflows">Close<span class="visually-hidden"> the form</span></a>`}>
      <form class="stack" onSubmit=${submit}>
        <${Field} id="workflow-name" label="Name" error=${fieldError('name')}>
          ${(a) => html`<input name="name" required autocomplete="off" ...${a} />`}
        <//>
        <fieldset aria-describedby=${groupsError ? 'workflow-groups-error' : undefined}>
          <legend>Partners of these groups</legend>
          <p class="hint">None ticked: partners of every group.</p>
          ${!groups && html`<p class="hint">Loading…</p>`}
          ${(groups || []).map((g) => html`<label class="choice"><input type="checkbox" name="groupIds" value=${g.id} /> ${g.name}</label>`)}
          ${groupsError && html`<p class="field-error" id="workflow-groups-error">${groupsError}</p>`}
        </fieldset>
        <${Trigger} metric=${metric} setMetric=${setMetric} fieldError=${fieldError} tenant=${tenant} />
        <fieldset class="stack">
          <legend>What it does, in order</legend>
          ${rows.map((row, i) => html`
            <${ActionRow} key=${row.key} row=${row} index=${i} groups=${groups} tenant=${tenant} error=${fieldError(`actions[${i}]`)}
                          setKind=${setKind} remove=${rows.length > 1 ? remove : null} />`)}
          ${fieldError('actions') && !rows.some((_, i) => fieldError(`actions[${i}]`)) && html`<p class="field-error">${fieldError('actions')}</p>`}
          <p><button type="button" class="secondary small" onClick=${() => setRows([...rows, newRow()])}>Add an action</button></p>
        </fieldset>
        <p><button type="submit" disabled=${busy}>Create the workflow</button></p>
        ${outcome && outcome.error && !named && html`<${Outcome} outcome=${outcome} />`}
      </form>
    <//>`;
}

function Trigger({ metric, setMetric, fieldError, tenant }) {
  const error = fieldError('trigger');
  const input = (name, label, hint, attrs = {}) => html`
    <${Field} id=${`workflow-${name}`} label=${label} hint=${hint}>
      ${(a) => html`<input name=${name} autocomplete="off" ...${attrs} ...${a} />`}
    <//>`;
  return html`
    <fieldset class="stack" aria-describedby=${error ? 'workflow-trigger-error' : undefined}>
      <legend>When it runs</legend>
      <label class="choice"><input type="radio" name="trigger" value="approved" checked=${!metric} onChange=${() => setMetric(null)} /> When a partner is approved</label>
      <label class="choice"><input type="radio" name="trigger" value="metric" checked=${Boolean(metric)} onChange=${() => setMetric('SALES')} /> When a partner reaches a figure</label>
      ${metric && html`
        <${Field} id="workflow-metric" label="Figure">
          ${(a) => html`<select value=${metric} onChange=${(e) => setMetric(e.target.value)} ...${a}>
            ${Object.entries(METRICS).map(([value, label]) => html`<option value=${value}>${value.endsWith('AMOUNT') ? `Amount ${label}` : `Number of ${label}`}</option>`)}
          </select>`}
        <//>
        ${input('metricValue', AMOUNTS.includes(metric) ? 'Amount to reach' : 'Number to reach', null, { required: true, inputmode: 'decimal' })}
        ${AMOUNTS.includes(metric) && input('metricCurrency', 'Currency', `Three letters; empty: ${tenant.currency}.`, { maxlength: 3 })}
        <div class="picker">
          ${input('metricFrom', 'Counted from (day)', 'Empty: from now on — what partners did before the workflow does not count. Name an earlier day to count it.', { type: 'date' })}
          ${input('metricTo', 'Counted through (day)', 'Empty: no end.', { type: 'date' })}
        </div>`}
      ${error && html`<p class="field-error" id="workflow-trigger-error">${error}</p>`}
    </fieldset>`;
}

function ActionRow({ row, index, groups, tenant, error, setKind, remove }) {
  const id = (name) => `workflow-action-${row.key}-${name}`;
  const name = (part) => `action-${row.key}-${part}`;
  const n = index + 1;
  return html`
    <fieldset class="stack" data-action=${row.kind} aria-describedby=${error ? id('error') : undefined}>
      <legend>Action ${n}</legend>
      <${Field} id=${id('kind')} label=${`What action ${n} does`}>
        ${(a) => html`<select value=${row.kind} onChange=${(e) => setKind(row.key, e.target.value)} ...${a}>
          ${KINDS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select>`}
      <//>
      ${row.kind === 'MOVE_TO_GROUP' && html`
        <${Field} id=${id('group')} label="Group">${(a) => html`<${GroupSelect} groups=${groups} name=${name('group')} a=${a} />`}<//>`}
      ${row.kind === 'SEND_MESSAGE' && html`
        <${Field} id=${id('message')} label="Message" hint="Plain text, at most 10,000 characters. Addresses starting http:// or https:// become links.">
          ${(a) => html`<textarea name=${name('message')} rows="4" maxlength=${MAX_BODY} required ...${a}></textarea>`}
        <//>`}
      ${row.kind === 'ADD_TAG' && html`
        <${Field} id=${id('tag')} label="Tag">${(a) => html`<input name=${name('tag')} required autocomplete="off" ...${a} />`}<//>`}
      ${row.kind === 'PAY_BONUS' && html`
        <div class="picker">
          <${Field} id=${id('amount')} label="Bonus amount">${(a) => html`<input name=${name('amount')} required inputmode="decimal" autocomplete="off" ...${a} />`}<//>
          <${Field} id=${id('currency')} label="Currency" hint=${`Empty: ${tenant.currency}.`}>${(a) => html`<input name=${name('currency')} maxlength="3" autocomplete="off" ...${a} />`}<//>
        </div>`}
      ${error && html`<p class="field-error" id=${id('error')}>${error}</p>`}
      ${remove && html`<p><button type="button" class="secondary small" onClick=${() => remove(row.key)}>Remove action ${n}</button></p>`}
    </fieldset>`;
}
